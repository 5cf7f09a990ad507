"""Mailboxes, for the team and per campaign, and their warm-up. Their credentials never leave the tap."""

from __future__ import annotations

import datetime
import typing as t
from functools import cached_property

from typing_extensions import override

from tap_core import PerParentStream
from tap_core.changes import state_map
from tap_core.errors import APIError
from tap_core.paging import describe_shape
from tap_smartlead.client import SmartleadStream, ids_as_text, is_placeholder, unwrap
from tap_smartlead.streams.campaigns import CampaignChildStream

if t.TYPE_CHECKING:
    import requests
    from singer_sdk.helpers.types import Context

# Wrappers the mailbox lists have been read from besides a bare array: {ok|success, data} in the
# docs, and names a live client falls back to.
MAILBOX_KEYS = ("data", "email_accounts", "accounts", "results")
# The per-day list of the warm-up stats: live name first, then the docs' name.
DAY_LISTS = ("stats_by_date", "daily_stats")
# Days the warm-up route answers: today and the 6 before.
WARMUP_DAYS = 7
# State of the warm-up stream: mailbox id -> the UTC day a run last read it.
READ_ON = "read_on"


class MailboxStream(SmartleadStream):
    """A list of mailboxes. Rows hold SMTP/IMAP passwords and OAuth tokens; they are removed
    before anything else sees the record, and the schema has no column for them."""

    records_keys: t.ClassVar[tuple[str, ...]] = MAILBOX_KEYS
    holds_credentials = True

    @override
    def parse_response(self, response: requests.Response) -> list[dict[str, t.Any]]:
        rows = list(super().parse_response(response))
        for row in rows:
            warmup = row.get("warmup_details")
            if isinstance(warmup, dict):
                # Numbers in the docs' examples; text live: a key is a tag such as "group-broth",
                # a reputation "95%" on the list route.
                ids_as_text(warmup, ("warmup_key_id", "warmup_reputation"))
        return rows


class EmailAccountsStream(MailboxStream):
    """``GET /email-accounts/``: the mailboxes, 100 per page, their credentials removed."""

    name = "email_accounts"
    path = "/email-accounts/"
    primary_keys = ("id",)
    paging = "offset"
    # A model input of a few requests: before the campaigns' hundreds.
    sync_order = 20

    def wanted(self, row: dict[str, t.Any]) -> bool:
        client = self.client_id()
        return client is None or row.get("client_id") == client

    @override
    def post_process(self, row: dict[str, t.Any], context: Context | None = None) -> dict[str, t.Any] | None:
        return row if self.wanted(row) else None

    @override
    def get_child_context(self, record: dict[str, t.Any], context: Context | None) -> dict[str, t.Any] | None:
        # Another client's mailbox is not synced, nor are its children asked for (early either).
        return {"email_account_id": record["id"]} if self.wanted(record) and record.get("id") is not None else None


class CampaignEmailAccountsStream(MailboxStream, CampaignChildStream):
    """``GET /campaigns/{campaign_id}/email-accounts``: a campaign's mailboxes, credentials removed."""

    name = "campaign_email_accounts"
    path = "/campaigns/{campaign_id}/email-accounts"
    primary_keys = ("campaign_id", "id")
    # The docs give this route's mailboxes a reputation of their own, in words ("excellent").
    text_fields: t.ClassVar[tuple[str, ...]] = ("warmup_reputation",)
    # Which mailboxes send for a campaign, not the funnel: read after the campaigns' own children.
    deferred = True


class EmailAccountWarmupStatsStream(PerParentStream, SmartleadStream):
    """``GET /email-accounts/{email_account_id}/warmup-stats``: the last 7 days of a mailbox's
    warm-up, one row per day, each with the mailbox's totals for the period in ``mailbox_totals``.

    Live, days are in ``stats_by_date`` and totals (as strings) beside them; the docs name the
    days ``daily_stats``. Either may come under ``{ok|success, data}``. The route takes no query
    parameters: it always answers today and the 6 days before.

    The warm-up network sends every day, campaigns or not, so a mailbox is read on the cadence
    of its data: once per UTC day, by the first run of the day, whatever else that run reads.
    The next day's read completes the day before (upserted on ``(email_account_id, date)``), so
    runs up to 6 days apart lose nothing; a longer gap loses the days the route no longer
    answers, and the run says which. Rows older than the route's week are history, never
    retired.
    """

    name = "email_account_warmup_stats"
    path = "/email-accounts/{email_account_id}/warmup-stats"
    parent_stream_type = EmailAccountsStream
    parent_key = "email_account_id"
    primary_keys = ("email_account_id", "date")
    holds_credentials = True
    retires_rows = False
    rerun_reads = "each mailbox once per UTC day (the day's first run), whatever else is selected"
    # Opt-in: one request per mailbox a day. email_accounts rows already carry each mailbox's
    # warm-up totals and reputation (warmup_details); this adds the per-day counts.
    selected_by_default = False

    @property
    def today(self) -> datetime.date:
        return self.run.started_at.date()

    @property
    def read_on(self) -> dict[str, str]:
        return state_map(self.stream_state, READ_ON)

    @cached_property
    def gaps(self) -> dict[str, datetime.date]:
        """Mailboxes whose last read is older than the route's week: the day of that read."""
        return {}

    @override
    def up_to_date(self, context: Context | None) -> bool:
        """Whether a run today read this mailbox already."""
        mailbox = str(self.parent_of(context))
        self.parents_listed.add(mailbox)
        last = self.read_on.get(mailbox)
        if last == self.today.isoformat():
            self.parents_skipped.add(mailbox)
            return True
        try:
            last_day = datetime.date.fromisoformat(last) if last else None
        except ValueError:
            last_day = None
        if last_day is not None and (self.today - last_day).days >= WARMUP_DAYS:
            self.gaps[mailbox] = last_day
        return False

    @override
    def parent_synced(self, context: Context | None) -> None:
        self.read_on[str(self.parent_of(context))] = self.today.isoformat()
        self.state_manager.is_flushed = False

    @override
    def finalize_state_progress_markers(self, state: dict[str, t.Any] | None = None) -> None:
        if state is None and self.failure is None and self.all_parents_listed:
            read = self.read_on
            for gone in set(read) - self.parents_listed:
                del read[gone]  # a mailbox removed since: its entry would only grow the state
            self.state_manager.is_flushed = False
            self.say_gaps()
        super().finalize_state_progress_markers(state)

    def say_gaps(self) -> None:
        if not self.gaps:
            return
        oldest = min(self.gaps.values())
        first_answered = self.today - datetime.timedelta(days=WARMUP_DAYS - 1)
        self.logger.warning(
            "'%s': %d mailbox(es) were last read more than %d days ago (the oldest on %s). Smartlead answers "
            "only the last %d days, so their warm-up from that day to %s is incomplete or missing. Run at "
            "least once every %d days to keep every day.",
            self.name,
            len(self.gaps),
            WARMUP_DAYS - 1,
            oldest.isoformat(),
            WARMUP_DAYS,
            (first_answered - datetime.timedelta(days=1)).isoformat(),
            WARMUP_DAYS - 1,
        )

    @override
    def records_of(self, response: requests.Response) -> list[dict[str, t.Any]]:
        payload = self.payload(response)
        if is_placeholder(payload):
            return []
        body = unwrap(payload)
        if isinstance(body, list) and all(isinstance(day, dict) for day in body):
            # No source shows it; read as the days alone, as bare arrays are on every other route.
            return body
        if isinstance(body, dict):
            key = next((name for name in DAY_LISTS if isinstance(body.get(name), list)), None)
            days = body.get(key) if key else None
            if isinstance(days, list) and all(isinstance(day, dict) for day in days):
                totals = {name: value for name, value in body.items() if name not in DAY_LISTS}
                return [{**day, "mailbox_totals": totals} for day in days]
        msg = (
            f"{self.endpoint_of(response)} answered {describe_shape(payload)}; expected the mailbox's "
            f"warm-up with a per-day list ({' or '.join(DAY_LISTS)})"
        )
        raise APIError(msg)
