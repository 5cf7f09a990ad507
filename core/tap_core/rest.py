"""The base stream of both taps: paced, retried, checked and secret-free HTTP, one stream at
a time: a plan gate or a failure ends this stream alone.

The concerns are layered, one module each: ``http`` (send and retry), ``responses`` (status
and body checks), ``records`` (record checks), ``inflight`` (pages and partitions sent ahead),
this module (children sent early, gates and failures), ``fanout`` (per-parent streams) and
``batches`` (per-parent streams read many parents per request), ``deletions`` (ACTIVATE_VERSION
after a whole read).
"""

from __future__ import annotations

import typing as t
from collections import deque
from functools import cached_property

from typing_extensions import override

from tap_core.cli import STOPPED_STREAMS
from tap_core.dates import iso_ms
from tap_core.digests import PARENT_DIGEST, row_digest
from tap_core.errors import AuthError, ConfigError, PlanGatedError, TapError
from tap_core.http import EXCERPT_CHARS
from tap_core.inflight import PagesInFlight, abandon
from tap_core.progress import Progress
from tap_core.timebox import CUT_BY_TIME_BOX, DONE_THIS_ROUND, TimeUpError

if t.TYPE_CHECKING:
    from collections.abc import Generator, Iterable, Iterator

    import requests
    from singer_sdk.helpers.types import Context

# State entries of a partition that only a completed sync turns into a bookmark.
UNFINISHED_MARKERS = ("progress_markers", "replication_key_signpost", "starting_replication_value")
# State of a top-level full-table stream: how many records its list held when last read whole.
LISTED = "listed"


class EngagementStream(PagesInFlight):
    """Base stream: one paced session per tap, retries with ``Retry-After``, clear errors.

    Subclasses name their endpoint (``path``), where records sit in the payload
    (``records_keys``/``single_object``) and how pages advance (``get_new_paginator``).
    """

    #: Other streams this one reads from, by the attribute that holds each: the tap sets them
    #: when it makes its streams, so no stream looks another up by name.
    reads_from: t.ClassVar[dict[str, type[EngagementStream]]] = {}

    _gated = False
    #: Where this top-level stream comes in the run, after the event feeds: lower first, then by
    #: name. What a model needs first goes first, so that when an hourly cap binds it is in early.
    sync_order: t.ClassVar[int] = 50

    @cached_property
    def progress(self) -> Progress:
        """This stream's progress lines, one about every ten seconds while it syncs."""
        budget = self.run.budget
        return Progress(self.name, self.logger, rate=lambda: (budget.recent_rate(), budget.ceiling))

    @property
    def window_end(self) -> str:
        """The sync's start: the fixed upper bound of every date window of this run."""
        return iso_ms(self.run.started_at)

    def with_children_early(
        self, records: Iterable[dict[str, t.Any]], context: Context | None
    ) -> Iterator[dict[str, t.Any]]:
        """Records, read a few ahead so that their children's first requests start early."""
        children = [
            child
            for child in self.child_streams
            if isinstance(child, EngagementStream) and (child.selected or child.has_selected_descendents)
        ]
        ahead: deque[dict[str, t.Any]] = deque()
        for record in records:
            ahead.append(record)
            for child_context in self.generate_child_contexts(record=record, context=context):
                for child in children:
                    if child_context is not None and not child.stopped:
                        child.prefetch(dict(child_context))
            if len(ahead) > self.run.parallel_requests:
                yield ahead.popleft()
        yield from ahead

    @override
    @t.final
    def generate_child_contexts(self, record: dict[str, t.Any], context: Context | None) -> Iterator[Context]:
        """The one child context of a record (``get_child_context``), with the parent row's
        digest for children that skip unchanged parents (``tap_core.changes``).

        Built here alone, so no vendor class can drop the digest. A None from
        ``get_child_context`` means "no child request for this record" (the early requests skip
        it too); the SDK's own hook would pass it on and warn about a null context.
        """
        child_context = self.get_child_context(record=record, context=context)
        if child_context is None:
            return
        if any(getattr(child, "change_feed", None) is not None for child in self.child_streams):
            yield {**child_context, PARENT_DIGEST: row_digest(record)}
        else:
            yield dict(child_context)

    #: What a re-run of this stream reads, for the README, where its class does not say it.
    rerun_reads: t.ClassVar[str | None] = None

    #: Whether the parent listed all its records this run; set by the parent (see get_records).
    all_parents_listed = False

    @property
    def stopped(self) -> bool:
        """Whether this stream has ended for the run: its plan lacks it, it failed, or the run's
        time box ended it before its end."""
        return self._gated or self.failure is not None or self.unfinished or self.done_this_round

    #: Whether this run skips this stream: an earlier run of the round, cut by its time box,
    #: read it whole (``timebox.DONE_THIS_ROUND``).
    done_this_round = False

    #: Whether the run's time box (``max_run_minutes``) ended this stream before its end.
    unfinished = False
    #: Whether this stream read to its end in this run (a child: its parent listed every parent).
    finished = False

    @property
    def descendants(self) -> list[EngagementStream]:
        """This stream's children, theirs, and so on."""
        found = []
        for child in self.child_streams:
            if isinstance(child, EngagementStream):
                found += [child, *child.descendants]
        return found

    #: Records the API returned to this stream so far, read ahead of the ones emitted included.
    records_seen = 0

    @override
    def records_of(self, response: requests.Response) -> list[dict[str, t.Any]]:
        rows = super().records_of(response)
        self.records_seen += len(rows)
        return rows

    @override
    def records_last_read(self, context: Context | None) -> int | None:
        """A top-level full-table list's length when the last run read it whole: a re-run asks
        for its pages at once and none past its end."""
        if context is not None or self.replication_key is not None:
            return None
        listed = self.stream_state.get(LISTED)
        return listed if isinstance(listed, int) and not isinstance(listed, bool) and listed >= 0 else None

    def parents_done(self) -> None:
        """The parent stream has listed its last record: a child holding parents back for one
        request (``tap_core.batches``) reads them now."""

    #: Why this stream stopped before its end, for the run's last lines; None while it goes on.
    failure: str | None = None

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        if self._gated:
            return
        if context is None and self.parent_stream_type is None:
            if self.run.resuming_round and self.stream_state.get(DONE_THIS_ROUND):
                self.done_this_round = True
                self.logger.info("Skipping '%s': read whole by the runs before, which max_run_minutes cut", self.name)
                return
            self.stream_state.pop(DONE_THIS_ROUND, None)
        # Another partition's values say nothing of this one's bookmark.
        self._newest_checked = ""
        try:
            records = super().get_records(context)
            if self.child_streams and self.run.parallel_requests > 1:
                records = self.with_children_early(records, context)
            listed = 0
            for record in records:
                listed += 1
                self.progress.record()
                yield record
            if context is None and self.replication_key is None and not self.stopped:
                self.stream_state[LISTED] = listed
                self.state_manager.is_flushed = False
            children = [child for child in self.child_streams if isinstance(child, EngagementStream)]
            for child in children:
                if context is None:
                    # Every parent was listed and its children synced: they may forget the rest.
                    child.all_parents_listed = True
                    child.finished = not child.stopped
                child.parents_done()
                if context is None and not child.stopped and self.table_version is not None:
                    # Under a parent read whole: an incremental parent lists only what changed.
                    child.retire_unsent()
        except PlanGatedError as gate:
            self._gated = True
            self.logger.warning(
                "Skipping stream '%s': %s. The account's plan does not include this endpoint; the other streams go on.",
                self.name,
                gate,
            )
            self.run.on_gated(self, gate)

    @override
    def _sync_records(
        self, context: Context | None = None, *, write_messages: bool = True
    ) -> Generator[dict[str, t.Any], t.Any, t.Any]:
        """The SDK's sync of this stream (or of one parent's share of a child stream), which
        a failure ends for this stream alone: the other streams go on, and the run names it
        last. (``Stream.sync``, the public entry, is final in the SDK.)"""
        if self.failure is not None or self.unfinished:
            return
        try:
            for record in super()._sync_records(context, write_messages=write_messages):
                if not write_messages:
                    # BATCH mode: the record goes to a batch file, announced later (get_batches),
                    # and the SDK skips the per-record step where the record checks run.
                    self.checked(record)
                    self.run.unannounced[self.name] += 1
                yield record
        except (AuthError, ConfigError):
            raise  # the key or the settings: no stream can go on
        except TimeUpError:
            self.stop_at_time_box()
            return
        except Exception as exc:
            self.stop_after(exc)
            return
        if context is None and not self.stopped:
            # The whole stream (every partition) is done; a child's whole read ends with its parent's.
            self.finished = True
            self.retire_unsent()
            if self.parent_stream_type is None and not any(child.unfinished for child in self.descendants):
                self.stream_state[DONE_THIS_ROUND] = True
                self.state_manager.is_flushed = False

    @override
    def get_batches(
        self,
        batch_config: t.Any,  # the SDK's BatchConfig, which it exports only from a private module
        context: Context | None = None,
    ) -> Iterable[tuple[t.Any, list[str]]]:
        for encoding, manifest in super().get_batches(batch_config, context):
            # Every record counted so far is in these files, and the SDK writes their BATCH
            # message as soon as it has them, before any STATE.
            self.run.unannounced[self.name] = 0
            yield encoding, manifest

    def stop_at_time_box(self) -> None:
        """The run's time box ended this stream: what it emitted stays in its STATE, the rest is
        the next run's. Not a failure: the run exits 0."""
        self.unfinished = True
        self.run.unfinished.append(self.name)
        self.stream_state[CUT_BY_TIME_BOX] = True
        self.drop_unfinished()

    def stop_after(self, exc: Exception) -> None:
        """End this stream: keep what its STATE already holds, drop what it had not finished."""
        if isinstance(exc, TapError):
            self.failure = str(exc).rstrip(".")
        else:
            # Not a failure the tap knows: the traceback goes to the log, for a report.
            self.logger.error("Stream '%s' failed", self.name, exc_info=exc)
            detail = " ".join(str(exc).split())[:EXCERPT_CHARS]
            self.failure = (
                f"unexpected {type(exc).__name__} on {self.route} ({detail}); report it with the traceback above"
            )
        self.logger.warning("Stream '%s' stopped; the other streams go on: %s", self.name, self.failure)
        self.drop_unfinished()
        STOPPED_STREAMS.append(
            f"Stream '{self.name}' stopped: {self.failure}. The other streams went on. To sync without it "
            f"meanwhile: meltano select {self.run.command} --exclude {self.name} '*'."
        )

    def drop_unfinished(self) -> None:
        """Keep what this stream's STATE already holds; drop its requests sent early and the
        progress it had not finished, which would otherwise become the bookmark."""
        with self._early_lock:
            early = [future for pages in self._early.values() for future in pages.values()]
            self._early.clear()
        for future in early:
            abandon(future)
        for state in (self.stream_state, *self.stream_state.get("partitions", [])):
            # Unfinished progress would otherwise become the bookmark when the run ends.
            for marker in UNFINISHED_MARKERS:
                state.pop(marker, None)
        self.state_manager.is_flushed = False
        self._write_state_message()
