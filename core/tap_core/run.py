"""What the streams of one run share, handed to each stream when the tap makes it.

A stream reads the sync's start, the key's budget, the session and the worker threads from
here, never from the tap: this object is the whole of what a stream needs from outside it.
"""

from __future__ import annotations

import collections
import datetime
import typing as t
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property

import requests

from tap_core.cli import WORKER_POOLS
from tap_core.http import PacedSession
from tap_core.timebox import TimeBox

if t.TYPE_CHECKING:
    from collections.abc import Callable

    from tap_core.budget import RateBudget
    from tap_core.errors import PlanGatedError
    from tap_core.rest import EngagementStream


@dataclass
class SyncRun:
    """One run of one tap: made once per tap, read by every stream of it."""

    #: The tap's command name, as users type it (``tap-lemlist``).
    command: str
    #: The vendor's name as users know it, for messages.
    vendor: str
    #: Requests in flight at most, over all streams.
    parallel_requests: int
    #: Makes the key's request budget, when the first request needs it (discovery needs none).
    make_budget: Callable[[], RateBudget] = field(repr=False)
    #: The environment variable of a setting, for messages that say what to change.
    env_var: Callable[[str], str] = field(repr=False)
    #: Told when a stream finds its endpoint outside the account's plan.
    on_gated: Callable[[EngagementStream, PlanGatedError], None] = field(repr=False)
    #: The sync's start, fixed once: it pins date windows so paging stays stable.
    started_at: datetime.datetime = field(default_factory=lambda: datetime.datetime.now(datetime.timezone.utc))
    #: In the SDK's BATCH mode, per stream: records written to a batch file whose BATCH message
    #: has not gone out yet. No STATE goes out while any is left (see ``io.StateFlushingWriter``).
    unannounced: collections.Counter[str] = field(default_factory=collections.Counter)
    #: The moment past which no request is sent (``max_run_minutes``).
    timebox: TimeBox = field(default_factory=lambda: TimeBox(None))
    #: Streams the time box ended before their end, in the order they stopped.
    unfinished: list[str] = field(default_factory=list)
    #: Whether the last run was cut by its time box: this one reads only the top-level streams
    #: that run's round has not read whole (``timebox.DONE_THIS_ROUND``).
    resuming_round: bool = False
    #: Told when a cap of a longer scale holds requests back (wait s, its requests, its period s).
    on_long_wait: Callable[[float, int, float], None] | None = field(default=None, repr=False)

    @cached_property
    def budget(self) -> RateBudget:
        return self.make_budget()

    @cached_property
    def session(self) -> PacedSession:
        session = PacedSession(self.budget, self.timebox)
        session.on_long_wait = self.on_long_wait
        # One pooled connection per worker thread, so parallel requests reuse connections.
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=self.parallel_requests)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return session

    @cached_property
    def pool(self) -> ThreadPoolExecutor:
        """The workers that send requests; the key's budget paces them all."""
        pool = ThreadPoolExecutor(max_workers=self.parallel_requests, thread_name_prefix=self.command)
        WORKER_POOLS.add(pool)
        return pool
