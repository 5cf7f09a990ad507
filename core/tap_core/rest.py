"""The base stream of both taps: paced, retried, checked and secret-free HTTP."""

from __future__ import annotations

import email.utils
import random
import threading
import time
import typing as t
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, wait
from functools import cached_property
from http import HTTPStatus
from urllib.parse import urlparse

import backoff
import msgspec
import requests
from singer_sdk import RESTStream
from singer_sdk import singerlib as singer
from singer_sdk.exceptions import RetriableAPIError
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.streams.rest import PageContext
from typing_extensions import override

from tap_core.cli import STOPPED_STREAMS
from tap_core.coercion import Plan, TypePlan, coerce, first_mismatch, json_kind, plan_for, type_plan
from tap_core.dates import iso_ms, parse_iso
from tap_core.errors import APIError, AuthError, ConfigError, PlanGatedError, TapError
from tap_core.pacing import Ticket
from tap_core.paging import OffsetPager, records_in
from tap_core.records import EXTRA_FIELDS, as_text, gather_extra_fields, settle_mismatch
from tap_core.redaction import drop_matching_keys, is_credential
from tap_core.sdk import pop_deselected_record_properties, utc_now

if t.TYPE_CHECKING:
    from collections.abc import Generator, Iterable, Iterator

    from singer_sdk.helpers.types import Context, RequestFunc
    from singer_sdk.pagination import BaseAPIPaginator

    from tap_core.pacing import RateBudget
    from tap_core.tap import EngagementTap

# requests' own messages for these errors embed the full URL, query string included; they are
# described by class name only.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (
    ConnectionResetError,
    RetriableAPIError,
    requests.exceptions.Timeout,
    requests.exceptions.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)

# State entries of a partition that only a completed sync turns into a bookmark.
UNFINISHED_MARKERS = ("progress_markers", "replication_key_signpost", "starting_replication_value")
_PAYLOAD_ATTR = "_tap_core_payload"
_TICKET_ATTR = "_tap_core_ticket"
# State key of a full-table child: parents whose rows were all emitted by an unfinished run.
SYNCED_PARENTS = "synced_parents"


def _key(context: Context | None) -> tuple[tuple[str, t.Any], ...]:
    return tuple(sorted((context or {}).items()))


_decode = msgspec.json.Decoder().decode
_BODY_EXCERPT = 200


class ParentGoneError(APIError):
    """A non-HTML 404 on a per-parent endpoint: the parent was deleted since it was listed."""


class InvalidBodyError(RetriableAPIError):
    """A 2xx whose body is not JSON: a proxy page, a truncated body, a vendor catch-all."""


class AbandonedError(Exception):
    """A page fetched ahead turned out to lie past the end: its send was skipped."""


def abandon(future: Future[requests.Response]) -> None:
    """Withdraw a request: unsent (and its slot freed) if it still waits for a worker or a slot."""
    future.cancel()
    ticket = getattr(future, _TICKET_ATTR, None)
    if ticket is not None:
        ticket.withdraw()


class PacedSession(requests.Session):
    """A session that takes a slot from the key's budget before every send, retries included."""

    def __init__(self, budget: RateBudget) -> None:
        super().__init__()
        self.budget = budget

    def send(self, request: requests.PreparedRequest, **kwargs: t.Any) -> requests.Response:
        # Pages fetched ahead mostly wait here for their slot; past the last page, neither the
        # server nor the budget need spend anything on them.
        if not self.budget.acquire(getattr(request, _TICKET_ATTR, None)):
            raise AbandonedError
        return super().send(request, **kwargs)


def retry_after_seconds(response: requests.Response | None) -> float | None:
    """``Retry-After`` as seconds, whether given as a number or an HTTP date."""
    if response is None:
        return None
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        when = email.utils.parsedate_to_datetime(value) if value.strip() else None
        return None if when is None else max(0.0, when.timestamp() - time.time())


def describe_failure(exc: BaseException) -> str:
    """A one-line, URL-free account of a failed attempt."""
    if isinstance(exc, RetriableAPIError):
        return str(exc)
    if isinstance(exc, requests.exceptions.Timeout):
        return "the request timed out"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "the response body was cut off"
    if isinstance(exc, (requests.exceptions.ConnectionError, ConnectionResetError)):
        return "the connection failed or was reset"
    return type(exc).__name__


def body_excerpt(response: requests.Response) -> str:
    """The start of a (usually text/plain) error body, on one line."""
    text = " ".join(response.text.split())
    return text[:_BODY_EXCERPT] + ("..." if len(text) > _BODY_EXCERPT else "")


class EngagementStream(RESTStream[t.Any]):
    """Base stream: one paced session per tap, retries with ``Retry-After``, clear errors.

    Subclasses name their endpoint (``path``), where records sit in the payload
    (``records_keys``/``single_object``) and how pages advance (``get_new_paginator``).
    """

    _tap: EngagementTap

    # A redirect would carry the key to another host; it is reported instead of followed.
    allow_redirects = False
    # Statuses that mean "this account's plan does not include the endpoint".
    gated_statuses: t.ClassVar[frozenset[int]] = frozenset()
    # Statuses that mean "the key is not accepted": fatal for the whole run.
    auth_statuses: t.ClassVar[frozenset[int]] = frozenset({HTTPStatus.UNAUTHORIZED})
    # Statuses whose Retry-After is a wait instruction (on others it is informational).
    retry_after_statuses: t.ClassVar[frozenset[int]] = frozenset(
        {HTTPStatus.TOO_MANY_REQUESTS, HTTPStatus.SERVICE_UNAVAILABLE}
    )
    records_keys: t.ClassVar[tuple[str, ...]] = ()
    single_object: t.ClassVar[bool] = False
    #: Other streams this one reads from, by the attribute that holds each: the tap sets them
    #: when it makes its streams, so no stream looks another up by name.
    reads_from: t.ClassVar[dict[str, type[EngagementStream]]] = {}
    #: Envelope key holding the total number of records, where the API gives one: pages are
    #: then fetched ahead exactly up to the last.
    total_key: t.ClassVar[str | None] = None

    # The SDK's type conformance inspects the schema for every field of every record (half
    # the tap's CPU). Records come from JSON, so its datetime normalization has nothing to do;
    # the rest is done once per stream: numbers and booleans by the coercion plan, fields the
    # schema lacks dropped (with a warning) in _generate_record_messages. Nested objects pass
    # whole, so custom variables survive.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    retry_max_tries = 8
    # A body that is not JSON rarely heals: most often api_url points at a web page.
    invalid_body_max_tries = 3
    retry_first_wait = 0.5
    retry_longest_wait = 60.0

    _gated = False
    # The greatest replication value of the current partition checked to be a date: only greater
    # ones may become its bookmark (get_records starts each partition afresh).
    _newest_checked = ""

    @property
    @override
    def url_base(self) -> str:
        return str(self.config["api_url"]).rstrip("/")

    @property
    @override
    def timeout(self) -> int:
        return int(self.config.get("request_timeout", 60))

    @property
    def window_end(self) -> str:
        """The sync's start: the fixed upper bound of every date window of this run."""
        return iso_ms(self._tap.sync_started_at)

    @property
    def budget(self) -> RateBudget:
        return self._tap.budget

    @property
    @override
    def requests_session(self) -> requests.Session:
        return self._tap.http_session

    # Errors

    @property
    def route(self) -> str:
        """``GET /path`` of this stream's endpoint, as errors name it (path parameters unfilled)."""
        return f"{self.http_method} {urlparse(self.url_base).path}{self.path}"

    def endpoint_of(self, response: requests.Response) -> str:
        """``GET /path`` of a response: never its query string, which may hold a key."""
        return f"{response.request.method} {urlparse(response.url).path}"

    def auth_failure_message(self, endpoint: str, status: int) -> str:
        return (
            f"{self._tap.vendor} rejected the API key ({status} on {endpoint}). "
            f"Check the api_key setting ({self._tap.env_var('api_key')})."
        )

    @override
    def validate_response(self, response: requests.Response) -> None:
        status = response.status_code
        endpoint = self.endpoint_of(response)
        if status == HTTPStatus.TOO_MANY_REQUESTS or status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            self.pause_for_server(response)
            raise RetriableAPIError(f"{endpoint} answered {status}", response)
        if status in self.auth_statuses:
            raise AuthError(self.auth_failure_message(endpoint, status))
        if status in self.gated_statuses:
            raise PlanGatedError(endpoint, status, body_excerpt(response))
        if HTTPStatus.MULTIPLE_CHOICES <= status < HTTPStatus.BAD_REQUEST:
            target = urlparse(response.headers.get("Location", "")).netloc or "elsewhere"
            msg = (
                f"{endpoint} redirected ({status}) to {target}; redirects are not followed "
                "so the key never travels. Set api_url to the address the API really serves."
            )
            raise APIError(msg)
        if status >= HTTPStatus.BAD_REQUEST:
            raise APIError(self.client_error_message(endpoint, response))
        self.observe_rate_headers(response)
        self.payload(response)

    def client_error_message(self, endpoint: str, response: requests.Response) -> str:
        """The line for a 4xx that is neither auth nor a plan gate."""
        return f"{endpoint} answered {response.status_code}: {body_excerpt(response)}"

    def server_wait(self, response: requests.Response) -> float | None:
        """Seconds the server asks us to wait; vendors differ in how they say it."""
        return retry_after_seconds(response)

    def pause_for_server(self, response: requests.Response) -> None:
        wait = self.server_wait(response)
        if wait and response.status_code in self.retry_after_statuses:
            self.budget.pause(min(wait, self.retry_longest_wait))

    def observe_rate_headers(self, response: requests.Response) -> None:
        """Hold back when the server's count says the key is spent but ours does not.

        That happens when other tools share the key; our own pacing keeps us under the
        limit otherwise, so the server's (coarse, whole-second) hint is not needed then.
        """
        remaining = response.headers.get("X-RateLimit-Remaining")
        if remaining is None or not remaining.strip().isdigit() or int(remaining) > 0:
            return
        wait = self.server_wait(response)
        if wait and self.budget.window_has_room():
            self.budget.pause(min(wait, self.retry_longest_wait))

    # Bodies

    def payload(self, response: requests.Response) -> t.Any:
        """The response's JSON, parsed once; a body that is not JSON is a retriable error."""
        if hasattr(response, _PAYLOAD_ATTR):
            return getattr(response, _PAYLOAD_ATTR)
        try:
            parsed = _decode(response.content)
        except (ValueError, msgspec.DecodeError):
            kind = response.headers.get("Content-Type", "no content type").split(";")[0]
            msg = (
                f"{self.endpoint_of(response)} answered {response.status_code} with a body "
                f"that is not JSON ({kind}, {len(response.content)} bytes)"
            )
            raise InvalidBodyError(msg, response) from None
        setattr(response, _PAYLOAD_ATTR, parsed)
        return parsed

    def records_of(self, response: requests.Response) -> list[dict[str, t.Any]]:
        return records_in(
            self.payload(response),
            self.endpoint_of(response),
            keys=self.records_keys,
            single_object=self.single_object,
        )

    @cached_property
    def number_plan(self) -> Plan:
        return plan_for(self.schema)

    @cached_property
    def top_level_properties(self) -> frozenset[str]:
        return frozenset(self.schema.get("properties", {}))

    @cached_property
    def everything_selected(self) -> bool:
        return all(self.mask.values())

    @override
    def _generate_record_messages(self, record: dict[str, t.Any]) -> Generator[singer.RecordMessage, None, None]:
        """The SDK's per-record step, without the walks that cannot change these records.

        Fields the schema lacks go to ``extra_fields`` (one warning per field), values of
        another type are settled (see ``tap_core.records``), deselected fields are still
        pruned by the SDK (when any are deselected), and stream maps run as in the SDK.
        """
        unknown = record.keys() - self.top_level_properties
        if unknown:
            for name in gather_extra_fields(record, sorted(unknown), is_credential):
                self.warn_once(name, f"is not in its schema: kept in {EXTRA_FIELDS}")
        else:
            # The column is in every row, so a target sees it from the first one on.
            record[EXTRA_FIELDS] = None
        self.check_keys(record)
        while (wrong := first_mismatch(record, self.type_rules)) is not None:
            admitted = self.type_rules[wrong][0]
            if wrong in self.key_fields and (str not in admitted or as_text(record[wrong]) is None):
                raise APIError(self.mismatch_message(wrong, record[wrong]))
            settled = settle_mismatch(record, wrong, admitted)
            self.warn_once(wrong, f"differs from its schema ({self.type_rules[wrong][1]}): kept {settled}")
        if not self.everything_selected:
            pop_deselected_record_properties(record, self.schema, self.mask)
        for stream_map in self.stream_maps:
            mapped = stream_map.transform(record)
            if mapped is not None:
                yield singer.RecordMessage(
                    stream=stream_map.stream_alias,
                    record=mapped,
                    version=self._stream_version,
                    time_extracted=utc_now(),
                )

    @cached_property
    def key_fields(self) -> frozenset[str]:
        """Fields a row cannot be loaded without, in the schema's type: its key and bookmark."""
        return frozenset([*(self.primary_keys or ()), *([self.replication_key] if self.replication_key else [])])

    @cached_property
    def type_rules(self) -> TypePlan:
        return type_plan(self.schema)

    def check_keys(self, record: dict[str, t.Any]) -> None:
        """A row without its key cannot be upserted, nor one without a usable bookmark value
        be bookmarked: both stop the sync with the field's name."""
        for field in self.primary_keys or ():
            if record.get(field) is None:
                msg = f"a record of {self.route} arrived without its key '{field}'; it cannot be upserted"
                raise APIError(msg)
        if self.replication_key is None:
            return
        value = record.get(self.replication_key)
        if value is None:
            # Not a bookmark candidate. Present as null, the SDK passes over it (logging "New
            # replication value is null" for each such row); absent, it would fail on a KeyError.
            record.setdefault(self.replication_key, None)
            return
        if isinstance(value, str):
            if value <= self._newest_checked:
                return  # it cannot become the bookmark: a newer, valid value is already in
            try:
                parse_iso(value)
            except ValueError:
                pass
            else:
                self._newest_checked = value
                return
        msg = (
            f"a record of {self.route} has a '{self.replication_key}' that is a JSON {json_kind(value)}, not an "
            "ISO 8601 date; the bookmark cannot move past it. Report it: the API changed this field"
        )
        raise APIError(msg)

    def mismatch_message(self, field: str, value: object) -> str:
        """A key or bookmark of another type: no target could upsert or bookmark the row."""
        return (
            f"{self.route} sent field '{field}', which rows are upserted or bookmarked by, as a JSON "
            f"{json_kind(value)} where its schema has {self.type_rules[field][1]}; the API changed its type. "
            "Report it"
        )

    def warn_once(self, field: str, what: str) -> None:
        """One warning per field and run: a changed API says so once, not once per record."""
        if (field, what) not in self._warned_fields:
            self._warned_fields.add((field, what))
            # repr: a field's name is the server's text, and may hold anything, line breaks included.
            self.logger.warning("Field %r of '%s' %s", field, self.name, what)

    @cached_property
    def _warned_fields(self) -> set[tuple[str, str]]:
        return set()

    #: Whether rows of this endpoint may hold credentials (API keys, mailbox passwords):
    #: they are removed, at any depth, before anything else sees the row.
    holds_credentials: t.ClassVar[bool] = False

    @override
    def parse_response(self, response: requests.Response) -> Iterable[dict[str, t.Any]]:
        # Counters sometimes arrive as strings ("42"); the schema says which are numbers.
        records = self.records_of(response)
        if self.holds_credentials:
            records = [drop_matching_keys(record, is_credential) for record in records]
        plan = self.number_plan
        return [coerce(record, plan) for record in records] if plan else records

    # Retries

    @override
    def request_decorator(self, func: RequestFunc) -> RequestFunc:
        def send(prepared_request: requests.PreparedRequest, context: Context | None) -> requests.Response:
            attempts = 0
            invalid_bodies = 0

            def give_up(exc: Exception) -> bool:
                nonlocal invalid_bodies
                invalid_bodies += isinstance(exc, InvalidBodyError)
                return invalid_bodies >= self.invalid_body_max_tries

            def count(details: t.Mapping[str, t.Any]) -> None:
                nonlocal attempts
                attempts = int(details["tries"])

            retrying = backoff.on_exception(
                self.retry_waits,
                TRANSIENT_ERRORS,
                max_tries=self.retry_max_tries,
                giveup=give_up,
                on_backoff=self.log_retry,
                on_giveup=count,
                jitter=None,
                logger=None,
            )(func)
            try:
                return retrying(prepared_request, context)
            except TRANSIENT_ERRORS as exc:
                endpoint = f"{prepared_request.method!s} {urlparse(str(prepared_request.url)).path}"
                msg = (
                    f"{endpoint} kept failing after {attempts} attempts; "
                    f"last: {describe_failure(exc)}. Re-run later: the saved state is kept."
                )
                raise APIError(msg) from None

        return send

    def retry_waits(self) -> Generator[float, BaseException | None, None]:
        """Backoff's wait generator: ``Retry-After`` when the server gives one, else
        exponential waits with jitter."""
        failure = yield 0.0
        attempt = 0
        while True:
            response = getattr(failure, "response", None)
            hinted = None
            if response is not None and response.status_code in self.retry_after_statuses:
                hinted = self.server_wait(response)
            ceiling = min(self.retry_first_wait * 2**attempt, self.retry_longest_wait)
            backoff_wait = random.uniform(ceiling / 2, ceiling)  # noqa: S311
            if hinted is None:
                wait = backoff_wait
            elif response is not None and response.status_code == HTTPStatus.TOO_MANY_REQUESTS:
                wait = min(hinted, self.retry_longest_wait)  # the limiter says exactly when
            else:
                # An overloaded server's "retry after 0" is no reason to hammer it.
                wait = min(max(hinted, backoff_wait), self.retry_longest_wait)
            attempt += 1
            failure = yield wait

    def log_retry(self, details: t.Mapping[str, t.Any]) -> None:
        exc = details.get("exception")
        self.logger.warning(
            "Retrying %s in %.1f s (attempt %d of %d failed: %s)",
            self.path,
            details.get("wait", 0.0),
            details.get("tries", 0),
            self.retry_max_tries,
            describe_failure(exc) if exc else "no response",
        )

    # Requests in flight: pages ahead, and children of the next parents

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
        return self.build_prepared_request(
            method=http_request.method,
            url=http_request.url,
            params=http_request.encode_params(),
            headers=http_request.headers,
        )

    def submit(self, context: Context | None, token: t.Any) -> Future[requests.Response]:
        prepared = self.prepare(context, token)
        ticket = Ticket()
        setattr(prepared, _TICKET_ATTR, ticket)
        future = self._tap.pool.submit(self.request_decorator(self._request), prepared, context)
        setattr(future, _TICKET_ATTR, ticket)
        return future

    def request(self, context: Context | None, token: t.Any) -> Future[requests.Response]:
        """The page's request: already in flight if it was sent early, else sent now."""
        with self._early_lock:
            pages = self._early.get(_key(context))
            early = pages.pop(token, None) if pages else None
        return early if early is not None else self.submit(context, token)

    def send_early(self, context: Context, token: t.Any) -> Future[requests.Response]:
        future = self.submit(context, token)
        with self._early_lock:
            self._early.setdefault(_key(context), {})[token] = future
        return future

    def already_synced(self, context: Context | None) -> bool:  # noqa: ARG002
        """Whether an interrupted earlier run finished this partition (nothing to request)."""
        return False

    def prefetch(self, context: Context) -> None:
        """Send this partition's first request now; ``sync`` for it will pick up the answer."""
        if self.already_synced(context):
            return
        if self.replication_key:
            # The SDK loads a partition's starting bookmark when its sync begins; an early
            # request needs it now (the SDK does the same again later, to the same value).
            self._write_starting_replication_value(context)
        paginator = self.get_new_paginator()
        token = paginator.current_value if paginator is not None else None
        first = self.send_early(context, token)
        if isinstance(paginator, OffsetPager) and self.total_key:
            first.add_done_callback(lambda done: self.prefetch_rest(context, paginator, done))

    def prefetch_rest(self, context: Context, paginator: OffsetPager, first: Future[requests.Response]) -> None:
        """Once an early first page tells the total, its partition's next pages go out too,
        so partitions overlap instead of each waiting a round trip per page."""
        if first.cancelled() or first.exception() is not None:
            return
        total = self.total_of(first.result())
        if total is None:
            return
        for index in range(1, min(paginator.pages_within(total), self._tap.parallel_requests + 1)):
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
        """Each page's response and records, in order. An empty page ends paging, as in the SDK."""
        if paginator is None:
            response = self.request(context, None).result()
            yield response, list(self.parse_response(response))
            return
        if isinstance(paginator, OffsetPager) and self._tap.parallel_requests > 1:
            yield from self.pages_ahead(context, paginator)
            return
        future = self.request(context, paginator.current_value)
        while True:
            response = future.result()
            records = list(self.parse_response(response))
            yield response, records
            if not records and not paginator.continue_if_empty(response):
                return
            paginator.advance(response)
            if paginator.finished:
                return
            future = self.request(context, paginator.current_value)

    def pages_ahead(
        self, context: Context | None, paginator: OffsetPager
    ) -> Iterator[tuple[requests.Response, list[dict[str, t.Any]]]]:
        """Offset pages fetched ahead of the one being emitted, emitted strictly in order.

        The first page goes alone, so a short list costs one request, unless the last date
        window's density says more pages exist (``records_expected``). After ``n`` full pages,
        up to ``n + 1`` more are in flight (at most ``parallel_requests``): pages already sent
        when a short page arrives are the only speculation. Where the API gives a total, every
        remaining page may go at once, and none is wasted.
        """
        parallel = self._tap.parallel_requests
        pending: deque[Future[requests.Response]] = deque([self.request(context, paginator.token(0))])
        sent, done, last = 1, 0, None
        # Pages known to exist before any answer says so (a window as dense as the last one).
        likely = paginator.pages_within(self.records_expected(context)) // 2

        def top_up() -> None:
            # Unanswered requests fill the window; answered pages waiting behind a slow one
            # may add as many again, so one slow response does not idle the others.
            nonlocal sent
            window = parallel if last is not None else min(max(done + 1, likely), parallel)
            while (last is None or sent < last) and len(pending) < 2 * window:
                if sum(1 for future in pending if not future.done()) >= window:
                    return
                pending.append(self.request(context, paginator.token(sent)))
                sent += 1

        try:
            if likely > 1:
                top_up()
            while pending:
                head = pending[0]
                while done and not head.done():
                    wait([f for f in pending if not f.done()], return_when=FIRST_COMPLETED)
                    top_up()
                response = pending.popleft().result()
                records = list(self.parse_response(response))
                yield response, records
                done += 1
                if not records:
                    return
                paginator.advance(response)
                if paginator.finished:
                    return
                if last is None and (total := self.total_of(response)) is not None:
                    last = paginator.pages_within(total)
                top_up()
        finally:
            # Newest first, so the budget can hand their slots, in turn, to what comes next.
            for future in reversed(pending):
                abandon(future)

    def records_expected(self, context: Context | None) -> int:  # noqa: ARG002
        """Records this partition likely holds, before its first page answers; 0 if unknown."""
        return 0

    def total_of(self, response: requests.Response) -> int | None:
        payload = self.payload(response)
        value = payload.get(self.total_key) if self.total_key and isinstance(payload, dict) else None
        return int(value) if isinstance(value, (int, str)) and str(value).strip().isdigit() else None

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
            child_context = self.get_child_context(record=record, context=context)
            for child in children:
                if child_context is not None and not child.stopped:
                    child.prefetch(dict(child_context))
            if len(ahead) > self._tap.parallel_requests:
                yield ahead.popleft()
        yield from ahead

    # Plan gates and failures: either ends this stream alone

    @property
    def stopped(self) -> bool:
        """Whether this stream has ended for the run: its plan lacks it, or it failed."""
        return self._gated or self.failure is not None

    #: Why this stream stopped before its end, for the run's last lines; None while it goes on.
    failure: str | None = None

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        if self._gated:
            return
        # Another partition's values say nothing of this one's bookmark.
        self._newest_checked = ""
        try:
            records = super().get_records(context)
            if self.child_streams and self._tap.parallel_requests > 1:
                records = self.with_children_early(records, context)
            yield from records
        except PlanGatedError as gate:
            self._gated = True
            self.logger.warning(
                "Skipping stream '%s': %s. The account's plan does not include this endpoint; the other streams go on.",
                self.name,
                gate,
            )
            self._tap.note_gated(self, gate)

    @override
    def _sync_records(
        self, context: Context | None = None, *, write_messages: bool = True
    ) -> Generator[dict[str, t.Any], t.Any, t.Any]:
        """The SDK's sync of this stream (or of one parent's share of a child stream), which
        a failure ends for this stream alone: the other streams go on, and the run names it
        last. (``Stream.sync``, the public entry, is final in the SDK.)"""
        if self.failure is not None:
            return
        try:
            yield from super()._sync_records(context, write_messages=write_messages)
        except (AuthError, ConfigError):
            raise  # the key or the settings: no stream can go on
        except Exception as exc:
            self.stop_after(exc)

    def stop_after(self, exc: Exception) -> None:
        """End this stream: keep what its STATE already holds, drop what it had not finished."""
        if isinstance(exc, TapError):
            self.failure = str(exc).rstrip(".")
        else:
            # Not a failure the tap knows: the traceback goes to the log, for a report.
            self.logger.error("Stream '%s' failed", self.name, exc_info=exc)
            detail = " ".join(str(exc).split())[:_BODY_EXCERPT]
            self.failure = (
                f"unexpected {type(exc).__name__} on {self.route} ({detail}); report it with the traceback above"
            )
        self.logger.warning("Stream '%s' stopped; the other streams go on: %s", self.name, self.failure)
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
        STOPPED_STREAMS.append(
            f"Stream '{self.name}' stopped: {self.failure}. The other streams went on. To sync without it "
            f"meanwhile: meltano select {self._tap.name} --exclude {self.name} '*'."
        )


class PerParentStream(EngagementStream):
    """An endpoint per parent record (a campaign's leads, say); its rows get the parent's key.

    A parent deleted between listing and this request answers a 404 with a plain or JSON
    body: that parent is skipped with a warning. An HTML 404 is a wrong route and stays fatal.
    """

    #: The context key (from ``get_child_context``) copied into every row.
    parent_key: t.ClassVar[str]
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
