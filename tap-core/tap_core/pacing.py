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


class RateBudget:
    """At most ``max_requests`` sends in any ``period`` seconds, plus server-imposed pauses."""

    def __init__(self, max_requests: int, period: float) -> None:
        if max_requests < 1 or period <= 0:
            msg = "a rate budget needs at least one request per positive period"
            raise ValueError(msg)
        self.max_requests = max_requests
        self.period = period + WINDOW_SLACK_SECONDS
        self._sent: deque[float] = deque()
        self._paused_until = 0.0
        self._lock = threading.Lock()

    @classmethod
    def per_second(cls, rate: float, window: float) -> RateBudget:
        """A budget of ``rate`` requests per second, counted over the vendor's ``window``."""
        allowed = int(rate * window)
        if allowed >= 1:
            return cls(allowed, window)
        return cls(1, 1 / rate)

    def acquire(self) -> float:
        """Block until one request may be sent; return the seconds spent waiting."""
        waited = 0.0
        while True:
            with self._lock:
                now = time.monotonic()
                wait = self._wait_needed(now)
                if wait <= 0:
                    self._sent.append(now)
                    return waited
            time.sleep(wait)
            waited += wait

    def pause(self, seconds: float) -> None:
        """Hold every sender for ``seconds`` (a 429's ``Retry-After``, say)."""
        with self._lock:
            self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    def window_has_room(self) -> bool:
        """Whether our own sends leave room in the current window."""
        with self._lock:
            now = time.monotonic()
            self._forget_before(now - self.period)
            return len(self._sent) < self.max_requests

    def _wait_needed(self, now: float) -> float:
        self._forget_before(now - self.period)
        wait = self._paused_until - now
        if len(self._sent) >= self.max_requests:
            wait = max(wait, self._sent[0] + self.period - now)
        return wait

    def _forget_before(self, horizon: float) -> None:
        while self._sent and self._sent[0] <= horizon:
            self._sent.popleft()


_budgets: dict[str, RateBudget] = {}
_budgets_lock = threading.Lock()


def budget_for_key(api_key: str, rate: float, window: float) -> RateBudget:
    """The process-wide budget of one API key at one rate (the key is kept only as a hash)."""
    fingerprint = hashlib.sha256(api_key.encode()).hexdigest()
    slot = f"{fingerprint}:{rate}:{window}"
    with _budgets_lock:
        budget = _budgets.get(slot)
        if budget is None:
            budget = _budgets[slot] = RateBudget.per_second(rate, window)
        return budget
