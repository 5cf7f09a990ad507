"""One request budget per API key, shared by every stream (and thread) of the process.

Vendors count requests per key over a sliding window. Pacing before sending is cheaper than
provoking 429s: a 429 costs a request and a wait, and a key shared with other tools suffers too.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import deque

# Our send time and the vendor's arrival time differ by network jitter; this slack keeps a
# window of our sends from landing inside a shorter window at the vendor.
WINDOW_SLACK_SECONDS = 0.05


class Window:
    """At most ``max_requests`` sends in any ``period`` seconds."""

    def __init__(self, max_requests: int, period: float) -> None:
        if max_requests < 1 or period <= 0:
            msg = "a rate window needs at least one request per positive period"
            raise ValueError(msg)
        self.max_requests = max_requests
        self.period = period + WINDOW_SLACK_SECONDS
        self.sent: deque[float] = deque()

    def wait_needed(self, now: float) -> float:
        while self.sent and self.sent[0] <= now - self.period:
            self.sent.popleft()
        if len(self.sent) < self.max_requests:
            return 0.0
        return self.sent[0] + self.period - now

    def has_room(self, now: float) -> bool:
        return self.wait_needed(now) <= 0


class RateBudget:
    """Requests allowed by every window at once, plus server-imposed pauses.

    Vendors state limits at several scales (per 2 s, per minute, per hour); one window each.
    """

    def __init__(self, max_requests: int, period: float, *, also: tuple[tuple[int, float], ...] = ()) -> None:
        self.windows = [Window(max_requests, period), *(Window(n, p) for n, p in also)]
        self._paused_until = 0.0
        self._lock = threading.Lock()

    @property
    def max_requests(self) -> int:
        return self.windows[0].max_requests

    @property
    def period(self) -> float:
        return self.windows[0].period

    @classmethod
    def per_second(cls, rate: float, window: float, *, also: tuple[tuple[int, float], ...] = ()) -> RateBudget:
        """A budget of ``rate`` requests per second, counted over the vendor's ``window``."""
        allowed = int(rate * window)
        if allowed >= 1:
            return cls(allowed, window, also=also)
        return cls(1, 1 / rate, also=also)

    def acquire(self) -> float:
        """Block until one request may be sent; return the seconds spent waiting."""
        waited = 0.0
        while True:
            with self._lock:
                now = time.monotonic()
                wait = max([self._paused_until - now, *(w.wait_needed(now) for w in self.windows)])
                if wait <= 0:
                    for window in self.windows:
                        window.sent.append(now)
                    return waited
            time.sleep(wait)
            waited += wait

    def pause(self, seconds: float) -> None:
        """Hold every sender for ``seconds`` (a 429's ``Retry-After``, say)."""
        with self._lock:
            self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    def window_has_room(self) -> bool:
        """Whether our own sends leave room in every window right now."""
        with self._lock:
            now = time.monotonic()
            return all(window.has_room(now) for window in self.windows)


_budgets: dict[str, RateBudget] = {}
_budgets_lock = threading.Lock()


def budget_for_key(api_key: str, rate: float, window: float, *, also: tuple[tuple[int, float], ...] = ()) -> RateBudget:
    """The process-wide budget of one API key at one rate (the key is kept only as a hash)."""
    fingerprint = hashlib.sha256(api_key.encode()).hexdigest()
    slot = f"{fingerprint}:{rate}:{window}:{also}"
    with _budgets_lock:
        budget = _budgets.get(slot)
        if budget is None:
            budget = _budgets[slot] = RateBudget.per_second(rate, window, also=also)
        return budget
