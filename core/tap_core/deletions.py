"""Deletions carried to the warehouse: a full-table stream read whole in this run announces its
table version (ACTIVATE_VERSION) after its last record, and the loader retires every row of
the table that did not come again (target-postgres sets ``_sdc_deleted_at``, or deletes the row
with ``hard_delete``).

The SDK announces the version before the first record instead. A loader that retires rows on
it then shows the table empty until each row comes again, and for good if the stream stops
part-way. Here the version goes out once, after the stream's last record, and only when
the stream read everything in this run. It does not go out when the stream stopped or was
gated, or when it skipped parents: change-driven children and a resumed run read some parents
only, so their deletions arrive with the next whole read (a reconciliation).
"""

from __future__ import annotations

import typing as t
from functools import cached_property

from singer_sdk import RESTStream
from singer_sdk.singerlib.catalog import REPLICATION_FULL_TABLE
from typing_extensions import override

if t.TYPE_CHECKING:
    from tap_core.run import SyncRun

#: The setting, named as in the SDK; on unless set to false.
EMIT_SETTING = "emit_activate_version_messages"
EMIT_DEFAULT = True


class CarriesDeletions(RESTStream[t.Any]):
    """Table versions on RECORDs of full-table streams, and ACTIVATE_VERSION after a whole read."""

    run: SyncRun

    @property
    @override
    def emit_activate_version_messages(self) -> bool:
        """Never the SDK's way, before the records: see ``table_version`` and ``retire_unsent``."""
        return False

    #: Whether a whole read may retire the rows it did not send. False for a full-table stream
    #: whose route answers a recent period only (a mailbox's last 7 days of warm-up): the older
    #: rows are history, not deletions.
    retires_rows: t.ClassVar[bool] = True

    @cached_property
    def table_version(self) -> int | None:
        """The version on this stream's RECORDs when it carries deletions: the run's start in whole
        seconds, as the SDK stamps it. None for incremental streams, whose rows are events, and
        in BATCH mode: a BATCH message carries no version, so a loader would retire every row
        it loaded from the files."""
        if not self.retires_rows or self.replication_method != REPLICATION_FULL_TABLE:
            return None
        if not self.config.get(EMIT_SETTING, EMIT_DEFAULT):
            return None
        if self.get_batch_config(self.config) is not None:
            return None
        return int(self.run.started_at.timestamp())

    @property
    def read_whole(self) -> bool:
        """Whether this run sent every row the stream has now (a per-parent stream says more)."""
        return True

    def retire_unsent(self) -> None:
        """After a whole read: the loader may retire the rows this run did not send."""
        if self.table_version is not None and self.selected and self.read_whole:
            self._write_activate_version_message(self.table_version)
