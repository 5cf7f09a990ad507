"""Discover a tap's catalog and select streams in it: for tests and the benchmark."""

from __future__ import annotations

import json
import subprocess
import typing as t


def discover(command: str | list[str], config_path: str) -> dict[str, t.Any]:
    """The catalog a tap discovers; ``command`` is its executable (and arguments)."""
    words = [command] if isinstance(command, str) else command
    done = subprocess.run([*words, "--config", config_path, "--discover"], capture_output=True, text=True, check=True)
    return t.cast("dict[str, t.Any]", json.loads(done.stdout))


def select(catalog: dict[str, t.Any], streams: set[str]) -> dict[str, t.Any]:
    """``catalog`` (changed in place) with only ``streams`` selected, all their fields."""
    known = {entry["tap_stream_id"] for entry in catalog["streams"]}
    if not streams <= known:
        msg = f"unknown streams {sorted(streams - known)}"
        raise ValueError(msg)
    for entry in catalog["streams"]:
        for item in entry["metadata"]:
            if not item["breadcrumb"]:
                item["metadata"]["selected"] = entry["tap_stream_id"] in streams
    return catalog
