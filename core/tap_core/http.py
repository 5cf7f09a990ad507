"""HTTP send and retry policy: one paced session per key, retries with the server's waits.

Errors are described without URLs (Smartlead's carry the key), a send takes a slot from the key's
budget first, and a failed attempt is retried with ``Retry-After`` when the server gives one,
exponential waits with jitter otherwise.
"""

from __future__ import annotations

import collections
import email.utils
import random
import threading
import time
import typing as t
from http import HTTPStatus
from urllib.parse import urlparse

import backoff
import requests
from singer_sdk import RESTStream
from singer_sdk.exceptions import RetriableAPIError
from typing_extensions import override

from tap_core.errors import APIError
from tap_core.timebox import TimeBox

if t.TYPE_CHECKING:
    from collections.abc import Generator

    from singer_sdk import Tap
    from singer_sdk.helpers.types import Context, RequestFunc

    from tap_core.budget import RateBudget
    from tap_core.run import SyncRun

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

# Where a request, and the future sending it, carry their rate-budget ticket.
TICKET_ATTR = "_tap_core_ticket"
# Where a request to a route the vendor limits on its own carries that route's budget.
ROUTE_BUDGET_ATTR = "_tap_core_route_budget"
# How much of an error body, or of an unexpected exception's text, a one-line error quotes.
EXCERPT_CHARS = 200


class InvalidBodyError(RetriableAPIError):
    """A 2xx whose body is not JSON: a proxy page, a truncated body, a vendor catch-all."""


class AbandonedError(Exception):
    """A page fetched ahead turned out to lie past the end: its send was skipped."""


class PacedSession(requests.Session):
    """A session that takes a slot from the key's budget before every send, retries included;
    past the run's time box it sends nothing (``TimeUpError``)."""

    def __init__(self, budget: RateBudget, timebox: TimeBox | None = None) -> None:
        super().__init__()
        self.budget = budget
        self.timebox = timebox or TimeBox(None)
        #: Told when a cap of a longer scale (an hourly quota) holds a send back for long.
        self.on_long_wait: t.Callable[[float, int, float], None] | None = None
        # Sends that reached the vendor (retries included): what the key's quota was charged.
        self.sent = 0
        self._sent_lock = threading.Lock()

    def send(self, request: requests.PreparedRequest, **kwargs: t.Any) -> requests.Response:
        self.timebox.check()
        # Pages fetched ahead mostly wait here for their slot; past the last page, neither the
        # server nor the budget need spend anything on them. A slot past the time box is not
        # waited for.
        ticket = getattr(request, TICKET_ATTR, None)
        route_budget: RateBudget | None = getattr(request, ROUTE_BUDGET_ATTR, None)
        if route_budget is not None:
            route_budget.acquire(deadline=self.timebox.deadline, on_long_wait=self.on_long_wait)
        if not self.budget.acquire(ticket, deadline=self.timebox.deadline, on_long_wait=self.on_long_wait):
            raise AbandonedError
        with self._sent_lock:
            self.sent += 1
        response = super().send(request, **kwargs)
        self.budget.timed(response.elapsed.total_seconds())
        return response


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
    return text[:EXCERPT_CHARS] + ("..." if len(text) > EXCERPT_CHARS else "")


class HttpStream(RESTStream[t.Any]):
    """A stream's requests: sent through the key's paced session, retried as the server asks."""

    def __init__(self, tap: Tap, run: SyncRun) -> None:
        #: What this stream shares with the run's other streams: its only way out to them.
        self.run = run
        super().__init__(tap=tap)

    # A redirect would carry the key to another host; it is reported instead of followed.
    allow_redirects = False

    # Statuses whose Retry-After is a wait instruction (on others it is informational).
    retry_after_statuses: t.ClassVar[frozenset[int]] = frozenset(
        {HTTPStatus.TOO_MANY_REQUESTS, HTTPStatus.SERVICE_UNAVAILABLE}
    )

    retry_max_tries = 8

    # The same body that is not JSON, again and again, will not heal: most often api_url points
    # at a web page. Different ones (a cut body, then a proxy's error page) are passing faults.
    invalid_body_max_tries = 3

    retry_first_wait = 0.5

    retry_longest_wait = 60.0

    @property
    @override
    def url_base(self) -> str:
        return str(self.config["api_url"]).rstrip("/")

    @property
    @override
    def timeout(self) -> int:
        return int(self.config.get("request_timeout", 60))

    @property
    def budget(self) -> RateBudget:
        return self.run.budget

    @property
    @override
    def requests_session(self) -> requests.Session:
        return self.run.session

    @property
    def route(self) -> str:
        """``GET /path`` of this stream's endpoint, as errors name it (path parameters unfilled)."""
        return f"{self.http_method} {urlparse(self.url_base).path}{self.path}"

    def endpoint_of(self, response: requests.Response) -> str:
        """``GET /path`` of a response: never its query string, which may hold a key."""
        return f"{response.request.method} {urlparse(response.url).path}"

    def server_wait(self, response: requests.Response) -> float | None:
        """Seconds the server asks us to wait; vendors differ in how they say it."""
        return retry_after_seconds(response)

    def pause_for_server(self, response: requests.Response) -> None:
        if response.status_code == HTTPStatus.TOO_MANY_REQUESTS:
            self.budget.throttle_seen()
        wait = self.server_wait(response)
        if wait and response.status_code in self.retry_after_statuses:
            self.budget.pause(min(wait, self.retry_longest_wait))

    def observe_rate_headers(self, response: requests.Response) -> None:
        """Hold back when the server's count says the key is spent but ours does not.

        That happens when other tools share the key. When our own sends fill the vendor's
        period around this request, the count is ours: pacing spaces the next send already,
        and the server's hint (whole seconds) would idle the key for up to a second.
        """
        remaining = response.headers.get("X-RateLimit-Remaining")
        if remaining is None or not remaining.strip().isdigit() or int(remaining) > 0:
            return
        wait = self.server_wait(response)
        sent_at = time.monotonic() - response.elapsed.total_seconds()
        if wait and not self.budget.fills_the_period_before(sent_at):
            self.budget.pause(min(wait, self.retry_longest_wait))

    @override
    def request_decorator(self, func: RequestFunc) -> RequestFunc:
        def send(prepared_request: requests.PreparedRequest, context: Context | None) -> requests.Response:
            attempts = 0
            invalid_bodies: collections.Counter[str] = collections.Counter()

            def give_up(exc: Exception) -> bool:
                if not isinstance(exc, InvalidBodyError):
                    return False
                invalid_bodies[str(exc)] += 1
                return invalid_bodies[str(exc)] >= self.invalid_body_max_tries

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
