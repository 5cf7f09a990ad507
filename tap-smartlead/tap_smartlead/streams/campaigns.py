"""Campaigns and what hangs off each: sequences, leads, statistics, analytics, webhooks."""

from __future__ import annotations

import typing as t
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from typing_extensions import override

from tap_core import PerParentStream
from tap_core.dates import days_before
from tap_core.errors import APIError
from tap_core.paging import describe_shape, records_in
from tap_core.redaction import MASK, is_credential
from tap_smartlead.client import SmartleadStream, unwrap

if t.TYPE_CHECKING:
    import requests
    from singer_sdk.helpers.types import Context

# Statistics pages can be as large as 1000 rows.
STATISTICS_PAGE_SIZE = 1000
# Query parameters that authenticate a webhook call to its receiver, besides credential names.
URL_SECRET_NAMES = frozenset({"key", "auth", "sig", "signature"})


def masked_url(url: str) -> str:
    """``url`` with the values of secret-looking query parameters masked: receivers of webhooks
    are often authenticated by a ``?secret=...`` in the URL Smartlead calls."""
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    secret = [name for name, _ in pairs if is_credential(name) or name.lower() in URL_SECRET_NAMES]
    if not secret:
        return url
    query = urlencode([(name, MASK if name in secret else value) for name, value in pairs], safe="*")
    return urlunsplit(parts._replace(query=query))


class CampaignsStream(SmartleadStream):
    """``GET /campaigns/?include_tags=true``: a bare array (or ``{success, campaigns}`` in the docs),
    one client's when ``client_id`` is set."""

    name = "campaigns"
    path = "/campaigns/"
    primary_keys = ("id",)
    sync_order = 30
    records_keys: t.ClassVar[tuple[str, ...]] = ("campaigns", "data")

    @override
    def get_url_params(self, context: Context | None, next_page_token: t.Any | None) -> dict[str, t.Any]:
        params = super().get_url_params(context, next_page_token) | {"include_tags": "true"}
        client = self.client_id()
        return params if client is None else params | {"client_id": client}

    @override
    def get_child_context(self, record: dict[str, t.Any], context: Context | None) -> dict[str, t.Any]:
        return {"campaign_id": record["id"]}


class CampaignChildStream(PerParentStream, SmartleadStream):
    """A per-campaign endpoint; rows get ``campaign_id``."""

    parent_stream_type = CampaignsStream
    parent_key = "campaign_id"


class CampaignSequencesStream(CampaignChildStream):
    """``GET /campaigns/{campaign_id}/sequences``: a bare array in practice, ``{success, data}`` in
    the docs."""

    name = "campaign_sequences"
    path = "/campaigns/{campaign_id}/sequences"
    primary_keys = ("id",)
    # Campaign settings, not the funnel: read after every campaign's leads, statistics, analytics.
    deferred = True


class CampaignLeadsStream(CampaignChildStream):
    """``GET /campaigns/{campaign_id}/leads``: 100 per page. ``total_leads`` (a number sent as
    text) says how many pages follow, so they go out together; a short page ends paging all the
    same. The same route is documented twice more, as ``{total, leads}`` and ``{leads, total_count}``."""

    name = "campaign_leads"
    path = "/campaigns/{campaign_id}/leads"
    primary_keys = ("campaign_id", "campaign_lead_map_id")
    records_keys: t.ClassVar[tuple[str, ...]] = ("data", "leads")
    paging = "offset"
    total_key = "total_leads"
    other_total_keys: t.ClassVar[tuple[str, ...]] = ("total", "total_count")
    # A number in the current docs, text in an earlier version of the same page.
    text_fields: t.ClassVar[tuple[str, ...]] = ("campaign_lead_map_id",)


class CampaignStatisticsStream(CampaignChildStream):
    """``GET /campaigns/{campaign_id}/statistics``: one row per sent email, by ``sent_time``.

    Open, click and reply times arrive after the send, so each run re-reads ``lookback_days``
    before the campaign's bookmark; rows upsert on ``stats_id``, a UUID. Rows come as
    ``{total_stats, data, offset, limit}`` live and ``{ok, data}`` in the docs; the docs' other
    examples (one aggregate object, per-step aggregates) have no per-email key and are refused.
    """

    name = "campaign_statistics"
    path = "/campaigns/{campaign_id}/statistics"
    primary_keys = ("stats_id",)
    replication_key = "sent_time"
    state_partitioning_keys: t.ClassVar[list[str]] = ["campaign_id"]
    paging = "offset"
    page_size = STATISTICS_PAGE_SIZE
    total_key = "total_stats"
    text_fields: t.ClassVar[tuple[str, ...]] = ("stats_id",)

    @override
    def get_url_params(self, context: Context | None, next_page_token: t.Any | None) -> dict[str, t.Any]:
        params = super().get_url_params(context, next_page_token)
        params["sent_time_end_date"] = self.window_end[:10]
        start = self.get_starting_replication_key_value(context)
        if start:
            lookback = 0.0 if start == self.config.get("start_date") else float(self.config.get("lookback_days", 0))
            params["sent_time_start_date"] = days_before(str(start), lookback).date().isoformat()
        return params


class CampaignAnalyticsStream(CampaignChildStream):
    """``GET /campaigns/{campaign_id}/analytics``: one row of counters (sent as strings).

    Live it is one bare object; the docs print it as a list of one, or under ``{ok|success,
    data}`` as an object or a list. An empty object (a placeholder, or a campaign Smartlead no
    longer finds) is no row.
    """

    name = "campaign_analytics"
    path = "/campaigns/{campaign_id}/analytics"
    primary_keys = ("campaign_id",)
    single_object = True

    @override
    def records_of(self, response: requests.Response) -> list[dict[str, t.Any]]:
        payload = self.payload(response)
        body = unwrap(payload)
        if isinstance(body, dict):
            return [body] if body else []
        if isinstance(body, list) and all(isinstance(item, dict) for item in body):
            return body
        msg = (
            f"{self.endpoint_of(response)} answered {describe_shape(payload)}; expected an object "
            "or a list of objects, bare or under data"
        )
        raise APIError(msg)


class CampaignWebhooksStream(CampaignChildStream):
    """``GET /campaigns/{campaign_id}/webhooks``: a bare array live; ``{success, data}`` in the
    docs; one webhook as an object in the OpenAPI file (one row). URL secrets are masked."""

    name = "campaign_webhooks"
    path = "/campaigns/{campaign_id}/webhooks"
    primary_keys = ("campaign_id", "id")
    deferred = True
    records_keys: t.ClassVar[tuple[str, ...]] = ("webhooks", "data")

    @override
    def records_of(self, response: requests.Response) -> list[dict[str, t.Any]]:
        body = unwrap(self.payload(response))
        if isinstance(body, dict) and not any(isinstance(body.get(key), list) for key in self.records_keys):
            return [body] if body else []
        return records_in(body, self.endpoint_of(response), keys=self.records_keys)

    @override
    def post_process(self, row: dict[str, t.Any], context: Context | None = None) -> dict[str, t.Any] | None:
        url = row.get("webhook_url")
        if isinstance(url, str):
            row["webhook_url"] = masked_url(url)
        return super().post_process(row, context)
