"""Progress a person can follow: one line per stream about every ten seconds of a long sync.

Each line says the records so far, what is being read (a date window, a parent), the request
rate against the key's ceiling, and, where the stream can tell, an estimate of what is left.
"""

from __future__ import annotations

import time
import typing as t

if t.TYPE_CHECKING:
    import datetime
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
