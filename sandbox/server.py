"""HTTP plumbing shared by the vendor sandboxes.

A sandbox serves several accounts, each found by its API key, each with its own data, rate
limit, request log, latency and faults to inject. Tests and the benchmark drive it over HTTP through
``/_sandbox/...`` (loopback only, no auth), so the tap under test talks to a real socket.
"""

from __future__ import annotations

import json
import random
import socket
import struct
import threading
import time
import typing as t
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

FAULT_KINDS = (
    "429",
    "429-bare",  # a 429 without Retry-After
    "500",
    "502",
    "503",
    "reset",
    "timeout",
    "truncate",
    "html",
    "garbage",
)


@dataclass
class Reply:
    """What a route answers."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, payload: object, status: int = 200) -> Reply:
        return cls(status, json.dumps(payload, separators=(",", ":")).encode())

    @classmethod
    def text(cls, text: str, status: int) -> Reply:
        return cls(status, text.encode(), "text/plain; charset=utf-8")

    @classmethod
    def html(cls, text: str, status: int = 200) -> Reply:
        return cls(status, text.encode(), "text/html; charset=utf-8")


@dataclass
class Request:
    """A request as a route sees it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> t.Any:
        return json.loads(self.body or b"{}")


class SlidingLimit:
    """The vendor's limit: ``max_requests`` per ``period`` seconds, counted on arrival."""

    def __init__(self, max_requests: int, period: float) -> None:
        self.max_requests = max_requests
        self.period = period
        self.arrivals: deque[float] = deque()

    def admit(self, now: float) -> tuple[bool, int, float]:
        """Count one arrival; return (admitted, remaining, seconds until a slot frees)."""
        while self.arrivals and self.arrivals[0] <= now - self.period:
            self.arrivals.popleft()
        admitted = len(self.arrivals) < self.max_requests
        # Rejected requests count too, as at the vendors: hammering does not pay.
        self.arrivals.append(now)
        remaining = max(0, self.max_requests - len(self.arrivals))
        frees_in = max(0.0, self.arrivals[0] + self.period - now) if remaining == 0 else 0.0
        return admitted, remaining, frees_in


class Faults:
    """Faults for an account: a script consumed in order, then a seeded random rate."""

    def __init__(self, spec: dict[str, t.Any] | None = None) -> None:
        spec = spec or {}
        self.script: deque[str] = deque(str(kind) for kind in spec.get("script", []))
        self.rate = float(spec.get("rate", 0.0))
        self.kinds = tuple(spec.get("kinds", FAULT_KINDS))
        self.retry_after = float(spec.get("retry_after", 1))
        self.timeout_seconds = float(spec.get("timeout_seconds", 3))
        self.paths = tuple(spec.get("paths", ()))
        self.rng = random.Random(spec.get("seed", 0))  # noqa: S311
        unknown = {*self.script, *self.kinds} - {*FAULT_KINDS, "ok"}
        if unknown:
            msg = f"unknown fault kinds {sorted(unknown)}; known: {FAULT_KINDS}"
            raise ValueError(msg)

    def next_fault(self, path: str) -> str | None:
        if self.paths and not any(path.startswith(p) for p in self.paths):
            return None
        if self.script:
            fault = self.script.popleft()
            return None if fault == "ok" else fault
        if self.rate and self.rng.random() < self.rate:
            return str(self.rng.choice(self.kinds))
        return None


class Account:
    """One API key's world: data built by the vendor app, plus limits, faults and a log."""

    def __init__(self, name: str, key: str, spec: dict[str, t.Any], data: t.Any, rate: SlidingLimit) -> None:
        self.name = name
        self.key = key
        self.spec = spec
        self.data = data
        self.rate = rate
        self.faults = Faults(spec.get("faults"))
        self.latency_ms = float(spec.get("latency_ms", 0))
        self.latency_jitter = float(spec.get("latency_jitter", 0.3))
        # The share of the latency before the request reaches the server, which counts it then:
        # on a real network arrivals bunch and spread as sends do not.
        self.inbound_share = float(spec.get("inbound_share", 0.5))
        self.log: list[dict[str, t.Any]] = []
        self.lock = threading.Lock()
        self.rng = random.Random(spec.get("seed", 0))  # noqa: S311
        # Limits beside the key's: an hourly cap (``hourly_limit``), and routes the vendor counts on
        # their own (``route_limits``: path -> [requests, seconds]), e.g. Smartlead's 10 a minute
        # on all-leads-activities. Off unless the spec sets them.
        self.hourly = SlidingLimit(int(spec["hourly_limit"]), 3600.0) if spec.get("hourly_limit") else None
        self.route_limits = {
            str(path): SlidingLimit(int(limit[0]), float(limit[1]))
            for path, limit in (spec.get("route_limits") or {}).items()
        }

    def admit(self, path: str, arrived: float) -> tuple[bool, int, float]:
        """Count one arrival against every limit that applies; refused if any is spent (a route's
        own refusal says nothing of the key's remaining count, as live, and gives no wait)."""
        admitted, remaining, frees_in = self.rate.admit(arrived)
        if self.hourly is not None:
            hourly, _, hourly_frees = self.hourly.admit(arrived)
            if not hourly:
                admitted, frees_in = False, max(frees_in, hourly_frees)
        route = self.route_limits.get(path)
        if route is not None and not route.admit(arrived)[0]:
            admitted = False
        return admitted, remaining, frees_in

    def latencies(self) -> tuple[float, float]:
        """Seconds on the way in and on the way out, each with its own jitter."""
        if not self.latency_ms:
            return 0.0, 0.0
        with self.lock:
            spreads = [self.rng.uniform(-self.latency_jitter, self.latency_jitter) for _ in range(2)]
        inbound = max(0.0, self.latency_ms * self.inbound_share * (1 + spreads[0]) / 1000)
        outbound = max(0.0, self.latency_ms * (1 - self.inbound_share) * (1 + spreads[1]) / 1000)
        return inbound, outbound


class VendorApp(t.Protocol):
    """What a vendor sandbox provides to the shared server."""

    name: str
    rate_limit: int
    rate_period: float

    def build_data(self, spec: dict[str, t.Any]) -> t.Any: ...
    def key_of(self, request: Request) -> str | None: ...
    def unauthorized(self) -> Reply: ...
    def rate_headers(self, remaining: int, frees_in: float, now: float) -> dict[str, str]: ...
    def too_many_requests(self, frees_in: float) -> Reply: ...
    def route(self, account: Account, request: Request) -> Reply: ...
    def control(self, account: Account, action: str, request: Request) -> Reply | None: ...
    def not_found(self, request: Request) -> Reply: ...


class Sandbox(ThreadingHTTPServer):
    """The server: accounts by key, the vendor's routes, and the control API."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, app: VendorApp, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__((host, port), Handler)
        self.app = app
        self.accounts: dict[str, Account] = {}
        self.by_key: dict[str, Account] = {}
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def put_account(self, name: str, spec: dict[str, t.Any]) -> Account:
        key = str(spec["key"])
        account = Account(
            name,
            key,
            spec,
            self.app.build_data(spec),
            SlidingLimit(int(spec.get("rate_limit", self.app.rate_limit)), self.app.rate_period),
        )
        with self.lock:
            old = self.accounts.pop(name, None)
            if old is not None:
                self.by_key.pop(old.key, None)
            self.accounts[name] = account
            self.by_key[key] = account
        return account

    def serve_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name=f"{self.app.name}-sandbox", daemon=True)
        thread.start()
        return thread


class Handler(BaseHTTPRequestHandler):
    """Turns sockets into Requests and Replies into bytes; applies limits and faults."""

    protocol_version = "HTTP/1.1"
    server: Sandbox

    def log_message(self, format: str, *args: t.Any) -> None:
        """Quiet: the account's request log is the record."""

    def do_GET(self) -> None:
        self.handle_any("GET")

    def do_POST(self) -> None:
        self.handle_any("POST")

    def do_PUT(self) -> None:
        self.handle_any("PUT")

    def do_DELETE(self) -> None:
        self.handle_any("DELETE")

    def read_request(self, method: str) -> Request:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        headers = {k.lower(): v for k, v in self.headers.items()}
        return Request(method, parts.path, query, headers, body)

    def handle_any(self, method: str) -> None:
        request = self.read_request(method)
        try:
            if request.path.startswith("/_sandbox/"):
                self.send(self.handle_control(request))
            else:
                self.handle_api(request)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    # The control API

    def handle_control(self, request: Request) -> Reply:
        parts = request.path.strip("/").split("/")[1:]
        if parts == ["health"]:
            return Reply.json({"app": self.server.app.name, "accounts": sorted(self.server.accounts)})
        if len(parts) < 2 or parts[0] != "accounts":
            return Reply.json({"error": "unknown control path"}, 404)
        name, action = parts[1], "/".join(parts[2:])
        if request.method == "PUT" and not action:
            created = self.server.put_account(name, request.json())
            return Reply.json({"name": name, "counts": created.data.counts()})
        account = self.server.accounts.get(name)
        if account is None:
            return Reply.json({"error": f"no account {name}"}, 404)
        return self.account_control(account, action, request)

    def account_control(self, account: Account, action: str, request: Request) -> Reply:
        if action == "requests" and request.method == "GET":
            with account.lock:
                return Reply.json(list(account.log))
        if action == "requests" and request.method == "DELETE":
            with account.lock:
                account.log.clear()
            return Reply.json({"cleared": True})
        if action == "faults" and request.method == "PUT":
            try:
                account.faults = Faults(request.json())
            except ValueError as exc:
                return Reply.json({"error": str(exc)}, 400)
            return Reply.json({"faults": True})
        if action == "latency" and request.method == "PUT":
            spec = request.json()
            account.latency_ms = float(spec.get("latency_ms", 0))
            account.latency_jitter = float(spec.get("latency_jitter", account.latency_jitter))
            account.inbound_share = float(spec.get("inbound_share", account.inbound_share))
            return Reply.json({"latency_ms": account.latency_ms})
        if action == "counts" and request.method == "GET":
            return Reply.json(account.data.counts())
        reply = self.server.app.control(account, action, request)
        return reply if reply is not None else Reply.json({"error": "unknown action"}, 404)

    # The vendor API

    def handle_api(self, request: Request) -> None:
        app = self.server.app
        key = app.key_of(request)
        account = self.server.by_key.get(key) if key else None
        if account is None:
            self.send(app.unauthorized())
            return
        inbound, outbound = account.latencies()
        if inbound:
            time.sleep(inbound)
        # Counted when it arrives, as the vendors do: after the way in, not when it was sent.
        arrived = time.monotonic()
        entry: dict[str, t.Any] = {
            "t": arrived,
            "wall": time.time(),
            "method": request.method,
            "path": request.path,
            "target": self.path,
            "query": request.query,
        }
        if request.body:
            # What a POST asks for travels in its body (ids, dates): tests read it here.
            try:
                entry["body"] = request.json()
            except ValueError:
                entry["body"] = None
        with account.lock:
            admitted, remaining, frees_in = account.admit(request.path, arrived)
            account.log.append(entry)
        rate_headers = app.rate_headers(remaining, frees_in, time.time())
        if outbound:
            time.sleep(outbound)
        if not admitted:
            entry["status"] = 429
            self.send(app.too_many_requests(frees_in), rate_headers)
            return
        fault = account.faults.next_fault(request.path)
        if fault:
            entry["status"] = f"fault:{fault}"
            self.inject(fault, account, rate_headers)
            return
        reply = app.route(account, request)
        entry["status"] = reply.status
        self.send(reply, rate_headers)

    def inject(self, fault: str, account: Account, rate_headers: dict[str, str]) -> None:
        faults = account.faults
        if fault in {"429", "429-bare"}:
            reply = self.server.app.too_many_requests(faults.retry_after)
            headers = dict(rate_headers)
            if fault == "429-bare":
                headers.pop("Retry-After", None)
                reply.headers.pop("Retry-After", None)
            else:
                headers["Retry-After"] = f"{faults.retry_after:g}"
            self.send(reply, headers)
        elif fault in {"500", "502", "503"}:
            self.send(Reply.text("Internal Server Error", int(fault)), rate_headers)
        elif fault == "reset":
            self.reset_connection()
        elif fault == "timeout":
            time.sleep(faults.timeout_seconds)
            self.reset_connection()
        elif fault == "truncate":
            body = json.dumps({"data": [{"_id": "x" * 64}] * 20}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.reset_connection()
        elif fault == "html":
            # A proxy's or captive portal's page, served with a 200.
            self.send(Reply.html("<!DOCTYPE html><html><body>Please wait...</body></html>"), rate_headers)
        elif fault == "garbage":
            self.send(Reply(200, b'{"data": [{"_id": '), rate_headers)

    def reset_connection(self) -> None:
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def send(self, reply: Reply, extra_headers: dict[str, str] | None = None) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in {**(extra_headers or {}), **reply.headers}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)
