"""Campaigns and what hangs off each: sequences, leads, statistics, analytics, webhooks."""

from __future__ import annotations

import typing as t

from tap_core import PerParentStream
from tap_core.dates import days_before
from tap_smartlead.client import SmartleadStream

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

# Statistics pages can be as large as 1000 rows.
STATISTICS_PAGE_SIZE = 1000


class CampaignsStream(SmartleadStream):
    """``GET /campaigns/?include_tags=true``: a bare array, one client's when ``client_id`` is set."""

    name = "campaigns"
    path = "/campaigns/"
    primary_keys = ("id",)

    def get_url_params(self, context: Context | None, next_page_token: t.Any | None) -> dict[str, t.Any]:
        params = super().get_url_params(context, next_page_token) | {"include_tags": "true"}
        client = self.client_id()
        return params if client is None else params | {"client_id": client}

    def get_child_context(self, record: dict[str, t.Any], context: Context | None) -> dict[str, t.Any]:  # noqa: ARG002
        return {"campaign_id": record["id"]}


class CampaignChildStream(PerParentStream, SmartleadStream):
    """A per-campaign endpoint; rows get ``campaign_id``."""

    parent_stream_type = CampaignsStream
    parent_key = "campaign_id"


class CampaignSequencesStream(CampaignChildStream):
    """``GET /campaigns/{campaign_id}/sequences``: a bare array in practice."""

    name = "campaign_sequences"
    path = "/campaigns/{campaign_id}/sequences"
    primary_keys = ("id",)


class CampaignLeadsStream(CampaignChildStream):
    """``GET /campaigns/{campaign_id}/leads``: 100 per page; ``total_leads`` is a string, so a
    short page ends paging."""

    name = "campaign_leads"
    path = "/campaigns/{campaign_id}/leads"
    primary_keys = ("campaign_id", "campaign_lead_map_id")
    paging = "offset"
    total_key = "total_leads"


class CampaignStatisticsStream(CampaignChildStream):
    """``GET /campaigns/{campaign_id}/statistics``: one row per sent email, by ``sent_time``.

    Open, click and reply times arrive after the send, so each run re-reads ``lookback_days``
    before the campaign's bookmark; rows upsert on ``stats_id``.
    """

    name = "campaign_statistics"
    path = "/campaigns/{campaign_id}/statistics"
    primary_keys = ("stats_id",)
    replication_key = "sent_time"
    state_partitioning_keys: t.ClassVar[list[str]] = ["campaign_id"]
    paging = "offset"
    page_size = STATISTICS_PAGE_SIZE
    total_key = "total_stats"

    def get_url_params(self, context: Context | None, next_page_token: t.Any | None) -> dict[str, t.Any]:
        params = super().get_url_params(context, next_page_token)
        params["sent_time_end_date"] = self.window_end[:10]
        start = self.get_starting_replication_key_value(context)
        if start:
            lookback = 0.0 if start == self.config.get("start_date") else float(self.config.get("lookback_days", 0))
            params["sent_time_start_date"] = days_before(str(start), lookback).date().isoformat()
        return params


class CampaignAnalyticsStream(CampaignChildStream):
    """``GET /campaigns/{campaign_id}/analytics``: one row of counters (sent as strings)."""

    name = "campaign_analytics"
    path = "/campaigns/{campaign_id}/analytics"
    primary_keys = ("campaign_id",)
    single_object = True


class CampaignWebhooksStream(CampaignChildStream):
    """``GET /campaigns/{campaign_id}/webhooks``: a list, or a list under ``webhooks``/``data``."""

    name = "campaign_webhooks"
    path = "/campaigns/{campaign_id}/webhooks"
    primary_keys = ("campaign_id", "id")
    records_keys: t.ClassVar[tuple[str, ...]] = ("webhooks", "data")
