"""Which parents changed since the last run: what lets a re-run skip unchanged campaigns' children.

An incremental event feed (lemlist ``activities``, Smartlead ``all-leads-activities``) names the
campaign of every event. As it syncs it marks each campaign that had an event not seen before
with the run's start (``parent_marks`` in its state). A per-campaign child keeps, per campaign,
the signature of what it last read: the campaign row's digest and that mark. A re-run reads a
campaign's children only when the signature moved: the campaign row changed (a setting, its
status, its name), or the feed saw new events for it.

"Not seen before" is exact across the band a re-run reads again (lemlist re-reads the last
day, Smartlead its lookback): the feed keeps a short digest of every row it read in that band,
by campaign. A row that is read again marks its campaign only when its digest is not among
them (a new row, or one whose counters moved); a row newer than the last run is new.
"""

from __future__ import annotations

import datetime
import typing as t
from collections import defaultdict
from functools import cached_property

from typing_extensions import override

from tap_core.dates import iso_ms, parse_iso
from tap_core.digests import row_digest
from tap_core.windows import LATE_ARRIVALS, WindowedStream

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from singer_sdk.helpers.types import Context

    from tap_core.rest import EngagementStream

# Feed state: parent -> the start of the last run that saw a new event of it.
PARENT_MARKS = "parent_marks"
# Feed state: the rows the next run reads again, {"to": last run's start, "rows": {parent: "d1 d2"}}.
OVERLAP = "overlap"
# Child state: parent -> signature of what was read for it.
READ_PARENTS = "read_parents"
# Child state: when this child last read every parent, whatever their signatures.
RECONCILED_AT = "reconciled_at"


def time_of(value: object) -> datetime.datetime | None:
    """An ISO 8601 value as a datetime; None when it is not one."""
    try:
        return parse_iso(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def state_map(state: dict[str, t.Any], key: str) -> dict[str, str]:
    """The map (parent id to text) kept under ``key`` in a stream's state, made empty if absent."""
    found = state.get(key)
    if not isinstance(found, dict):
        found = state[key] = {}
    return found


class ChangeFeed(WindowedStream):
    """An incremental feed whose rows name their parent: it marks the parents with new events.

    Children trust the marks only when the feed ran whole this run and saw every parent's
    events (``signals_complete``); otherwise they read every parent, as a full sync would.
    """

    #: The row field that names the parent (the campaign) of an event.
    parent_field: t.ClassVar[str]
    #: The stream of those parents: its children are the ones this feed drives.
    parent_type: t.ClassVar[type[EngagementStream]]

    #: Whether this run's feed read every window up to the sync's start.
    completed = False

    @property
    def signals_every_parent(self) -> bool:
        """Whether the feed reads every parent's events (no filter on campaigns or types)."""
        return self.partitions is None

    @property
    def signals_complete(self) -> bool:
        """Whether children may skip the parents this feed did not mark in this run."""
        return self.selected and self.completed and not self.stopped and self.signals_every_parent

    def event_time(self, row: dict[str, t.Any]) -> datetime.datetime | None:
        """When the row's event happened; None when the row does not say (a window-end bookmark)."""
        if self.bookmark_is_window_end or not self.replication_key:
            return None
        return time_of(row.get(self.replication_key))

    def overlap_start(self, bookmark: datetime.datetime) -> datetime.datetime:
        """Where a run that starts from ``bookmark`` begins reading (a lookback moves it back)."""
        return bookmark

    @property
    def marks(self) -> dict[str, str]:
        return state_map(self.stream_state, PARENT_MARKS)

    @cached_property
    def prior_overlap(self) -> tuple[datetime.datetime, dict[str, set[str]]] | None:
        """The last completed run's start and the digests of the rows this run reads again."""
        overlap = self.stream_state.get(OVERLAP)
        if not isinstance(overlap, dict) or not isinstance(overlap.get("rows"), dict):
            return None
        until = time_of(overlap.get("to"))
        if until is None:
            return None
        return until, {str(parent): set(str(rows).split()) for parent, rows in overlap["rows"].items()}

    @cached_property
    def touched(self) -> set[str]:
        """Parents with an event this run that no earlier run saw."""
        return set()

    @cached_property
    def next_overlap(self) -> defaultdict[str, dict[str, datetime.datetime | None]]:
        """Rows the next run may read again, by parent: digest -> where the row sits in time."""
        return defaultdict(dict)

    @cached_property
    def overlap_floor(self) -> datetime.datetime:
        """The earliest time the next run can read again: its bookmark is at least this late."""
        late = datetime.timedelta(0) if self.bookmark_is_window_end else LATE_ARRIVALS
        return self.overlap_start(self.run.started_at - late)

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        signalling = context is None and self.signals_every_parent
        for record in super().get_records(context):
            if signalling:
                self.note(record)
            yield record
        if signalling and not self.stopped and not self._gated:
            self.completed = True
            self.keep_overlap()

    def note(self, row: dict[str, t.Any]) -> None:
        """Count one row of the feed: one not seen before marks its parent."""
        parent = row.get(self.parent_field)
        if parent is None:
            return
        key = str(parent)
        fingerprint = row_digest(row, self.tap_fields())
        when = self.event_time(row)
        prior = self.prior_overlap
        if prior is None or (when is not None and when > prior[0]) or fingerprint not in prior[1].get(key, ()):
            self.touched.add(key)
        # A row with no time of its own sits at the end of the window it was read in.
        placed = when or time_of(row.get(self.replication_key or ""))
        if placed is None or placed >= self.overlap_floor:
            self.next_overlap[key][fingerprint] = placed

    def tap_fields(self) -> tuple[str, ...]:
        """Fields the tap stamps on rows (a window's end as the bookmark): not the API's."""
        return (self.replication_key,) if self.bookmark_is_window_end and self.replication_key else ()

    def write_marks(self) -> None:
        mark = iso_ms(self.run.started_at)
        for parent in self.touched:
            self.marks[parent] = mark

    def keep_overlap(self) -> None:
        """The run is whole: its marks, and the rows the next run reads again, go into state."""
        self.write_marks()
        start = self.overlap_start(self.final_bookmark or self.run.started_at)
        rows = {
            parent: " ".join(sorted(d for d, when in digests.items() if when is None or when >= start))
            for parent, digests in self.next_overlap.items()
        }
        self.stream_state[OVERLAP] = {"to": iso_ms(self.run.started_at), "rows": {p: r for p, r in rows.items() if r}}
        self.state_manager.is_flushed = False

    @property
    def final_bookmark(self) -> datetime.datetime | None:
        """The bookmark the run ends with (its last checkpoint, before the SDK promotes it)."""
        markers = self.stream_state.get("progress_markers") or {}
        return time_of(markers.get("replication_key_value") or self.stream_state.get("replication_key_value"))

    @override
    def checkpoint(self, context: Context | None, high: datetime.datetime, *, final: bool) -> None:
        # Marks go out with every checkpoint: a kill between the feed and the children must
        # not lose them.
        if context is None and self.signals_every_parent:
            self.write_marks()
        super().checkpoint(context, high, final=final)
