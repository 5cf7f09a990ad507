"""Writing Singer messages: no flush per message, and large states at a bounded pace."""

from __future__ import annotations

import atexit
import sys
import time
import typing as t

from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.singerlib import SingerMessageType
from typing_extensions import override

if t.TYPE_CHECKING:
    from collections.abc import Mapping

    from singer_sdk.singerlib.encoding.simple import Message

# STATE bytes per second, on average, that a sync writes once its state is large: a STATE goes
# out at most every (its size / this) seconds. States under a few kilobytes go out every time.
STATE_BYTES_PER_SECOND = 64 * 1024
# A STATE this small goes out every time: a bookmark or two.
SMALL_STATE_BYTES = 4096
#: The writers of this process, whose held STATEs go out when the command ends. Held strongly:
#: the command's tap, and with it its writer, may be collected before the command ends, and a
#: held STATE must not go with it.
WRITERS: list[StateFlushingWriter] = []


def write_held_states() -> None:
    """Write every STATE still held back: the command ends (also on an error, which exits at once)."""
    for writer in WRITERS:
        writer.write_held_state()


class StateFlushingWriter(MsgSpecWriter):
    """msgspec serialization; stdout is flushed when a STATE goes out, not after every record.

    A flush per message is a system call per record. Records always precede the STATE that
    covers them, so a target never sees a state ahead of its records, even after a kill;
    Python flushes the rest when the tap exits.

    The SDK writes the whole state after every parent's share of every child stream. With
    per-campaign entries that is quadratic in campaigns (a first sync of 2,000 campaigns would
    write gigabytes of STATE), so a large STATE that comes too soon after the last one is held
    back, replaced by any newer one, and written with the next that is due, or when the sync
    ends. A held STATE only ever claims less than what was written, never more.

    In the SDK's BATCH mode records go to files, announced by a BATCH message once a file is
    full: a STATE written meanwhile (a date window's checkpoint, a parent's progress) would
    claim records no loader has seen, and a kill then would skip them on the next run. Such a
    STATE is held, like a large one, until every batch file is announced.
    """

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.held: bytes | None = None
        #: In BATCH mode, records per stream in batch files not yet announced (the run's count).
        self.unannounced: Mapping[str, int] = {}
        self.last_state_at = float("-inf")
        WRITERS.append(self)
        if len(WRITERS) == 1:
            atexit.register(write_held_states)

    @override
    def write_message(self, message: Message) -> None:
        encoded = self.format_message(message)
        if message.type != SingerMessageType.STATE:
            sys.stdout.buffer.write(encoded)
            return
        now = time.monotonic()
        if self.records_unannounced or (
            len(encoded) > SMALL_STATE_BYTES and now - self.last_state_at < len(encoded) / STATE_BYTES_PER_SECOND
        ):
            # A copy: the SDK's msgspec writer encodes every message into one shared buffer,
            # which the next message (a RECORD, an ACTIVATE_VERSION) would overwrite.
            self.held = bytes(encoded)
            return
        self.held = None
        self.write_state_line(encoded, now)

    @property
    def records_unannounced(self) -> bool:
        """Whether a STATE now could claim records whose BATCH message has not gone out."""
        return any(self.unannounced.values())

    def write_held_state(self) -> None:
        """Write the STATE held back, if any: at the end of a sync, or as the tap exits (not
        while it claims records of a BATCH that never went out: the next run reads them)."""
        if self.held is not None and not self.records_unannounced:
            held, self.held = self.held, None
            self.write_state_line(held, time.monotonic())

    def write_state_line(self, encoded: bytes | bytearray, now: float) -> None:
        sys.stdout.buffer.write(encoded)
        sys.stdout.flush()
        self.last_state_at = now
