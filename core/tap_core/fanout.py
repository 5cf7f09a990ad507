"""Per-parent streams: an endpoint read once per parent record, rows keyed by the parent."""

from __future__ import annotations

import typing as t
from functools import cached_property
from http import HTTPStatus

from typing_extensions import override

from tap_core.errors import APIError
from tap_core.rest import EngagementStream

if t.TYPE_CHECKING:
    from collections.abc import Iterable

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

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        if self.already_synced(context):
            return
        self.parents_read += 1
        self.progress.reading = f"{self.parent_key} {(context or {}).get(self.parent_key)} ({self.parents_read} so far)"
        try:
            yield from super().get_records(context)
        except ParentGoneError as gone:
            self.logger.warning("Skipping %s for %s: it no longer exists (%s)", self.name, dict(context or {}), gone)
        self.parent_synced(context)

    # Resuming a full-table child: the parents whose rows are all emitted are listed in state
    # until the whole stream completes, so a re-run after a kill skips them.

    @property
    def resumable(self) -> bool:
        # Incremental children resume from their per-parent bookmarks instead; with
        # ACTIVATE_VERSION a target would retire the skipped parents' rows.
        return self.replication_key is None and not self.emit_activate_version_messages

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

    def already_synced(self, context: Context | None) -> bool:
        return (context or {}).get(self.parent_key) in self.synced_by_interrupted_run

    def parent_synced(self, context: Context | None) -> None:
        if self.resumable:
            self.stream_state.setdefault(SYNCED_PARENTS, []).append((context or {}).get(self.parent_key))
            self.state_manager.is_flushed = False

    @override
    def finalize_state_progress_markers(self, state: dict[str, t.Any] | None = None) -> None:
        if state is None and self.stream_state.pop(SYNCED_PARENTS, None) is not None:
            # Every parent is done: the next run reads them all again.
            self.state_manager.is_flushed = False
        super().finalize_state_progress_markers(state)

    @override
    def post_process(self, row: dict[str, t.Any], context: Context | None = None) -> dict[str, t.Any] | None:
        row[self.parent_key] = (context or {}).get(self.parent_key)
        return row
