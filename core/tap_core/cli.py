"""The tap command: user errors become one line on stderr and exit 1, never a traceback."""

from __future__ import annotations

import logging
import os
import sys
import typing as t
import weakref

import click
from singer_sdk.plugin_base import SingerCommand
from typing_extensions import override

from tap_core.errors import StreamsFailedError, TapError
from tap_core.io import write_held_states

if t.TYPE_CHECKING:
    from collections.abc import Callable
    from concurrent.futures import ThreadPoolExecutor

EXIT_USER_ERROR = 1
#: Request workers of the taps in this process, stopped when a user error ends the run.
WORKER_POOLS: weakref.WeakSet[ThreadPoolExecutor] = weakref.WeakSet()
#: One line per stream that failed part-way in this process; the run ends with them.
STOPPED_STREAMS: list[str] = []
#: What each tap of this process says once its sync is over (what a time box left), in order.
AT_END: list[Callable[[], None]] = []


class QuietUserErrors(logging.Filter):
    """Drops the SDK's "unhandled error" log line while a TapError is on its way out.

    The command prints that error as one line; the SDK's extra line would only repeat it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.ERROR:
            return True
        return not isinstance(sys.exc_info()[1], TapError)


class TapCommand(SingerCommand):
    """SingerCommand whose TapErrors end the process with one clear line."""

    def __init__(self, *args: t.Any, redact: Callable[[str], str], **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.redact = redact

    @override
    def invoke(self, ctx: click.Context) -> t.Any:
        """The sync; streams that failed part-way end it with exit 1 once all others are done."""
        try:
            result = super().invoke(ctx)
        finally:
            # A STATE held back to keep large states from flooding the target goes out last.
            write_held_states()
        for say in AT_END:
            say()
        if STOPPED_STREAMS:
            raise StreamsFailedError(STOPPED_STREAMS)
        return result

    @override
    def main(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        for handler in logging.getLogger().handlers:
            if not any(isinstance(f, QuietUserErrors) for f in handler.filters):
                handler.addFilter(QuietUserErrors())
        try:
            return super().main(*args, **kwargs)
        except TapError as exc:
            # What was emitted stays emitted (records precede their STATE); requests still
            # queued are dropped and those in flight are not waited for, so this line is last.
            write_held_states()
            sys.stdout.flush()
            for pool in list(WORKER_POOLS):
                pool.shutdown(wait=False, cancel_futures=True)
            for line in str(exc).splitlines() or [type(exc).__name__]:
                click.echo(f"{self.name}: error: {self.redact(line)}", err=True)
            sys.stderr.flush()
            os._exit(EXIT_USER_ERROR)


def tap_command(command: click.Command, *, logger: logging.Logger, redact: Callable[[str], str]) -> TapCommand:
    """The SDK's tap command, rebuilt as a TapCommand with the same options."""
    return TapCommand(
        name=command.name,
        callback=command.callback,
        params=command.params,
        help=command.help,
        context_settings=command.context_settings,
        logger=logger,
        redact=redact,
    )
