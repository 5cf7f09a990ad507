"""Errors a user can act on, told in one line without a traceback."""

from __future__ import annotations

import typing as t

if t.TYPE_CHECKING:
    from collections.abc import Iterable


class TapError(Exception):
    """A failure the user can fix or must know about; the CLI prints it as one line."""


class ConfigError(TapError):
    """A setting is missing or wrong."""


class AuthError(TapError):
    """The API rejected the key, or the account has no API access."""


class APIError(TapError):
    """The API kept failing past the retry budget, or answered something unusable."""


class StreamsFailedError(TapError):
    """Streams that stopped part-way while the others finished: one line each."""

    def __init__(self, lines: Iterable[str]) -> None:
        self.lines = list(lines)
        super().__init__("\n".join(self.lines))


class PlanGatedError(Exception):
    """The account's plan does not include this endpoint: the stream is skipped."""

    def __init__(self, endpoint: str, status: int, detail: str) -> None:
        super().__init__(f"{endpoint} answered {status}: {detail}")
        self.endpoint = endpoint
        self.status = status
        self.detail = detail
