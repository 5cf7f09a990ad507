"""The HTTP policy of both taps, fast: retries, waits, response checks and pages fetched ahead,
against a scripted server in this process; backoff's sleeps are recorded, not slept."""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
import typing as t
import uuid
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import backoff._sync
import pytest
import requests

from tap_core.errors import APIError, AuthError
from tap_core.http import InvalidBodyError
from tap_lemlist.tap import TapLemlist

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from tap_core.rest import EngagementStream

Answer = tuple[int, dict[str, str], bytes] | str  # a response, or "reset" / "truncate"


class Script(ThreadingHTTPServer):
    """Answers per path: scripted answers first, in order, then the path's default."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.scripted: dict[str, deque[Answer]] = {}
        self.defaults: dict[str, Callable[[dict[str, str]], Answer]] = {}
        self.seen: list[tuple[str, dict[str, str]]] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/api"

    def answer(self, path: str, query: dict[str, str]) -> Answer:
        with self.lock:
            self.seen.append((path, query))
            queue = self.scripted.get(path)
            if queue:
                return queue.popleft()
        return self.defaults[path](query) if path in self.defaults else (404, {}, b"no such route")

    def requests_to(self, path: str) -> list[dict[str, str]]:
        with self.lock:
            return [query for seen, query in self.seen if seen == path]


class Handler(BaseHTTPRequestHandler):
    server: Script

    def log_message(self, format: str, *args: t.Any) -> None:
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        answer = self.server.answer(parts.path.removeprefix("/api"), query)
        if answer == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.connection.close()
            return
        if answer == "truncate":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b'[{"_id": "cut')
            self.close_connection = True
            return
        assert not isinstance(answer, str)
        status, headers, body = answer
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def ok(payload: object) -> Answer:
    return 200, {}, json.dumps(payload).encode()


def hooks(count: int) -> list[dict[str, str]]:
    return [{"_id": f"hoo_{n}", "targetUrl": f"https://h.example/{n}"} for n in range(count)]


@pytest.fixture
def server() -> Iterator[Script]:
    script = Script()
    thread = threading.Thread(target=script.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield script
    script.shutdown()
    script.server_close()


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Backoff's waits between attempts, recorded instead of slept."""
    slept: list[float] = []
    fake_time = type("FakeTime", (), {"sleep": staticmethod(slept.append)})
    monkeypatch.setattr(backoff._sync, "time", fake_time)
    return slept


def stream_of(server: Script, name: str, **settings: t.Any) -> EngagementStream:
    # A key of its own: the request budget is per key and per process.
    config = {"api_key": f"policy-{uuid.uuid4().hex}", "api_url": server.url, "request_timeout": 2, **settings}
    return TapLemlist(config=config, parse_env_config=False).streams[name]


def read(stream: EngagementStream) -> list[dict[str, t.Any]]:
    return list(stream.request_records(None))


def test_a_429_waits_its_retry_after_then_reads(server, waits):
    server.defaults["/hooks"] = lambda query: ok(hooks(3))
    server.scripted["/hooks"] = deque([(429, {"Retry-After": "1"}, b"Too many requests")])
    assert [row["_id"] for row in read(stream_of(server, "hooks"))] == ["hoo_0", "hoo_1", "hoo_2"]
    assert waits == [1.0]
    assert len(server.requests_to("/hooks")) == 2


def test_a_bare_429_and_server_errors_back_off_exponentially_with_jitter(server, waits):
    server.defaults["/hooks"] = lambda query: ok(hooks(1))
    server.scripted["/hooks"] = deque([(429, {}, b""), (500, {}, b""), (502, {}, b""), (503, {}, b"")])
    read(stream_of(server, "hooks"))
    first = 0.5  # EngagementStream.retry_first_wait
    assert len(waits) == 4
    for attempt, wait in enumerate(waits):
        assert first * 2**attempt / 2 <= wait <= first * 2**attempt


def test_an_overloaded_servers_retry_after_zero_is_no_reason_to_hammer_it(server, waits):
    server.defaults["/hooks"] = lambda query: ok(hooks(1))
    server.scripted["/hooks"] = deque([(503, {"Retry-After": "0"}, b"")])
    read(stream_of(server, "hooks"))
    assert waits[0] >= 0.25


def test_none_remaining_on_a_key_we_barely_used_holds_back_every_sender(server):
    # Another tool spends the key: the server's count says so, ours cannot.
    spent = {"X-RateLimit-Remaining": "0", "Retry-After": "1"}
    server.scripted["/hooks"] = deque([(200, spent, json.dumps(hooks(1)).encode())])
    server.defaults["/hooks"] = lambda query: ok(hooks(1))
    stream = stream_of(server, "hooks")
    read(stream)
    started = time.monotonic()
    read(stream)
    assert time.monotonic() - started >= 0.9


def test_resets_and_truncated_bodies_are_retried(server, waits):
    server.defaults["/hooks"] = lambda query: ok(hooks(2))
    server.scripted["/hooks"] = deque(["reset", "truncate"])
    assert len(read(stream_of(server, "hooks"))) == 2
    assert len(waits) == 2


def test_an_html_200_is_retried_three_times_then_named(server, waits):
    page = (200, {"Content-Type": "text/html"}, b"<!DOCTYPE html><html>app</html>")
    server.defaults["/hooks"] = lambda query: page
    with pytest.raises(APIError) as failure:
        read(stream_of(server, "hooks"))
    assert len(server.requests_to("/hooks")) == 3
    message = str(failure.value)
    assert message.startswith("GET /api/hooks kept failing after 3 attempts; last: GET /api/hooks answered 200")
    assert "not JSON (text/html" in message
    assert "\n" not in message


def test_a_persistent_fault_ends_after_eight_attempts_in_one_line(server, waits):
    server.defaults["/hooks"] = lambda query: (500, {}, b"boom")
    with pytest.raises(
        APIError, match=r"^GET /api/hooks kept failing after 8 attempts; last: GET /api/hooks answered 500"
    ):
        read(stream_of(server, "hooks"))
    assert len(waits) == 7


def test_a_rejected_key_is_not_retried(server, waits):
    server.defaults["/hooks"] = lambda query: (401, {"Content-Type": "text/plain"}, b"incorrect")
    stream = stream_of(server, "hooks")
    with pytest.raises(AuthError, match=r"rejected the API key \(401 on GET /api/hooks\)"):
        read(stream)
    assert waits == []
    assert stream.config["api_key"] not in str(server.seen)


def test_a_body_that_is_not_json_is_a_retriable_error(server):
    stream = stream_of(server, "hooks")
    response = requests.Response()
    response.status_code, response._content = 200, b"{truncated"
    response.url = f"{server.url}/hooks"
    response.request = requests.Request("GET", response.url).prepare()
    with pytest.raises(InvalidBodyError, match="not JSON"):
        stream.payload(response)


def unsubscribes(total: int) -> Callable[[dict[str, str]], Answer]:
    def page(query: dict[str, str]) -> Answer:
        offset, limit = int(query["offset"]), int(query["limit"])
        rows = [{"_id": f"uns_{n:05d}", "value": f"v{n}"} for n in range(offset, min(total, offset + limit))]
        return ok(rows)

    return page


@pytest.mark.parametrize(("total", "most"), [(0, 1), (99, 1), (100, 1 + 2), (250, 3 + 8)])
def test_pages_fetched_ahead_are_emitted_in_order_and_bounded(server, total, most):
    server.defaults["/v2/unsubscribes/variables"] = unsubscribes(total)
    rows = read(stream_of(server, "unsubscribes", parallel_requests=8))
    assert [row["_id"] for row in rows] == [f"uns_{n:05d}" for n in range(total)]
    sent = server.requests_to("/v2/unsubscribes/variables")
    # The first page goes alone: a short list costs one request. After n full pages up to n + 1
    # more may be in flight, and only pages already sent when the short page arrives are spent
    # (one full page: the empty next one and at most one past it, which may or may not have left).
    assert len(sent) <= most
    assert sorted(int(query["offset"]) for query in sent) == [100 * n for n in range(len(sent))]


def test_one_at_a_time_sends_exactly_the_pages_needed(server):
    server.defaults["/v2/unsubscribes/variables"] = unsubscribes(250)
    rows = read(stream_of(server, "unsubscribes", parallel_requests=1))
    assert len(rows) == 250
    assert [query["offset"] for query in server.requests_to("/v2/unsubscribes/variables")] == ["0", "100", "200"]


@pytest.mark.parametrize(("last_read", "now", "expected"), [(200, 200, 3), (250, 250, 3), (0, 0, 1), (200, 350, 4)])
def test_a_list_read_whole_last_run_asks_for_its_pages_at_once_and_none_past_its_end(server, last_read, now, expected):
    """A re-run knows how long the list was: its pages go out together, and the page that
    shows its end is the last asked for, however many requests may be in flight."""
    pages = unsubscribes(now)

    def slow(query: dict[str, str]) -> Answer:
        time.sleep(0.35)  # a round trip longer than the pacing between sends: requests overlap, as live
        return pages(query)

    server.defaults["/v2/unsubscribes/variables"] = slow
    stream = stream_of(server, "unsubscribes", parallel_requests=8)
    stream.stream_state["listed"] = last_read
    rows = list(stream.get_records(None))
    assert len(rows) == now
    assert len(server.requests_to("/v2/unsubscribes/variables")) == expected
    assert stream.stream_state["listed"] == now


def test_a_route_without_a_page_size_is_read_one_page_at_a_time(server):
    """/tasks takes no page size: a first page of 20 may be the whole list or a short page of
    the API's own size, so the page after it, and no other, is asked for."""

    def tasks(query: dict[str, str]) -> Answer:
        time.sleep(0.35)
        return ok({"results": [{"_id": f"opp_{n}"} for n in range(20)] if query["page"] == "0" else []})

    server.defaults["/tasks"] = tasks
    rows = read(stream_of(server, "tasks", parallel_requests=8))
    assert len(rows) == 20
    assert [query["page"] for query in server.requests_to("/tasks")] == ["0", "1"]


def test_a_route_the_vendor_limits_on_its_own_waits_for_its_own_budget_as_well_as_the_keys(server):
    """Smartlead counts all-leads-activities on its own (10 a minute): such a route's requests
    take a slot of its budget, then one of the key's, so the other routes keep the key's pace."""
    pages = unsubscribes(250)
    arrived: list[float] = []

    def timed(query: dict[str, str]) -> Answer:
        arrived.append(time.monotonic())
        return pages(query)

    server.defaults["/v2/unsubscribes/variables"] = timed
    # The route's own limit: as many requests as ``parallel_requests`` (1) per second.
    stream = stream_of(server, "unsubscribes", parallel_requests=1)
    stream.route_limit = ("parallel_requests", 1.0)
    assert len(read(stream)) == 250
    assert len(arrived) == 3
    # The key alone allows 10 a second; the route's budget spaces them a second apart.
    assert all(later - earlier >= 0.9 for earlier, later in itertools.pairwise(arrived)), arrived
    assert stream.route_budget is not None
    assert stream.route_budget is not stream.run.budget
