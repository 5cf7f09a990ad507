"""Mailboxes, for the team and per campaign, and their warm-up. Their credentials never leave the tap."""

from __future__ import annotations

import typing as t

from typing_extensions import override

from tap_core import PerParentStream
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


class EmailAccountWarmupStatsStream(PerParentStream, SmartleadStream):
    """``GET /email-accounts/{email_account_id}/warmup-stats``: the last 7 days of a mailbox's
    warm-up, one row per day, each with the mailbox's totals for the period in ``mailbox_totals``.

    Live, days are in ``stats_by_date`` and totals (as strings) beside them; the docs name the
    days ``daily_stats``. Either may come under ``{ok|success, data}``. The route takes no query
    parameters: it always answers the last 7 days, so the stream is read whole every run.
    """

    name = "email_account_warmup_stats"
    path = "/email-accounts/{email_account_id}/warmup-stats"
    parent_stream_type = EmailAccountsStream
    parent_key = "email_account_id"
    primary_keys = ("email_account_id", "date")
    holds_credentials = True

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
