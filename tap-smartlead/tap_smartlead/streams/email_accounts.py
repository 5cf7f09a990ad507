"""Mailboxes, for the team and per campaign. Their credentials never leave the tap."""

from __future__ import annotations

import typing as t

from tap_smartlead.client import SmartleadStream
from tap_smartlead.streams.campaigns import CampaignChildStream

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context


class EmailAccountsStream(SmartleadStream):
    """``GET /email-accounts/``: 100 per page, a bare array.

    Rows hold SMTP/IMAP passwords and OAuth tokens; they are removed before anything else
    sees the record, and the schema has no column for them.
    """

    name = "email_accounts"
    path = "/email-accounts/"
    primary_keys = ("id",)
    paging = "offset"
    holds_credentials = True

    def post_process(self, row: dict[str, t.Any], context: Context | None = None) -> dict[str, t.Any] | None:  # noqa: ARG002
        client = self.client_id()
        return row if client is None or row.get("client_id") == client else None


class CampaignEmailAccountsStream(CampaignChildStream):
    """``GET /campaigns/{campaign_id}/email-accounts``: the same rows, the same stripping."""

    name = "campaign_email_accounts"
    path = "/campaigns/{campaign_id}/email-accounts"
    primary_keys = ("campaign_id", "id")
    holds_credentials = True
