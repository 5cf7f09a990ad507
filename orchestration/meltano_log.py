"""What one ``meltano --log-format=json run <extractor> <loader>`` did, read from its log: the rows
the loader wrote per stream, the requests the tap charged to its key, the state id, and the lines
that say why it failed. Plain Python (no Dagster), so that it is tested where the taps are.
"""

from __future__ import annotations

import json
import re
import typing as t
from dataclasses import dataclass, field

#: How a tap of this project begins its line about the requests it sent (``tap_core.tap``).
REQUESTS_SENT = re.compile(r"Requests sent: (\d+)")
#: The loader's count of the rows it wrote, one line per stream and batch (the Singer SDK's).
RECORD_COUNT = "record_count"
#: Lines of a failed run that go into its failure, enough to name the stream and what to do.
FAILURE_LINES = 3


@dataclass
class RunLog:
    """One Meltano run, as its log tells it."""

    #: Rows the loader wrote, per stream.
    rows: dict[str, int] = field(default_factory=dict)
    #: Requests the tap charged to its key (None: the tap did not say).
    requests: int | None = None
    #: Meltano's state id of the run (``<environment>:<extractor>-to-<loader>``).
    state_id: str | None = None
    #: The tap's own error lines (``<tap>: error: ...``): each names a stream and what to do.
    tap_errors: list[str] = field(default_factory=list)
    #: What Meltano said at error level, in order: which block failed.
    errors: list[str] = field(default_factory=list)
    #: Every line's text, in order (for lines that are not JSON, the line itself).
    lines: list[str] = field(default_factory=list)

    def failure(self) -> str:
        """Why the run failed, in a few lines: the tap's own errors name the stream and what to
        do; Meltano's last error says which block failed."""
        said = [*self.tap_errors[-FAILURE_LINES:], *self.errors[-1:]] or self.lines[-FAILURE_LINES:]
        return " | ".join(line.strip()[-400:] for line in said) or "no output"


def read(text: str) -> RunLog:
    """The run described by Meltano's JSON log lines (other lines are kept as they are)."""
    log = RunLog()
    for raw in text.splitlines():
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
        except json.JSONDecodeError:
            line = None
        if not isinstance(line, dict):
            log.lines.append(raw)
            continue
        event = str(line.get("event", ""))
        log.lines.append(event)
        log.state_id = log.state_id or _str(line.get("job_name"))
        if event.startswith("METRIC: ") and line.get("consumer"):
            _count_rows(log, event.removeprefix("METRIC: "))
        elif line.get("producer") and (sent := REQUESTS_SENT.search(event)):
            log.requests = int(sent.group(1))
        if line.get("producer") and ": error:" in event:
            log.tap_errors.append(event)
        elif line.get("level") in {"error", "critical"}:
            log.errors.append(event)
    return log


def _count_rows(log: RunLog, metric: str) -> None:
    try:
        point = json.loads(metric)
    except json.JSONDecodeError:
        return
    if point.get("metric") == RECORD_COUNT and isinstance(point.get("value"), int):
        stream = str((point.get("tags") or {}).get("stream", "?"))
        log.rows[stream] = log.rows.get(stream, 0) + point["value"]


def _str(value: t.Any) -> str | None:
    return value if isinstance(value, str) and value else None


def state_summary(state: dict[str, t.Any]) -> dict[str, t.Any]:
    """The STATE a run reached, per stream, small enough to read: a stream's bookmark, or for a
    stream kept per parent, how many parents it has and the latest bookmark among them."""
    bookmarks = (state.get("singer_state") or state).get("bookmarks") or {}
    summary: dict[str, t.Any] = {}
    for stream, bookmark in sorted(bookmarks.items()):
        if not isinstance(bookmark, dict):
            continue
        partitions = bookmark.get("partitions")
        if isinstance(partitions, list) and partitions:
            values = [str(p["replication_key_value"]) for p in partitions if p.get("replication_key_value")]
            summary[stream] = {"parents": len(partitions), "latest": max(values) if values else None}
        elif bookmark.get("replication_key_value") is not None:
            summary[stream] = bookmark["replication_key_value"]
    return summary
