"""Writing Singer messages without a flush per message."""

from __future__ import annotations

import sys
import typing as t

from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.singerlib import SingerMessageType

if t.TYPE_CHECKING:
    from singer_sdk.singerlib.encoding.simple import Message


class StateFlushingWriter(MsgSpecWriter):
    """msgspec serialization; stdout is flushed when a STATE goes out, not after every record.

    A flush per message is a system call per record. Records always precede the STATE that
    covers them, so a target never sees a state ahead of its records, even after a kill;
    Python flushes the rest when the tap exits.
    """

    def write_message(self, message: Message) -> None:
        sys.stdout.buffer.write(self.format_message(message))
        if message.type == SingerMessageType.STATE:
            sys.stdout.flush()
