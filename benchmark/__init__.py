"""The throughput benchmark: ``.venv/bin/python -m benchmark`` (see README)."""
