"""Date windows, oldest first, with a checkpoint after each: first syncs that resume."""

from __future__ import annotations

import datetime
import typing as t
from functools import cached_property

from typing_extensions import override

from tap_core.dates import iso_ms, parse_iso
from tap_core.rest import EngagementStream

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from singer_sdk.helpers.types import Context

# The first window's length, before the account's density of records is known.
FIRST_SPAN = datetime.timedelta(days=30)
MIN_SPAN = datetime.timedelta(hours=1)
MAX_SPAN = datetime.timedelta(days=366)
# Density changes over an account's life; one window's count says only so much about the next.
MAX_GROWTH = 8
# State flag: the bookmark is the end of a completed window of an unfinished sync, so a
# re-run resumes exactly there (no lookback).
CHECKPOINT = "window_checkpoint"
PROGRESS_MARKERS = "progress_markers"
# How late an API may store an event after the event's own time, at most.
LATE_ARRIVALS = datetime.timedelta(days=1)
# Context keys of one window's requests: its bounds (ISO dates, the lower one None when open)
# and how many records it likely holds.
WINDOW = "window"
EXPECTED = "records_expected"

Window = tuple[datetime.datetime | None, datetime.datetime]


def next_span(span: datetime.timedelta, records: int, target: int) -> datetime.timedelta:
    """The next window's length: about ``target`` records at the density just seen."""
    wanted = span * MAX_GROWTH if records <= 0 else span * (target / records)
    wanted = min(max(wanted, span / MAX_GROWTH), span * MAX_GROWTH)
    return min(max(wanted, MIN_SPAN), MAX_SPAN)


def successor(
    low: datetime.datetime | None,
    high: datetime.datetime,
    span: datetime.timedelta,
    count: int,
    *,
    end: datetime.datetime,
    target: int,
) -> tuple[datetime.datetime, datetime.datetime, datetime.timedelta, int]:
    """The window after ``(low, high)``, which held ``count`` records: its bounds, its span
    and the records it likely holds at the same density."""
    last_span = span if low is None else high - low
    span = next_span(last_span, count, target)
    new_low, new_high = high, min(end, high + span)
    return new_low, new_high, span, int(count * ((new_high - new_low) / last_span))


def first_window(
    origin: datetime.datetime | None,
    history_start: datetime.datetime | None,
    end: datetime.datetime,
) -> Window:
    """From the bookmark (or start_date) on; without one, everything up to a first span
    after the account's history began (unbounded below, so nothing older is missed)."""
    if origin is not None:
        return origin, min(end, origin + FIRST_SPAN)
    if history_start is not None:
        return None, min(end, history_start + FIRST_SPAN)
    return None, end


class WindowedStream(EngagementStream):
    """An incremental stream read in date windows, oldest first, with a STATE after each.

    A first sync of years of history then survives a kill: a re-run with the last STATE
    starts at the end of the last completed window, so at most one window is read twice.
    Window lengths follow the density of records (about ``window_records`` each), so a
    quiet account needs few requests and a busy one never redoes much.
    """

    #: Records a window should hold: what a kill may make a re-run read again.
    window_records: t.ClassVar[int] = 50_000
    #: The bookmark is the end of the window a row was read in (rows carry no time of their
    #: own), rather than the newest record's time.
    bookmark_is_window_end: t.ClassVar[bool] = False
    # Windows complete in order, but records within one need not be sorted.
    is_sorted = False

    def window_origin(self, context: Context | None) -> datetime.datetime | None:
        """Where reading starts: the bookmark or start_date; None when there is neither."""
        raise NotImplementedError

    def history_start(self) -> datetime.datetime | None:
        """When the account's history begins, if the API can say; None reads it in one window."""
        return None

    @cached_property
    def account_start(self) -> datetime.datetime | None:
        # Asked once per sync, whatever the partitions.
        return self.history_start()

    def resuming(self, context: Context | None) -> bool:
        """Whether the bookmark is a checkpoint of an unfinished sync (not a finished one's)."""
        return bool(self.get_context_state(context).get(CHECKPOINT))

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        end = self.run.started_at
        origin = self.window_origin(context)
        if origin is not None and origin >= end:
            return
        low, high = first_window(origin, None if origin else self.account_start, end)
        # Present from the start, progress markers are ours: the SDK then neither warns that
        # the stream cannot resume nor lets a later window's max fall behind a checkpoint.
        self.get_context_state(context).setdefault(PROGRESS_MARKERS, {})
        span = FIRST_SPAN
        expected = 0
        ahead: set[tuple[tuple[str, t.Any], ...]] = set()
        while True:
            # The window travels with the requests of its pages: get_url_params reads it there.
            window_context = self.window_context(context, low, high, expected)
            self.show_progress(low, high, end)
            ahead = self.look_ahead(context, (low, high, span, expected), end, ahead, first=not ahead)
            count = 0
            for record in super().get_records(window_context):
                count += 1
                yield record
            if self._gated:
                return
            self.checkpoint(context, high, final=high >= end)
            if high >= end:
                return
            low, high, span, expected = successor(low, high, span, count, end=end, target=self.window_records)

    def show_progress(self, low: datetime.datetime | None, high: datetime.datetime, end: datetime.datetime) -> None:
        """The window being read, and how much of the dates up to the sync's start are done."""
        if low is None:
            self.progress.reading = f"everything up to {iso_ms(high)[:10]}"
            self.progress.done = 0.0
            return
        if self.progress.first_date is None:
            self.progress.first_date = low
        self.progress.reading = f"{iso_ms(low)[:10]} to {iso_ms(high)[:10]}"
        total = (end - self.progress.first_date).total_seconds()
        self.progress.done = (low - self.progress.first_date).total_seconds() / total if total > 0 else None

    def window_context(
        self, context: Context | None, low: datetime.datetime | None, high: datetime.datetime, expected: int
    ) -> dict[str, t.Any]:
        return {**(context or {}), WINDOW: (low and iso_ms(low), iso_ms(high)), EXPECTED: expected}

    def look_ahead(
        self,
        context: Context | None,
        current: tuple[datetime.datetime | None, datetime.datetime, datetime.timedelta, int],
        end: datetime.datetime,
        sent: set[tuple[tuple[str, t.Any], ...]],
        *,
        first: bool,
    ) -> set[tuple[tuple[str, t.Any], ...]]:
        """Probe together the windows likely empty, rather than one round trip each; returns
        the windows whose first pages are out.

        After an empty window (a start date long before the first record, say), the next ones
        are guessed as empty too, each ``MAX_GROWTH`` times longer, and their first pages go out
        at once, up to ``parallel_requests`` windows ahead. A guess the counts prove wrong is
        withdrawn (its request spent, if already sent). Windows with records are read as their
        turn comes: their bounds follow counts not known ahead.
        """
        low, high, span, expected = current
        keep = {self.request_key(self.window_context(context, low, high, expected))}
        if self.run.parallel_requests > 1 and expected == 0 and not first:
            for _ in range(self.run.parallel_requests):
                if high >= end:
                    break
                low, high, span, expected = successor(low, high, span, 0, end=end, target=self.window_records)
                window = self.window_context(context, low, high, expected)
                key = self.request_key(window)
                keep.add(key)
                if key not in sent:
                    self.send_ahead(window)
        for key in sent - keep:
            self.withdraw_early(key)
        return keep

    @override
    def request_key(self, context: Context | None) -> tuple[tuple[str, t.Any], ...]:
        # The same window asks for the same pages, whatever number of records it was guessed to hold.
        return super().request_key({key: value for key, value in (context or {}).items() if key != EXPECTED})

    @override
    def request_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        if not (self.bookmark_is_window_end and self.replication_key):
            yield from super().request_records(context)
            return
        # Stamped as they are read, so that children's early requests see the bookmark too.
        end = iso_ms(self.window_of(context)[1])
        for record in super().request_records(context):
            record[self.replication_key] = end
            yield record

    @override
    def records_expected(self, context: Context | None) -> int:
        """The records the window likely holds, from the last window's density."""
        return int((context or {}).get(EXPECTED) or 0)

    def window_of(self, context: Context | None) -> Window:
        """The date window a request of this context reads: the whole history up to the
        sync's start when the context names none."""
        low, high = (context or {}).get(WINDOW) or (None, None)
        return (parse_iso(low) if low else None, parse_iso(high) if high else self.run.started_at)

    def checkpoint(self, context: Context | None, high: datetime.datetime, *, final: bool) -> None:
        """Everything up to ``high`` is emitted: say so in a STATE now, not at the end."""
        state = self.get_context_state(context)
        markers = state.setdefault(PROGRESS_MARKERS, {})
        if final:
            state.pop(CHECKPOINT, None)
        else:
            state[CHECKPOINT] = True
        if final and not self.bookmark_is_window_end:
            # The last window's bookmark is its newest record (as the SDK sets it), or a day
            # before the sync's start if that is later: an activity stored late with an
            # earlier time is read by the next run, and a quiet account's next run is still
            # one window.
            high -= LATE_ARRIVALS
        seen = (markers.get("replication_key_value"), state.get("replication_key_value"))
        value = max([high, *(parse_iso(str(v)) for v in seen if v)])
        markers.update(replication_key=self.replication_key, replication_key_value=iso_ms(value))
        if not final:
            state.update(replication_key=self.replication_key, replication_key_value=iso_ms(value))
        self.state_manager.is_flushed = False
        self._write_state_message()
