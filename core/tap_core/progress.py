"""Progress a person can follow: one line per stream about every ten seconds of a long sync.

Each line says the records so far, what is being read (a date window, a parent), the request
rate against the key's ceiling, and, where the stream can tell, an estimate of what is left.
"""

from __future__ import annotations

import datetime
import threading
import time
import typing as t

if t.TYPE_CHECKING:
    import logging
    from collections.abc import Callable

#: Seconds between two progress lines of one stream.
PROGRESS_EVERY_SECONDS = 10.0


class Progress:
    """Counts one stream's records and says how far it got, at most every ``every`` seconds."""

    def __init__(
        self,
        stream: str,
        logger: logging.Logger,
        rate: Callable[[], tuple[float, float]],
        *,
        every: float = PROGRESS_EVERY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream
        self.logger = logger
        #: (requests/s over the last seconds, the ceiling), from the key's budget.
        self.rate = rate
        self.every = every
        self.clock = clock
        self.started = clock()
        self.last_line = self.started
        self.records = 0
        #: What is being read now, for the line: a date window, a parent.
        self.reading = ""
        #: The share of the stream done, from 0 to 1, where the stream can tell.
        self.done: float | None = None
        #: Where a stream read in date windows started, for its share done.
        self.first_date: datetime.datetime | None = None

    def record(self) -> None:
        self.records += 1
        now = self.clock()
        if now - self.last_line >= self.every:
            self.last_line = now
            self.logger.info("%s", self.line(now))

    def line(self, now: float) -> str:
        rate, ceiling = self.rate()
        parts = [f"Progress of '{self.stream}': {self.records:,} records"]
        if self.reading:
            parts.append(f"reading {self.reading}")
        parts.append(f"{rate:.1f} requests/s of {ceiling:g}")
        elapsed = now - self.started
        if self.done is not None and 0 < self.done < 1:
            left = elapsed * (1 - self.done) / self.done
            parts.append(f"{self.done:.0%} done, about {format_seconds(left)} left")
        return ", ".join(parts)


def format_seconds(seconds: float) -> str:
    if seconds < 90:  # noqa: PLR2004
        return f"{seconds:.0f} s"
    if seconds < 5400:  # noqa: PLR2004
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


class CapNotice:
    """One line when a cap of a longer scale (an hourly quota) holds every request back: the
    time requests resume, and the earliest the sync can end at that cap (from the requests it
    knows it still needs: a child's parents count once their list is read). One line per wait,
    however many requests are waiting."""

    def __init__(
        self,
        vendor: str,
        logger: logging.Logger,
        *,
        setting: str,
        requests_left: Callable[[], int | None],
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.vendor = vendor
        self.logger = logger
        #: The setting that sets the cap, for the line.
        self.setting = setting
        #: About how many requests the sync still needs; None if unknown.
        self.requests_left = requests_left
        self.wall_clock = wall_clock
        self.told_until = 0.0
        self._lock = threading.Lock()

    def __call__(self, wait: float, max_requests: int, period: float) -> None:
        now = self.wall_clock()
        resume = now + wait
        with self._lock:
            # Every request waiting for the same slot would say it again (to the clock's jitter).
            if resume <= self.told_until + SAME_WAIT_SECONDS:
                return
            self.told_until = resume
        cap = f"{max_requests:,} requests an hour" if period == HOUR else f"{max_requests:,} requests per {period:g} s"
        parts = [f"{self.vendor}'s cap of {cap} ({self.setting}) is spent: requests resume at {utc_clock(resume)} UTC"]
        left = self.requests_left()
        if left:
            ends = resume + max(0.0, (left - max_requests) / max_requests) * period
            parts.append(
                f"at least {left:,} requests left, so the sync ends at the earliest about "
                f"{utc_clock(ends, day=ends - now > DAY)} UTC (max_run_minutes ends a run sooner; the next goes "
                "on from there)"
            )
        self.logger.warning("%s.", "; ".join(parts))


HOUR = 3600.0
DAY = 86400.0
SAME_WAIT_SECONDS = 60.0


def utc_clock(epoch: float, *, day: bool = False) -> str:
    moment = datetime.datetime.fromtimestamp(epoch, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M" if day else "%H:%M")
