"""Per-parent streams: an endpoint read once per parent record, rows keyed by the parent."""

from __future__ import annotations

import datetime
import typing as t
from functools import cached_property
from http import HTTPStatus

from typing_extensions import override

from tap_core.changes import READ_PARENTS, RECONCILED_AT, ChangeFeed, state_map, time_of
from tap_core.dates import iso_ms
from tap_core.digests import PARENT_DIGEST
from tap_core.errors import APIError
from tap_core.rest import EngagementStream
from tap_core.settings import DEFAULT_RECONCILE_DAYS

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    import requests
    from singer_sdk.helpers.types import Context

# State key of a full-table child: parents whose rows were all emitted by an unfinished run.
SYNCED_PARENTS = "synced_parents"


class ParentGoneError(APIError):
    """A non-HTML 404 on a per-parent endpoint: the parent was deleted since it was listed."""


class PerParentStream(EngagementStream):
    """An endpoint per parent record (a campaign's leads, say); its rows get the parent's key.

    A parent deleted between listing and this request answers a 404 with a plain or JSON
    body: that parent is skipped with a warning. An HTML 404 is a wrong route and stays fatal.
    """

    #: The context key (from ``get_child_context``) copied into every row.
    parent_key: t.ClassVar[str]
    #: Parents whose share this run has read, for progress lines.
    parents_read = 0
    # Full-table children share one state entry instead of one per parent.
    state_partitioning_keys: t.ClassVar[list[str] | None] = []

    @override
    def validate_response(self, response: requests.Response) -> None:
        is_html = "html" in response.headers.get("Content-Type", "")
        if response.status_code == HTTPStatus.NOT_FOUND and not is_html:
            raise ParentGoneError(self.endpoint_of(response))
        super().validate_response(response)

    #: Read once the parent stream has listed every parent (its other children having read
    #: theirs), not parent by parent: detail that waits for what matters first when a cap binds.
    deferred: t.ClassVar[bool] = False
    #: Whether the parents a deferred stream held back are being read now.
    reading_held = False

    @cached_property
    def held(self) -> list[Context]:
        """Parents a deferred stream holds back until its parent stream's end, in listing order."""
        return []

    @override
    def prefetch(self, context: Context) -> None:
        if self.deferred and not self.reading_held:
            return  # its requests go out at the parent stream's end
        super().prefetch(context)

    @override
    def parents_done(self) -> None:
        if not (self.deferred and self.held and (self.selected or self.has_selected_descendents)):
            return
        held, ahead = list(self.held), self.run.parallel_requests
        self.held.clear()
        self.reading_held = True
        try:
            for parent in held[:ahead]:
                self.prefetch(parent)
            for index, parent in enumerate(held):
                if index + ahead < len(held):
                    self.prefetch(held[index + ahead])  # a window of early requests ahead of the one read
                self.sync(context=parent)
        finally:
            self.reading_held = False

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        if self.up_to_date(context):
            return
        if self.deferred and not self.reading_held:
            self.held.append(dict(context or {}))
            return
        yield from self.read_parent(context)
        self.parent_synced(context)

    def read_parent(self, context: Context | None) -> Iterator[dict[str, t.Any]]:
        """One parent's rows from the per-parent endpoint, each with the parent's key."""
        self.parents_read += 1
        self.progress.reading = f"{self.parent_key} {(context or {}).get(self.parent_key)} ({self.parents_read} so far)"
        try:
            for row in super().get_records(context):
                row[self.parent_key] = (context or {}).get(self.parent_key)
                yield row
        except ParentGoneError as gone:
            self.logger.warning("Skipping %s for %s: it no longer exists (%s)", self.name, dict(context or {}), gone)

    def parent_of(self, context: Context | None) -> t.Any:
        return (context or {}).get(self.parent_key)

    @override
    def up_to_date(self, context: Context | None) -> bool:
        """Whether the target holds this parent's rows as they are now: a change-driven child
        whose parent's signature has not moved, or a parent an interrupted run finished."""
        parent = self.parent_of(context)
        self.parents_listed.add(str(parent))
        if self.change_driven:
            skip = self.read_parents.get(str(parent)) == self.signature(context)
        else:
            skip = parent in self.synced_by_interrupted_run
        if skip:
            self.parents_skipped.add(str(parent))
        return skip

    def parent_synced(self, context: Context | None) -> None:
        if self.change_feed is not None:
            # Kept whether or not this run skipped anything: the next run's baseline.
            self.read_parents[str(self.parent_of(context))] = self.signature(context)
            self.state_manager.is_flushed = False
        if self.resumable and not self.change_driven:
            self.stream_state.setdefault(SYNCED_PARENTS, []).append(self.parent_of(context))
            self.state_manager.is_flushed = False

    @cached_property
    def parents_listed(self) -> set[str]:
        """Parents this run's listing named (read or skipped)."""
        return set()

    @cached_property
    def parents_skipped(self) -> set[str]:
        """Parents whose rows this run did not read again (unchanged, or read by a killed run)."""
        return set()

    @property
    @override
    def read_whole(self) -> bool:
        """Every parent was listed and none skipped: rows this run did not send are gone."""
        return self.all_parents_listed and not self.parents_skipped

    # Change-driven children: a parent is read again only when its signature moves (see
    # tap_core.changes), and every parent once per reconciliation period.

    #: The feed whose marks say which parents had new events; wired by the tap. None: every
    #: parent is read on every run.
    change_feed: ChangeFeed | None = None

    @cached_property
    def change_driven(self) -> bool:
        """Whether this run may skip unchanged parents: the feed ran whole before this stream,
        and no reconciliation is due. (A run that skips any sends no ACTIVATE_VERSION.)"""
        feed = self.change_feed
        return feed is not None and feed.signals_complete and not self.reconciling

    @cached_property
    def reconciling(self) -> bool:
        """Whether this run reads every parent: asked for (``reconcile``), or the last full read
        is older than ``reconcile_every_days``."""
        if self.config.get("reconcile"):
            return True
        every = float(self.config.get("reconcile_every_days", DEFAULT_RECONCILE_DAYS))
        last = time_of(self.stream_state.get(RECONCILED_AT))
        return every <= 0 or last is None or self.run.started_at - last >= datetime.timedelta(days=every)

    @property
    def read_parents(self) -> dict[str, str]:
        return state_map(self.stream_state, READ_PARENTS)

    def signature(self, context: Context | None) -> str:
        """What the parent looked like when read: its row's digest and the feed's mark of it."""
        feed = self.change_feed
        mark = feed.marks.get(str(self.parent_of(context)), "") if feed is not None else ""
        return f"{(context or {}).get(PARENT_DIGEST, '')}/{mark}"

    # Resuming a full-table child that no feed drives: the parents whose rows are all emitted
    # are listed in state until the whole stream completes, so a re-run after a kill skips them.

    @property
    def resumable(self) -> bool:
        # Incremental children resume from their per-parent bookmarks instead. A resumed run
        # skips parents, so it sends no ACTIVATE_VERSION: the next whole run does.
        return self.replication_key is None

    @cached_property
    def synced_by_interrupted_run(self) -> frozenset[t.Any]:
        done = self.stream_state.get(SYNCED_PARENTS) if self.resumable else None
        parents = frozenset(v for v in done or () if isinstance(v, (int, str)))
        if parents:
            self.logger.info(
                "Resuming '%s': %d %ss finished by the interrupted run are skipped",
                self.name,
                len(parents),
                self.parent_key,
            )
        return parents

    @override
    def finalize_state_progress_markers(self, state: dict[str, t.Any] | None = None) -> None:
        if state is None and not self.unfinished:
            if self.stream_state.pop(SYNCED_PARENTS, None) is not None:
                # Every parent is done: the next run reads them all again.
                self.state_manager.is_flushed = False
            if self.change_feed is not None and self.failure is None and self.all_parents_listed:
                self.conclude_run()
        super().finalize_state_progress_markers(state)

    def conclude_run(self) -> None:
        """The run listed every parent: forget the parents gone since, note a full read, and
        say what the run read."""
        read = self.read_parents
        for gone in set(read) - self.parents_listed:
            del read[gone]
        if self.reconciling:
            self.stream_state[RECONCILED_AT] = iso_ms(self.run.started_at)
        self.state_manager.is_flushed = False
        listed = len(self.parents_listed)
        if self.change_driven:
            self.logger.info(
                "'%s': read for %d of %d %s values (changed since the last run); %d unchanged, skipped",
                self.name,
                self.parents_read,
                listed,
                self.parent_key,
                listed - self.parents_read,
            )

    @override
    def post_process(self, row: dict[str, t.Any], context: Context | None = None) -> dict[str, t.Any] | None:
        row.setdefault(self.parent_key, (context or {}).get(self.parent_key))
        return row
