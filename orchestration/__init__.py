"""Dagster definitions for the Meltano project: one sync job per extractor (see definitions.py)."""
