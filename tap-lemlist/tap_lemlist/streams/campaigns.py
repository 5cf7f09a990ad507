"""Campaigns and what hangs off each: stats, sequence steps, leads."""

from __future__ import annotations

import typing as t

from typing_extensions import override

from tap_core import PerParentStream
from tap_core.batches import BatchedChildStream
from tap_core.dates import parse_iso
from tap_core.errors import APIError
from tap_lemlist.client import LemlistStream

if t.TYPE_CHECKING:
    import requests
    from singer_sdk.helpers.types import Context

# Before lemlist existed: the widest stats window when no start_date is set.
EARLIEST_STATS_DATE = "2015-01-01T00:00:00.000Z"


class CampaignsStream(LemlistStream):
    """``GET /campaigns?version=v2``, oldest first.

    The spec shows a bare array; v2 is seen answering ``{campaigns, pagination}``. Some
    accounts report ``offset`` ignored on this route: a page of already-seen ids ends paging.
    """

    name = "campaigns"
    path = "/campaigns"
    primary_keys = ("_id",)
    paging = "offset"
    versioned = True
    records_keys = ("campaigns", "data")
    repeat_key = "_id"
    fixed_params = {"sortBy": "createdAt", "sortOrder": "asc"}  # noqa: RUF012

    @override
    def get_child_context(self, record: dict[str, t.Any], context: Context | None) -> dict[str, t.Any]:
        return {"campaignId": record["_id"], "campaignCreatedAt": record.get("createdAt")}


class CampaignChildStream(PerParentStream, LemlistStream):
    """A per-campaign endpoint; rows get ``campaignId``."""

    parent_stream_type = CampaignsStream
    parent_key = "campaignId"


class CampaignStatsStream(BatchedChildStream, CampaignChildStream):
    """``POST /v2/campaigns/stats/batch``, 100 campaigns a request, over each campaign's whole
    life so far; ``GET /v2/campaigns/{campaignId}/stats`` for a campaign the batch leaves out."""

    name = "campaign_stats"
    path = "/v2/campaigns/{campaignId}/stats"
    batch_path = "/v2/campaigns/stats/batch"
    primary_keys = ("campaignId",)
    single_object = True

    def period(self, context: Context | None) -> dict[str, str]:
        """The period the counters cover: from start_date (or the campaign's creation) to now."""
        start = self.config.get("start_date") or (context or {}).get("campaignCreatedAt")
        return {"startDate": start or EARLIEST_STATS_DATE, "endDate": self.window_end}

    @override
    def batch_body(self, parents: list[Context]) -> dict[str, t.Any]:
        # One period for all: from the earliest start, which counts for each campaign what its
        # own period does, since nothing happens in a campaign before it exists.
        starts = [self.period(parent)["startDate"] for parent in parents]
        try:
            start = min(starts, key=parse_iso)
        except ValueError:  # a creation date lemlist wrote otherwise: the widest period
            start = EARLIEST_STATS_DATE
        ids = [parent[self.parent_key] for parent in parents]
        return {"campaignIds": ids, "startDate": start, "endDate": self.window_end}

    @override
    def get_url_params(self, context: Context | None, next_page_token: t.Any | None) -> dict[str, t.Any]:
        return super().get_url_params(context, next_page_token) | self.period(context)

    @override
    def post_process(self, row: dict[str, t.Any], context: Context | None = None) -> dict[str, t.Any] | None:
        # The answer does not say which period it counts: the row keeps its campaign's.
        return super().post_process(row | self.period(self.parent_context(row, context)), context)


class SequencesStream(CampaignChildStream):
    """``GET /campaigns/{campaignId}/sequences``: one row per step of every sequence."""

    name = "sequences"
    path = "/campaigns/{campaignId}/sequences"
    primary_keys = ("_id",)

    def records_of(self, response: requests.Response) -> list[dict[str, t.Any]]:
        payload = self.payload(response)
        # An object keyed by sequence id; a list of sequences is accepted too.
        sequences = list(payload.values()) if isinstance(payload, dict) else payload
        if not isinstance(sequences, list):
            return super().records_of(response)
        steps: list[dict[str, t.Any]] = []
        for sequence in sequences:
            if not isinstance(sequence, dict) or not isinstance(sequence.get("steps"), list):
                msg = f"{self.endpoint_of(response)} answered a sequence without a steps list"
                raise APIError(msg)
            steps += [
                {**step, "sequenceId": step.get("sequenceId") or sequence.get("_id")}
                for step in sequence["steps"]
                if isinstance(step, dict)
            ]
        return steps


class CampaignLeadsStream(CampaignChildStream):
    """``GET /campaigns/{campaignId}/export/leads?state=all&format=json``: whole leads, the team's
    custom variables in ``variables``.

    The export is the only full lead list (``/campaigns/{id}/leads`` gives ids only). Its
    rows mix lemlist's fields with the team's custom variables; the latter are kept whole in
    ``variables`` so no column is dropped for being unknown.
    """

    name = "campaign_leads"
    path = "/campaigns/{campaignId}/export/leads"
    primary_keys = ("campaignId", "_id")
    fixed_params = {"state": "all", "format": "json"}  # noqa: RUF012

    @override
    def post_process(self, row: dict[str, t.Any], context: Context | None = None) -> dict[str, t.Any] | None:
        known = self.schema["properties"]
        lead = {name: value for name, value in row.items() if name in known}
        lead["variables"] = {name: value for name, value in row.items() if name not in known}
        return super().post_process(lead, context)
