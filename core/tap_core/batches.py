"""Per-parent streams whose vendor also answers for many parents in one request."""

from __future__ import annotations

import typing as t
from functools import cached_property

from singer_sdk.streams.rest import HTTPRequest, PageContext
from typing_extensions import override

from tap_core.errors import APIError, PlanGatedError
from tap_core.fanout import PerParentStream
from tap_core.paging import records_in

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    import requests
    from singer_sdk.helpers.types import Context

# Context key of one batch request: the parents it asks for, in order (a tuple, so hashable).
BATCH = "batch_of"
# Context key of the sync that reads the parents still gathered when the parent stream ends.
REST_OF_BATCH = "rest_of_batch"


class BatchedChildStream(PerParentStream):
    """A per-parent stream read ``batch_size`` parents per request (``batch_path``, a POST).

    The parents that need reading (see ``up_to_date``) are gathered as the parent stream lists
    them; each full batch is one request, and the parent stream's end reads the rest. A
    parent's signature is kept only once its batch's rows are out, as when read one by one.

    The per-parent route (``path``) stays the fallback: a parent the batch answer leaves out
    (or lists in its ``errors``) is read alone, and where the batch route is refused (not
    there, not on the plan, or it rejects the request) every parent is read alone.
    """

    #: The route that answers for many parents: a POST whose body ``batch_body`` makes.
    batch_path: t.ClassVar[str]
    batch_size: t.ClassVar[int] = 100
    #: Envelope key of the batch answer's rows.
    batch_records_key: t.ClassVar[str] = "results"

    #: Why the batch route was refused this run; None while it answers.
    batch_refused: str | None = None

    def batch_body(self, parents: list[Context]) -> dict[str, t.Any]:
        """The batch request's JSON body for these parents' contexts."""
        raise NotImplementedError

    @cached_property
    def gathered(self) -> dict[str, Context]:
        """Parents waiting for their batch, by parent key; also the contexts of the batch being read."""
        return {}

    def parent_context(self, row: dict[str, t.Any], context: Context | None) -> Context | None:
        """The context of the parent a row belongs to: in a batch, the SDK's ``context`` is
        only the parent whose listing filled it."""
        return self.gathered.get(str(row.get(self.parent_key))) or context

    @override
    def prefetch(self, context: Context) -> None:
        # Its requests wait for a full batch; nothing to send ahead.
        return

    @override
    def parents_done(self) -> None:
        if self.gathered and (self.selected or self.has_selected_descendents):
            self.sync(context={REST_OF_BATCH: True})

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        if self._gated:
            return
        if not (context or {}).get(REST_OF_BATCH):
            if self.up_to_date(context):
                return
            self.gathered[str(self.parent_of(context))] = dict(context or {})
            if len(self.gathered) < self.batch_size:
                return
        try:
            yield from self.read_batch(list(self.gathered.values()))
        finally:
            self.gathered.clear()

    def read_batch(self, parents: list[Context]) -> Iterator[dict[str, t.Any]]:
        """The rows of these parents: one request, then alone each parent it did not answer for."""
        answered: set[str] = set()
        if self.batch_refused is None:
            ids = tuple(str(self.parent_of(parent)) for parent in parents)
            self.progress.reading = f"{len(ids)} {self.parent_key} values from {ids[0]} ({self.parents_read} so far)"
            try:
                # Below the per-stream plan gate on purpose: a refused batch route is not a gated stream.
                for row in self.request_records({BATCH: ids}):
                    parent = row.get(self.parent_key, ids[0] if len(ids) == 1 else None)
                    if str(parent) not in self.gathered:
                        continue  # not a parent asked for: each asked one it leaves out is read alone
                    row[self.parent_key] = parent
                    answered.add(str(parent))
                    self.progress.record()
                    yield row
            except (PlanGatedError, APIError) as refusal:
                if answered:
                    raise
                self.batch_refused = str(refusal)
                self.logger.warning(
                    "'%s': the batch route refused (%s); each %s is read alone from now on",
                    self.name,
                    refusal,
                    self.parent_key,
                )
        for parent in parents:
            if str(self.parent_of(parent)) in answered:
                self.parents_read += 1
            else:
                yield from self.read_parent(parent)
            self.parent_synced(parent)

    @override
    def get_http_request(self, *, page: PageContext[t.Any]) -> HTTPRequest:
        ids = (page.stream_context or {}).get(BATCH)
        if ids is None:
            return super().get_http_request(page=page)
        return HTTPRequest(
            url=f"{self.url_base}{self.batch_path}",
            method="POST",
            headers=self.http_headers,
            data=self.batch_body([self.gathered[parent] for parent in ids]),
        )

    @override
    def records_of(self, response: requests.Response) -> list[dict[str, t.Any]]:
        if response.request.method != "POST":
            return super().records_of(response)
        payload = self.payload(response)
        rows = records_in(payload, self.endpoint_of(response), keys=(self.batch_records_key,))
        errors = payload.get("errors") if isinstance(payload, dict) else None
        for error in errors if isinstance(errors, list) else ():
            if isinstance(error, dict):
                # Each is read alone next; its line says why.
                self.logger.info(
                    "'%s': the batch had no answer for %s %s (%s); reading it alone",
                    self.name,
                    self.parent_key,
                    error.get(self.parent_key),
                    str(error.get("error", ""))[:200],
                )
        return rows

    @override
    def post_process(self, row: dict[str, t.Any], context: Context | None = None) -> dict[str, t.Any] | None:
        return super().post_process(row, self.parent_context(row, context))
