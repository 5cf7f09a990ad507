"""One request budget per API key, shared by every stream (and thread) of the process.

Vendors count requests per key over a sliding period. Pacing before sending is cheaper than
provoking 429s: a 429 costs a request and a wait, and a key shared with other tools suffers too.
"""

from __future__ import annotations

import bisect
import hashlib
import statistics
import threading
import time
from collections import deque
from typing import TYPE_CHECKING

from tap_core.timebox import TimeUpError

if TYPE_CHECKING:
    from collections.abc import Callable

# The vendor counts a request when it arrives; we can only time when it leaves. Two sends a
# period apart arrive closer than that when the first one's way in took longer: a slack added to
# the vendor's period keeps a period's worth of sends from landing inside a shorter one. It
# starts here and grows with the jitter seen on the way in.
PERIOD_SLACK_SECONDS = 0.05
# The way in's share of the spread of response times: half the round trip, and a margin for the
# tails a few dozen timed responses do not show yet.
INBOUND_SHARE_OF_SPREAD = 0.6
# Until that many responses are timed, the spread assumed is this share of the median time
# either way (the vendors' APIs measured at 300 ms +-30%).
TIMED_BEFORE_TRUSTED = 20
ASSUMED_JITTER = 0.3
TIMED_RESPONSES = 100
# Sends of the last this many seconds make the rate shown in progress lines.
RATE_SHOWN_OVER_SECONDS = 10.0
# A 429 that pacing did not prevent widens the slack by this much, for the rest of the run.
SLACK_STEP_AFTER_429 = 0.05
LONGEST_SLACK_SECONDS = 1.0
# A wait this long for a slot is a cap that binds (an hourly quota spent), not pacing: it is told.
LONG_WAIT_SECONDS = 30.0


class Limit:
    """At most ``max_requests`` sends in any ``period`` seconds (the vendor's, plus a slack)."""

    def __init__(self, max_requests: int, period: float) -> None:
        if max_requests < 1 or period <= 0:
            msg = "a rate limit needs at least one request per positive period"
            raise ValueError(msg)
        self.max_requests = max_requests
        self.vendor_period = period
        self.slack = PERIOD_SLACK_SECONDS
        self.sent: deque[float] = deque()

    @property
    def period(self) -> float:
        return self.vendor_period + self.slack

    def earliest(self, now: float) -> float:
        """The first moment a new send fits, counting sends already booked for later."""
        while self.sent and self.sent[0] <= now - self.period:
            self.sent.popleft()
        if len(self.sent) < self.max_requests:
            return now
        return max(now, self.sent[-self.max_requests] + self.period)


class Ticket:
    """One request's claim on the budget, which its sender may withdraw before its slot."""

    def __init__(self) -> None:
        self.withdrawn = threading.Event()
        self._booking: tuple[RateBudget, float] | None = None

    def booked(self, budget: RateBudget, slot: float) -> None:
        self._booking = (budget, slot)

    def withdraw(self) -> None:
        self.withdrawn.set()
        if self._booking is not None:
            budget, slot = self._booking
            budget.release(slot)


class RateBudget:
    """Requests allowed by every limit at once, plus server-imposed pauses.

    Vendors state limits at several scales (per 2 s, per minute, per hour); one ``Limit`` each.
    """

    def __init__(self, max_requests: int, period: float, *, also: tuple[tuple[int, float], ...] = ()) -> None:
        self.limits = [Limit(max_requests, period), *(Limit(n, p) for n, p in also)]
        # Sends are spread evenly over the first limit's period rather than fired in bursts: with
        # latency, a burst leaves the rest of the period idle and the rate falls short.
        self.spacing = self.limits[0].period / max_requests
        self.response_times: deque[float] = deque(maxlen=TIMED_RESPONSES)
        # The least slack from now on: raised by each 429 pacing did not prevent.
        self.least_slack = PERIOD_SLACK_SECONDS
        self.throttled = 0
        self.recent_sends: deque[float] = deque()
        self._next_slot = 0.0
        self._paused_until = 0.0
        self._lock = threading.Lock()

    @property
    def max_requests(self) -> int:
        return self.limits[0].max_requests

    @property
    def period(self) -> float:
        return self.limits[0].period

    @classmethod
    def per_second(cls, rate: float, period: float, *, also: tuple[tuple[int, float], ...] = ()) -> RateBudget:
        """A budget of ``rate`` requests per second, counted over the vendor's ``period``."""
        allowed = int(rate * period)
        if allowed >= 1:
            return cls(allowed, period, also=also)
        return cls(1, 1 / rate, also=also)

    def acquire(
        self,
        ticket: Ticket | None = None,
        *,
        deadline: float | None = None,
        on_long_wait: Callable[[float, int, float], None] | None = None,
    ) -> bool:
        """Block until one request may be sent; False if its ``ticket`` was withdrawn first.

        Each caller books its own send time under the lock and sleeps once until then, so many
        waiting threads do not all wake up for every free slot. A slot at or past ``deadline``
        (the run's time box) is not booked: ``TimeUpError``. A wait of ``LONG_WAIT_SECONDS`` or
        more, set by a limit of a longer scale (an hourly cap), is told to ``on_long_wait``
        (the wait in seconds, and the limit's requests and period) before the sleep.
        """
        while True:
            with self._lock:
                if ticket is not None and ticket.withdrawn.is_set():
                    return False
                now = time.monotonic()
                earliest = {limit: limit.earliest(now) for limit in self.limits}
                slot = max([self._paused_until, self._next_slot, *earliest.values()])
                if deadline is not None and slot >= deadline:
                    self.tell_long_wait(now, earliest, on_long_wait)
                    raise TimeUpError
                self._next_slot = slot + self.spacing
                for limit in self.limits:
                    # In time order: a booking made after a pause can precede earlier ones.
                    limit.sent.insert(bisect.bisect(limit.sent, slot), slot)
                if ticket is not None:
                    ticket.booked(self, slot)
            self.tell_long_wait(now, earliest, on_long_wait)
            if slot > now:
                if ticket is None:
                    time.sleep(slot - now)
                elif ticket.withdrawn.wait(slot - now):
                    return False
            with self._lock:
                # A 429 may have paused everyone while we slept: book again after the pause.
                now = time.monotonic()
                if now >= self._paused_until:
                    self.recent_sends.append(now)
                    return True

    @staticmethod
    def tell_long_wait(
        now: float, earliest: dict[Limit, float], on_long_wait: Callable[[float, int, float], None] | None
    ) -> None:
        """Tell ``on_long_wait`` of a long wait that a limit sets (the one whose slot is latest);
        a server's pause (a 429's ``Retry-After``) is not a cap, and its retry line says it."""
        binding = max(earliest, key=lambda limit: (earliest[limit], limit.vendor_period))
        wait = earliest[binding] - now
        if wait >= LONG_WAIT_SECONDS and on_long_wait is not None:
            on_long_wait(wait, binding.max_requests, binding.vendor_period)

    def release(self, slot: float) -> None:
        """Give back a slot booked for a send that will not happen, if it is still ahead."""
        with self._lock:
            if slot <= time.monotonic():
                return
            for limit in self.limits:
                index = bisect.bisect_left(limit.sent, slot)
                if index < len(limit.sent) and limit.sent[index] == slot:
                    del limit.sent[index]
            # The next sender may take the freed place if it was the last booking. Spacing
            # follows the jitter, so the next slot is recomputed, not undone by one step.
            bookings = self.limits[0].sent
            self._next_slot = min(self._next_slot, bookings[-1] + self.spacing if bookings else slot)

    def pause(self, seconds: float) -> None:
        """Hold every sender for ``seconds`` (a 429's ``Retry-After``, say)."""
        with self._lock:
            self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    @property
    def ceiling(self) -> float:
        """The vendor's limit in requests per second."""
        return self.max_requests / self.limits[0].vendor_period

    def recent_rate(self) -> float:
        """Requests per second sent over the last few seconds."""
        with self._lock:
            now = time.monotonic()
            while self.recent_sends and self.recent_sends[0] < now - RATE_SHOWN_OVER_SECONDS:
                self.recent_sends.popleft()
            return len(self.recent_sends) / RATE_SHOWN_OVER_SECONDS

    @property
    def slack(self) -> float:
        return self.limits[0].slack

    def timed(self, seconds: float) -> None:
        """One response took ``seconds`` from send to headers: the slack follows the jitter."""
        with self._lock:
            self.response_times.append(seconds)
            times = self.response_times
            spread = max(times) - min(times)
            if len(times) < TIMED_BEFORE_TRUSTED:
                spread = max(spread, 2 * ASSUMED_JITTER * statistics.median(times))
            self._set_slack(INBOUND_SHARE_OF_SPREAD * spread)

    def throttle_seen(self) -> None:
        """The vendor refused a send with a 429 pacing should have prevented: widen the slack."""
        with self._lock:
            self.throttled += 1
            self.least_slack = min(LONGEST_SLACK_SECONDS, self.slack + SLACK_STEP_AFTER_429)
            self._set_slack(self.slack)

    def _set_slack(self, slack: float) -> None:
        slack = min(LONGEST_SLACK_SECONDS, max(self.least_slack, slack))
        for limit in self.limits:
            limit.slack = slack
        self.spacing = self.limits[0].period / self.max_requests

    def fills_the_period_before(self, sent_at: float) -> bool:
        """Whether our own sends alone make a full vendor period around the one sent at
        ``sent_at``: then a "none remaining" on its answer is our own count, which pacing
        already spaces, not a sign that other tools share the key."""
        with self._lock:
            first = self.limits[0]
            low, high = sent_at - first.vendor_period - first.slack, sent_at + first.slack
            ours = 0
            for sent in reversed(self.recent_sends):
                if sent <= low:
                    break
                ours += sent <= high
            return ours >= first.max_requests


_budgets: dict[str, RateBudget] = {}
_budgets_lock = threading.Lock()


def budget_for_key(api_key: str, rate: float, period: float, *, also: tuple[tuple[int, float], ...] = ()) -> RateBudget:
    """The process-wide budget of one API key at one rate (the key is kept only as a hash)."""
    fingerprint = hashlib.sha256(api_key.encode()).hexdigest()
    slot = f"{fingerprint}:{rate}:{period}:{also}"
    with _budgets_lock:
        budget = _budgets.get(slot)
        if budget is None:
            budget = _budgets[slot] = RateBudget.per_second(rate, period, also=also)
        return budget


def budget_for_route(api_key: str, route: str, max_requests: int, period: float) -> RateBudget:
    """The process-wide budget of one route of one key, where the vendor limits that route on
    its own (a request there takes a slot of this budget, then one of the key's)."""
    fingerprint = hashlib.sha256(api_key.encode()).hexdigest()
    slot = f"{fingerprint}:{route}:{max_requests}/{period}"
    with _budgets_lock:
        budget = _budgets.get(slot)
        if budget is None:
            budget = _budgets[slot] = RateBudget(max_requests, period)
        return budget
