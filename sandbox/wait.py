"""Wait until sandboxes answer: ``python -m sandbox.wait URL [URL ...]``."""

from __future__ import annotations

import sys
import time
import urllib.error
import urllib.request


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_sandbox/health", timeout=2):  # noqa: S310
                return
        except (urllib.error.URLError, OSError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


if __name__ == "__main__":
    for target in sys.argv[1:]:
        wait_for(target)
