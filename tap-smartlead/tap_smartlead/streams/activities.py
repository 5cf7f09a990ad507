"""All leads' activities: one row per lead and campaign, incremental by event-time window."""

from __future__ import annotations

import typing as t
from functools import cached_property

from tap_core.dates import days_before, iso_ms, parse_iso
from tap_core.paging import OffsetPager
from tap_smartlead.client import SmartleadStream

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    import requests
    from singer_sdk.helpers.types import Context
    from singer_sdk.pagination import BaseAPIPaginator

# The endpoint's ceiling: fewer, larger pages.
ACTIVITIES_PAGE_SIZE = 1000


class LeadActivitiesStream(SmartleadStream):
    """``GET /campaigns/all-leads-activities`` for events in [bookmark - lookback, sync start].

    Rows carry no event time of their own, so each row gets ``event_time_to``, the end of the
    window it was read in, and that is the bookmark. A lead that has a new event (an open, a
    reply) reappears in a later window with its updated counters and upserts on its key.
    """

    name = "lead_activities"
    path = "/campaigns/all-leads-activities"
    primary_keys = ("email_lead_map_id",)
    replication_key = "event_time_to"
    # One window per run, every row stamped with its end: the bookmark never goes back.
    is_sorted = True
    page_size = ACTIVITIES_PAGE_SIZE

    def get_new_paginator(self) -> BaseAPIPaginator[t.Any]:
        return OffsetPager(self.records_of, self.page_size, more_flag=self.has_more_flag)

    def has_more_flag(self, response: requests.Response) -> bool | None:
        payload = self.payload(response)
        flag = payload.get("hasMore") if isinstance(payload, dict) else None
        return flag if isinstance(flag, bool) else None

    def window_start(self, context: Context | None) -> str | None:
        bookmark = self.get_starting_replication_key_value(context)
        if not bookmark:
            return None
        if bookmark == self.config.get("start_date"):
            return iso_ms(parse_iso(str(bookmark)))
        return iso_ms(days_before(str(bookmark), float(self.config.get("lookback_days", 0))))

    def get_url_params(self, context: Context | None, next_page_token: t.Any | None) -> dict[str, t.Any]:
        params: dict[str, t.Any] = {"offset": next_page_token or 0, "limit": self.page_size}
        start = self.window_start(context)
        if start:
            # event_time_to is only accepted together with event_time_from.
            params |= {"event_time_from": start, "event_time_to": self.window_end}
        return params

    @cached_property
    def client_campaign_ids(self) -> set[int] | None:
        """With ``client_id`` set, the campaigns of that client (this endpoint spans all)."""
        if self.client_id() is None:
            return None
        # The list only: get_records would also start the campaigns' child requests.
        listing = t.cast("SmartleadStream", self._tap.streams["campaigns"])
        campaigns = listing.request_records(None)
        return {int(c["id"]) for c in campaigns if c.get("id") is not None}

    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        wanted = self.client_campaign_ids
        for row in super().get_records(context):
            if wanted is None or row.get("campaign_id") in wanted:
                yield row

    def post_process(self, row: dict[str, t.Any], context: Context | None = None) -> dict[str, t.Any]:  # noqa: ARG002
        row["event_time_to"] = self.window_end
        return row
