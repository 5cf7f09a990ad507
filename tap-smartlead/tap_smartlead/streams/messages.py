"""Replied leads' conversations: one row per message, read only when a lead shows a new reply."""

from __future__ import annotations

import datetime
import typing as t
from functools import cached_property

from typing_extensions import override

from tap_core import PerParentStream
from tap_core.dates import iso_ms
from tap_core.paging import records_in
from tap_smartlead.client import SmartleadStream, is_placeholder
from tap_smartlead.streams.activities import LeadActivitiesStream

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    import requests
    from singer_sdk.helpers.types import Context

# State entry: email_lead_map_id -> [reply mark, end of the window the lead was last seen in],
# for the leads a next run's lookback can bring back.
REPLIES_READ = "replies_read"


class LeadMessageHistoryStream(PerParentStream, SmartleadStream):
    """``GET /campaigns/{campaign_id}/leads/{lead_id}/message-history``: a lead's thread, read only
    for leads whose activities show a reply not read before.

    A child of ``lead_activities``, so its cost follows activity: only leads whose activities
    row shows a reply are asked for, and a lead seen again with the same replies (another window
    of the same sync, the next run's lookback, a new open) is not asked again. Each read returns
    the whole thread, so a lead is a full-table partition of its own.

    The thread is ``{history, from, to}`` live and ``{messages}`` in the docs; a bare array and
    ``{data: {history}}`` are read too. Rows are keyed by their Message-ID within the lead: a
    ``stats_id`` is shared by a sent email and the replies to it.
    """

    name = "lead_message_history"
    path = "/campaigns/{campaign_id}/leads/{lead_id}/message-history"
    parent_stream_type = LeadActivitiesStream
    parent_key = "email_lead_map_id"
    primary_keys = ("email_lead_map_id", "message_id")
    records_keys: t.ClassVar[tuple[str, ...]] = ("history", "messages")
    text_fields: t.ClassVar[tuple[str, ...]] = ("stats_id", "message_id", "id")
    rerun_reads = "the leads with a reply not read before"
    # Opt-in: one request per replied lead, for whole threads. lead_activities already carries
    # each sent email and its first reply's body; campaign_statistics each email's outcome.
    selected_by_default = False

    @property
    @override
    def resumable(self) -> bool:
        # One entry per lead in the state's list of finished parents would grow with every
        # replied lead of a first sync; the reply marks below do that job, kept to recent leads.
        return False

    @override
    def records_of(self, response: requests.Response) -> list[dict[str, t.Any]]:
        payload = self.payload(response)
        if is_placeholder(payload):
            return []
        data = payload.get("data") if isinstance(payload, dict) else None
        if isinstance(data, dict) and isinstance(data.get("history"), list):
            payload = data
        rows = records_in(payload, self.endpoint_of(response), keys=self.records_keys)
        if isinstance(payload, dict):
            # The thread's own addresses, for messages that carry none.
            for row in rows:
                for side in ("from", "to"):
                    if row.get(side) is None and isinstance(payload.get(side), str):
                        row[side] = payload[side]
        return rows

    @override
    def post_process(self, row: dict[str, t.Any], context: Context | None = None) -> dict[str, t.Any] | None:
        if row.get("message_id") is None and row.get("id") is not None:
            row["message_id"] = row["id"]  # the docs' shape names a message's id "id"
        for name in ("campaign_id", "lead_id"):
            if context and context.get(name) is not None:
                row[name] = context[name]
        return super().post_process(row, context)

    # A lead whose replies were read already is not asked again.

    @cached_property
    def horizon(self) -> str:
        """Where the next run's lookback will start: a lead last seen in a window that ended
        before it comes back only with a new event."""
        lookback = datetime.timedelta(days=float(self.config.get("lookback_days", 0)))
        return iso_ms(self.run.started_at - lookback)

    @cached_property
    def replies_read(self) -> dict[str, list[str]]:
        """Leads whose history this run or the last ones read, with the marks they had then."""
        saved = self.stream_state.get(REPLIES_READ)
        read = {
            str(lead): [str(entry[0]), str(entry[1])]
            for lead, entry in (saved.items() if isinstance(saved, dict) else ())
            if isinstance(entry, list) and len(entry) == 2  # noqa: PLR2004
        }
        self.stream_state[REPLIES_READ] = {lead: entry for lead, entry in read.items() if entry[1] >= self.horizon}
        return read

    @cached_property
    def claimed(self) -> set[tuple[str, str]]:
        """(lead, mark) whose request was sent early, before the lead's turn to sync."""
        return set()

    def claim(self, context: Context) -> tuple[str, str]:
        return str(context.get(self.parent_key)), str(context.get("reply_mark"))

    def read_already(self, context: Context) -> bool:
        lead, mark = self.claim(context)
        entry = self.replies_read.get(lead)
        return entry is not None and entry[0] == mark

    def remember(self, context: Context) -> None:
        lead, mark = self.claim(context)
        seen = max(str(context.get("window_end") or ""), self.replies_read.get(lead, ["", ""])[1])
        self.replies_read[lead] = entry = [mark, seen]
        if seen >= self.horizon:
            # Written with the parent's next checkpoint: a STATE per lead would repeat the map.
            self.stream_state[REPLIES_READ][lead] = entry

    @override
    def prefetch(self, context: Context) -> None:
        claim = self.claim(context)
        if claim in self.claimed or self.read_already(context):
            return
        self.claimed.add(claim)
        super().prefetch(context)

    @override
    def request_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        context = context or {}
        claim = self.claim(context)
        if claim in self.claimed:
            self.claimed.discard(claim)
        elif self.read_already(context):
            self.remember(context)  # seen again: the next run's lookback may bring it back too
            return
        yield from super().request_records(context)
        self.remember(context)
