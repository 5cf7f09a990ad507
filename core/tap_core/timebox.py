"""A run's time box (``max_run_minutes``): past it, no request is sent and the run ends cleanly.

Scheduled runs must not overlap, and a first sync bigger than a vendor's hourly cap must be able
to finish over several runs. A run that reaches its time box lets the requests already sent
answer and be emitted, sends no other, writes its STATE and exits 0; what it had not finished
is what the next run reads, as after any interrupted run (date windows from their last
checkpoint, per-campaign children from the first campaign not done).
"""

from __future__ import annotations

import time
import typing as t
from dataclasses import dataclass, field

if t.TYPE_CHECKING:
    from collections.abc import Callable

SECONDS_PER_MINUTE = 60.0


class TimeUpError(Exception):
    """The run reached its time box before this request was sent: the request is not sent."""


@dataclass
class TimeBox:
    """The moment past which a run sends no request; None: no limit."""

    minutes: float | None
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    started: float = field(init=False)

    def __post_init__(self) -> None:
        self.started = self.clock()

    @property
    def deadline(self) -> float | None:
        return None if not self.minutes else self.started + self.minutes * SECONDS_PER_MINUTE

    def check(self, send_at: float | None = None) -> None:
        """Raise ``TimeUpError`` if a request sent at ``send_at`` (now by default) would go out
        past the time box: a wait for the hourly cap that ends after it is not waited."""
        deadline = self.deadline
        if deadline is not None and (self.clock() if send_at is None else send_at) >= deadline:
            raise TimeUpError


# A run cut by its time box leaves a round of the sync unfinished: the next runs read only the
# top-level streams the round has not read whole yet, so that every stream's turn comes, however
# short the box (otherwise the lists read first would take every run's time again).
#: Stream state: this top-level stream (and its children) was read whole in the current round.
DONE_THIS_ROUND = "done_this_round"
#: Stream state: the time box ended this stream; the next run finishes the round.
CUT_BY_TIME_BOX = "cut_by_time_box"


def take_cut_marks(state: dict[str, t.Any]) -> bool:
    """Whether the run that wrote ``state`` was cut by its time box; its marks are removed, so
    that only this run's own cut (if any) says so to the next run."""
    cut = False
    for entry in (state.get("bookmarks") or {}).values():
        if isinstance(entry, dict) and entry.pop(CUT_BY_TIME_BOX, None):
            cut = True
    return cut
