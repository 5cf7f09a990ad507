"""Activities: every campaign event and step, incremental on ``createdAt``."""

from __future__ import annotations

import itertools
import typing as t

from tap_lemlist.client import LemlistStream

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from singer_sdk.helpers.types import Context


class ActivitiesStream(LemlistStream):
    """``GET /activities?version=v2``, newest first, filtered server-side by date.

    Offset paging over a newest-first list shifts when activities arrive mid-sync, so the
    window's upper end (``maxDate``) is pinned to the sync's start; the lower end is the
    bookmark, inclusive, so the boundary activity is re-read and upserted rather than lost.
    """

    name = "activities"
    path = "/activities"
    primary_keys = ("_id",)
    replication_key = "createdAt"
    paging = "offset"
    versioned = True

    @property
    def partitions(self) -> list[dict[str, t.Any]] | None:
        """One partition per configured campaign and type: the API filters one of each."""
        campaign_ids = self.config.get("campaign_ids") or [None]
        types = self.config.get("types") or [None]
        if campaign_ids == [None] and types == [None]:
            return None
        return [
            {key: value for key, value in (("campaignId", campaign), ("type", kind)) if value}
            for campaign, kind in itertools.product(campaign_ids, types)
        ]

    def window_start(self, context: Context | None) -> str | None:
        start = self.get_starting_replication_key_value(context)
        return str(start) if start else None

    def get_url_params(self, context: Context | None, next_page_token: t.Any | None) -> dict[str, t.Any]:
        params = super().get_url_params(context, next_page_token)
        params["maxDate"] = self.window_end
        start = self.window_start(context)
        if start:
            params["minDate"] = start
        return params | dict(context or {})

    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        start = self.window_start(context)
        if start and start >= self.window_end:
            # lemlist requires maxDate > minDate; an empty window needs no request.
            return
        yield from super().get_records(context)
