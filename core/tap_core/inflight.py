"""Requests in flight: pages fetched ahead of the one being emitted, and first pages of
partitions sent before their sync asks for them; records still come out in order."""

from __future__ import annotations

import threading
import typing as t
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, wait
from functools import cached_property

from singer_sdk.streams.rest import PageContext
from typing_extensions import override

from tap_core.budget import Ticket, budget_for_route
from tap_core.http import ROUTE_BUDGET_ATTR, TICKET_ATTR
from tap_core.paging import TapPaginator
from tap_core.records import RecordChecks

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    import requests
    from singer_sdk.helpers.types import Context
    from singer_sdk.pagination import BaseAPIPaginator

    from tap_core.budget import RateBudget


def _key(context: Context | None) -> tuple[tuple[str, t.Any], ...]:
    return tuple(sorted((context or {}).items()))


def abandon(future: Future[requests.Response]) -> None:
    """Withdraw a request: unsent (and its slot freed) if it still waits for a worker or a slot."""
    future.cancel()
    ticket = getattr(future, TICKET_ATTR, None)
    if ticket is not None:
        ticket.withdraw()


class PagesInFlight(RecordChecks):
    """Paging with requests sent ahead, under the key's one budget."""

    @cached_property
    def _early(self) -> dict[tuple[tuple[str, t.Any], ...], dict[t.Any, Future[requests.Response]]]:
        """Requests sent before this partition's sync asked for them, by context and token."""
        return {}

    @cached_property
    def _early_lock(self) -> threading.Lock:
        return threading.Lock()

    def prepare(self, context: Context | None, token: t.Any) -> requests.PreparedRequest:
        """The request for one page (built here, sent by a worker thread)."""
        http_request = self.get_http_request(page=PageContext(stream_context=context, next_page_token=token))
        body: dict[str, t.Any] = {}
        if http_request.data is not None:
            body = {"json": http_request.data} if self.payload_as_json else {"data": http_request.data}
        return self.build_prepared_request(
            method=http_request.method,
            url=http_request.url,
            params=http_request.encode_params(),
            headers=http_request.headers,
            **body,
        )

    def submit(self, context: Context | None, token: t.Any) -> Future[requests.Response]:
        prepared = self.prepare(context, token)
        ticket = Ticket()
        setattr(prepared, TICKET_ATTR, ticket)
        if self.route_budget is not None:
            setattr(prepared, ROUTE_BUDGET_ATTR, self.route_budget)
        future = self.run.pool.submit(self.request_decorator(self._request), prepared, context)
        setattr(future, TICKET_ATTR, ticket)
        return future

    def request(self, context: Context | None, token: t.Any) -> Future[requests.Response]:
        """The page's request: already in flight if it was sent early, else sent now."""
        with self._early_lock:
            pages = self._early.get(self.request_key(context))
            early = pages.pop(token, None) if pages else None
        return early if early is not None else self.submit(context, token)

    def send_early(self, context: Context, token: t.Any) -> Future[requests.Response]:
        future = self.submit(context, token)
        with self._early_lock:
            self._early.setdefault(self.request_key(context), {})[token] = future
        return future

    def request_key(self, context: Context | None) -> tuple[tuple[str, t.Any], ...]:
        """What makes two contexts ask for the same pages."""
        return _key(context)

    def send_ahead(self, context: Context) -> Future[requests.Response]:
        """Send a context's first page now; the sync of that context picks up the answer."""
        paginator = self.get_new_paginator()
        return self.send_early(context, paginator.current_value if paginator is not None else None)

    def withdraw_early(self, key: tuple[tuple[str, t.Any], ...]) -> None:
        """Give up the requests sent early for a context that will not be read after all."""
        with self._early_lock:
            pages = self._early.pop(key, {})
        for future in pages.values():
            abandon(future)

    def up_to_date(self, context: Context | None) -> bool:  # noqa: ARG002
        """Whether the target already holds this partition's rows as they are now (nothing to
        request): see the per-parent streams."""
        return False

    def prefetch(self, context: Context) -> None:
        """Send this partition's first request now; ``sync`` for it will pick up the answer."""
        if self.up_to_date(context):
            return
        if self.replication_key:
            # The SDK loads a partition's starting bookmark when its sync begins; an early
            # request needs it now (the SDK does the same again later, to the same value).
            self._write_starting_replication_value(context)
        first = self.send_ahead(context)
        paginator = self.get_new_paginator()
        if isinstance(paginator, TapPaginator) and paginator.fetch_ahead and self.total_key:
            first.add_done_callback(lambda done: self.prefetch_rest(context, paginator, done))

    def prefetch_rest(self, context: Context, paginator: TapPaginator[t.Any], first: Future[requests.Response]) -> None:
        """Once an early first page tells the total, its partition's next pages go out too,
        so partitions overlap instead of each waiting a round trip per page."""
        if first.cancelled() or first.exception() is not None:
            return
        total = self.total_of(first.result())
        if total is None:
            return
        for index in range(1, min(paginator.pages_within(total), self.run.parallel_requests + 1)):
            self.send_early(context, paginator.token(index))

    @override
    def request_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        with self.get_http_request_counter() as counter:
            counter.with_context(context)
            for _, records in self.pages(context, self.get_new_paginator()):
                counter.increment()
                yield from records

    def pages(
        self, context: Context | None, paginator: BaseAPIPaginator[t.Any] | None
    ) -> Iterator[tuple[requests.Response, list[dict[str, t.Any]]]]:
        """Each page's response and records, strictly in order; the one fetch path.

        A paginator that can say a page's token in advance (``fetch_ahead``) has its pages
        fetched ahead of the one being emitted; any other gets one page at a time, which is
        the same path with one request in flight. The first page goes alone, so a short list
        costs one request, unless the last date window's density says more pages exist
        (``records_expected``). After ``n`` full pages, up to ``n + 1`` more are in flight (at
        most ``parallel_requests``): pages already sent when a short page arrives are the only
        speculation. Where the API gives a total, every remaining page may go at once, and none
        is wasted. A list the last run read whole (``records_last_read``) sends its pages at once
        and none past the one that shows its end, until a full page there says it grew: a re-run
        spends no request on speculation. A route without a page size is read one page at a time.
        An empty page ends paging unless the paginator says to go on, as in the SDK.
        """
        if paginator is None:
            response = self.request(context, None).result()
            yield response, list(self.parse_response(response))
            return
        ahead = paginator if isinstance(paginator, TapPaginator) and paginator.fetch_ahead else None
        parallel = self.run.parallel_requests if ahead else 1
        pending: deque[Future[requests.Response]] = deque([self.request(context, paginator.current_value)])
        sent, done, last = 1, 0, None
        # Pages known to exist before any answer says so (a window as dense as the last one).
        likely = ahead.pages_within(self.records_expected(context)) // 2 if ahead else 0
        # A list read whole last run likely holds as many records now: its pages go out at once,
        # and none past the page that shows its end, until a full page there says it grew.
        known = self.records_last_read(context) if ahead else None
        horizon = None
        if ahead and known is not None:
            likely = max(likely, ahead.pages_within(known))
            horizon = ahead.pages_within(known + 1)  # the page that shows the end: short, or empty

        def top_up() -> None:
            # Unanswered requests fill the cap; answered pages waiting behind a slow one
            # may add as many again, so one slow response does not idle the others.
            nonlocal sent
            cap = parallel if last is not None else min(max(done + 1, likely), parallel)
            while (
                ahead
                and (last is None or sent < last)
                and (horizon is None or sent < max(horizon, done + 1))
                and len(pending) < 2 * cap
            ):
                if sum(1 for future in pending if not future.done()) >= cap:
                    return
                pending.append(self.request(context, ahead.token(sent)))
                sent += 1

        try:
            if likely > 1:
                top_up()
            while pending:
                head = pending[0]
                while done and not head.done():
                    wait([f for f in pending if not f.done()], return_when=FIRST_COMPLETED)
                    if parallel > 1:  # one at a time sends the next page only once this one is read
                        top_up()
                response = pending.popleft().result()
                records = list(self.parse_response(response))
                yield response, records
                self.page_emitted(context, response)
                done += 1
                if not records and not paginator.continue_if_empty(response):
                    return
                paginator.advance(response)
                if paginator.finished:
                    return
                if ahead is None:
                    pending.append(self.request(context, paginator.current_value))
                    continue
                if last is None and (total := self.total_of(response)) is not None:
                    last = ahead.pages_within(total)
                top_up()
        finally:
            # Newest first, so the budget can hand their slots, in turn, to what comes next.
            for future in reversed(pending):
                abandon(future)

    def records_expected(self, context: Context | None) -> int:  # noqa: ARG002
        """Records this partition likely holds, before its first page answers; 0 if unknown."""
        return 0

    def page_emitted(self, context: Context | None, response: requests.Response) -> None:
        """Every record of this page is emitted (a page past a short one included): a stream
        whose pages cover known ranges may checkpoint here, so that an empty range counts too."""

    @cached_property
    def route_budget(self) -> RateBudget | None:
        """This route's own budget, where the vendor limits it beside the key's limits
        (``route_limit``: the setting of its requests per ``route_limit_seconds``)."""
        if self.route_limit is None:
            return None
        setting, period = self.route_limit
        allowed = int(self.config.get(setting) or 0)
        return budget_for_route(str(self.config["api_key"]), self.path, allowed, period) if allowed else None

    #: Where the vendor limits this route on its own: the setting of its requests, and the
    #: period in seconds they are counted over. None: only the key's limits.
    route_limit: t.ClassVar[tuple[str, float] | None] = None

    def records_last_read(self, context: Context | None) -> int | None:  # noqa: ARG002
        """How many records this list held when the last run read it whole; None if unknown."""
        return None
