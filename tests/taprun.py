"""Run a tap's real command line and read what it wrote."""

from __future__ import annotations

import collections
import gzip
import importlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import typing as t
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

from sandbox.catalog import discover, select

BIN = Path(sys.executable).parent


@dataclass
class TapRun:
    """What one run of a tap printed, parsed."""

    returncode: int
    stdout: str
    stderr: str
    messages: list[dict[str, t.Any]] = field(default_factory=list)

    def records(self, stream: str) -> list[dict[str, t.Any]]:
        return [m["record"] for m in self.messages if m["type"] == "RECORD" and m["stream"] == stream]

    def rows(self, *, ignore: t.Collection[str] = ()) -> list[tuple[str, str]]:
        """(stream, record as sorted JSON) in emitted order, without the fields in ``ignore``
        (those holding the run's own start time, which differs between two runs)."""
        return [
            (m["stream"], json.dumps({k: v for k, v in m["record"].items() if k not in ignore}, sort_keys=True))
            for m in self.messages
            if m["type"] == "RECORD"
        ]

    def counts(self) -> dict[str, int]:
        return dict(collections.Counter(m["stream"] for m in self.messages if m["type"] == "RECORD"))

    @property
    def state(self) -> dict[str, t.Any]:
        states = [m["value"] for m in self.messages if m["type"] == "STATE"]
        return states[-1] if states else {}

    def bookmark(self, stream: str) -> t.Any:
        return self.state.get("bookmarks", {}).get(stream, {}).get("replication_key_value")


def run_tap(
    executable: str,
    config: dict[str, t.Any],
    *,
    state: dict[str, t.Any] | None = None,
    streams: t.Iterable[str] | None = None,
    env: dict[str, str] | None = None,
    args: t.Sequence[str] = (),
    timeout: float = 240,
) -> TapRun:
    """Run ``executable`` with ``config`` (and optionally state and a stream selection)."""
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        command = [str(BIN / executable), "--config", write_json(work / "config.json", config), *args]
        if state is not None:
            command += ["--state", write_json(work / "state.json", state)]
        if streams is not None:
            catalog = select_streams(executable, config, set(streams))
            command += ["--catalog", write_json(work / "catalog.json", catalog)]
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, **(env or {})},
            check=False,
        )
    run = TapRun(result.returncode, result.stdout, result.stderr)
    if "--discover" not in args:
        run.messages = read_batches([json.loads(line) for line in result.stdout.splitlines() if line.strip()])
    return run


def batch_config(folder: Path, batch_size: int) -> dict[str, t.Any]:
    """The SDK's BATCH mode: records go to gzipped JSONL files in ``folder``, ``batch_size`` a file."""
    return {
        "encoding": {"format": "jsonl", "compression": "gzip"},
        "storage": {"root": folder.as_uri()},
        "batch_size": batch_size,
    }


def read_batches(messages: list[dict[str, t.Any]]) -> list[dict[str, t.Any]]:
    """The messages, each BATCH followed by the RECORDs of its files (marked ``batched``), so that
    a run in BATCH mode reads like one that wrote RECORDs."""
    read: list[dict[str, t.Any]] = []
    for message in messages:
        read.append(message)
        if message["type"] != "BATCH":
            continue
        for uri in message["manifest"]:
            with gzip.open(unquote(urlparse(uri).path), "rt") as lines:
                read += [
                    {"type": "RECORD", "stream": message["stream"], "record": json.loads(line), "batched": True}
                    for line in lines
                ]
    return read


def write_json(path: Path, value: object) -> str:
    path.write_text(json.dumps(value))
    return str(path)


_catalogs: dict[str, dict[str, t.Any]] = {}


def select_streams(executable: str, config: dict[str, t.Any], streams: set[str]) -> dict[str, t.Any]:
    """The discovered catalog with only ``streams`` selected (all their fields)."""
    if executable not in _catalogs:
        with tempfile.TemporaryDirectory() as folder:
            _catalogs[executable] = discover(str(BIN / executable), write_json(Path(folder) / "config.json", config))
    return select(json.loads(json.dumps(_catalogs[executable])), streams)


def killed_run(
    executable: str,
    config: dict[str, t.Any],
    streams: set[str],
    after_records: int,
    *,
    state: dict[str, t.Any] | None = None,
    counting: str = "RECORD",
) -> TapRun:
    """Run the tap (from ``state`` if given), kill -9 it once ``after_records`` messages of type
    ``counting`` (records, or STATEs in BATCH mode) have been read, keep all it wrote."""
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        catalog = select_streams(executable, config, streams)
        command = [
            str(BIN / executable),
            "--config",
            write_json(work / "config.json", config),
            "--catalog",
            write_json(work / "catalog.json", catalog),
        ]
        if state is not None:
            command += ["--state", write_json(work / "state.json", state)]
        with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as process:
            assert process.stdout is not None
            lines, records = [], 0
            for line in process.stdout:
                lines.append(line)
                records += f'"type":"{counting}"' in line
                if records >= after_records:
                    process.send_signal(signal.SIGKILL)
                    break
            lines += process.stdout.readlines()  # what it wrote before dying reaches the target too
            process.wait(timeout=30)
    # A line cut by the kill is never received whole; a target would drop it too.
    messages = []
    for line in lines:
        try:
            messages.append(json.loads(line))
        except ValueError:
            continue
    return TapRun(process.returncode, "", "", read_batches(messages))


def opt_in_streams(executable: str) -> set[str]:
    """The tap's streams a catalog from ``--discover`` leaves unselected (``selected_by_default``)."""
    streams = importlib.import_module(f"{executable.replace('-', '_')}.streams")
    return {stream.name for stream in streams.STREAM_TYPES if not stream.selected_by_default}


# Fields that hold a run's own start (the end of the period counted), not the vendor's data.
RUN_FIELDS = frozenset({"endDate", "end_date"})


def upserted(runs: t.Iterable[TapRun], keys: dict[str, tuple[str, ...]]) -> dict[str, dict[tuple[t.Any, ...], t.Any]]:
    """What a target holds after these runs, in order: each stream's rows upserted on its key."""
    held: dict[str, dict[tuple[t.Any, ...], t.Any]] = {name: {} for name in keys}
    for run in runs:
        for name, key in keys.items():
            for row in run.records(name):
                held[name][tuple(row.get(k) for k in key)] = {k: v for k, v in row.items() if k not in RUN_FIELDS}
    return held
