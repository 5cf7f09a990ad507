"""Activities: every campaign event and step, incremental on ``createdAt``."""

from __future__ import annotations

import itertools
import typing as t

from typing_extensions import override

from tap_core.changes import ChangeFeed
from tap_core.dates import iso_ms, parse_iso
from tap_core.errors import PlanGatedError
from tap_lemlist.client import LemlistStream
from tap_lemlist.streams.campaigns import CampaignsStream
from tap_lemlist.streams.team import TeamStream

# The API's filters a partition of activities sets: one campaign, one type.
PARTITION_KEYS = ("campaignId", "type")

if t.TYPE_CHECKING:
    import datetime

    from singer_sdk.helpers.types import Context

    from tap_core.rest import EngagementStream


class ActivitiesStream(ChangeFeed, LemlistStream):
    """``GET /activities?version=v2``, newest first, filtered server-side by date.

    Read in windows of ``createdAt``, oldest first, each bounded by ``minDate``/``maxDate``
    (both inclusive) and checkpointed once complete. Offset paging over a newest-first list
    shifts when activities arrive mid-sync, so no window reaches past the sync's start; the
    boundary activity is read twice and upserted rather than lost. Each activity names its
    campaign: the campaigns' children are read again only for campaigns with new activities.
    """

    name = "activities"
    path = "/activities"
    primary_keys = ("_id",)
    replication_key = "createdAt"
    paging = "offset"
    versioned = True
    parent_field = "campaignId"
    parent_type = CampaignsStream
    reads_from: t.ClassVar[dict[str, type[EngagementStream]]] = {"team_stream": TeamStream}
    team_stream: TeamStream

    @property
    @override
    def partitions(self) -> list[dict[str, t.Any]] | None:
        """One partition per configured campaign and type: the API filters one of each."""
        campaign_ids = self.config.get("campaign_ids") or [None]
        types = self.config.get("types") or [None]
        if campaign_ids == [None] and types == [None]:
            return None
        return [
            {key: value for key, value in zip(PARTITION_KEYS, (campaign, kind), strict=True) if value}
            for campaign, kind in itertools.product(campaign_ids, types)
        ]

    def window_origin(self, context: Context | None) -> datetime.datetime | None:
        start = self.get_starting_replication_key_value(context)
        return parse_iso(str(start)) if start else None

    def history_start(self) -> datetime.datetime | None:
        """The team's creation: no activity is older."""
        try:
            team = next(iter(self.team_stream.request_records(None)), None)
        except PlanGatedError:
            return None
        created = team.get("createdAt") if team else None
        try:
            return parse_iso(created) if isinstance(created, str) else None
        except ValueError:
            return None

    @override
    def post_process(self, row: dict[str, t.Any], context: Context | None = None) -> dict[str, t.Any] | None:
        recording = row.get("recording")
        if isinstance(recording, str):
            # A call's recording is a URL on some rows and an object on others (live captures):
            # one JSON column holds both, the URL as {"url": ...}, which every loader accepts.
            row["recording"] = {"url": recording}
        return super().post_process(row, context)

    @override
    def get_url_params(self, context: Context | None, next_page_token: t.Any | None) -> dict[str, t.Any]:
        params = super().get_url_params(context, next_page_token)
        low, high = self.window_of(context)
        params["maxDate"] = iso_ms(high)
        if low is not None:
            params["minDate"] = iso_ms(low)
        return params | {key: value for key, value in (context or {}).items() if key in PARTITION_KEYS}
