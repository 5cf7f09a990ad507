"""The tap command: user errors become one line on stderr and exit 1, never a traceback."""

from __future__ import annotations

import logging
import sys
import typing as t

import click
from singer_sdk.plugin_base import SingerCommand

from tap_core.errors import TapError

if t.TYPE_CHECKING:
    from collections.abc import Callable

EXIT_USER_ERROR = 1


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

    def main(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        for handler in logging.getLogger().handlers:
            if not any(isinstance(f, QuietUserErrors) for f in handler.filters):
                handler.addFilter(QuietUserErrors())
        try:
            return super().main(*args, **kwargs)
        except TapError as exc:
            click.echo(f"{self.name}: error: {self.redact(str(exc))}", err=True)
            sys.exit(EXIT_USER_ERROR)


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
