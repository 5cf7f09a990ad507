"""All leads' activities: one row per lead and campaign, incremental by event-time window."""

from __future__ import annotations

import datetime
import typing as t
from functools import cached_property

from tap_core.dates import UTC, days_before, iso_ms, parse_iso
from tap_core.paging import OffsetPager
from tap_core.windows import WindowedStream
from tap_smartlead.client import SmartleadStream

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    import requests
    from singer_sdk.helpers.types import Context
    from singer_sdk.pagination import BaseAPIPaginator

# The endpoint's ceiling: fewer, larger pages.
ACTIVITIES_PAGE_SIZE = 1000
# The lower end of a first window that takes everything before a date.
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=UTC)


class LeadActivitiesStream(WindowedStream, SmartleadStream):
    """``GET /campaigns/all-leads-activities``: leads with an event in each window, oldest first.

    Rows carry no event time of their own, so each row gets ``event_time_to``, the end of the
    window it was read in, and that is the bookmark. A lead that has a new event (an open, a
    reply) reappears in a later window with its updated counters and upserts on its key, so
    the newest read of a lead is the last one written.
    """

    name = "lead_activities"
    path = "/campaigns/all-leads-activities"
    primary_keys = ("email_lead_map_id",)
    replication_key = "event_time_to"
    bookmark_is_window_end = True
    page_size = ACTIVITIES_PAGE_SIZE

    def get_new_paginator(self) -> BaseAPIPaginator[t.Any]:
        return OffsetPager(self.records_of, self.page_size, more_flag=self.has_more_flag)

    def has_more_flag(self, response: requests.Response) -> bool | None:
        payload = self.payload(response)
        flag = payload.get("hasMore") if isinstance(payload, dict) else None
        return flag if isinstance(flag, bool) else None

    def window_origin(self, context: Context | None) -> datetime.datetime | None:
        bookmark = self.get_starting_replication_key_value(context)
        if not bookmark:
            return None
        if bookmark == self.config.get("start_date") or self.resuming(context):
            return parse_iso(str(bookmark))
        return days_before(str(bookmark), float(self.config.get("lookback_days", 0)))

    def history_start(self) -> datetime.datetime | None:
        """The oldest campaign's creation: leads have no events before their campaign."""
        created = []
        for campaign in self.campaign_listing:
            try:
                created.append(parse_iso(str(campaign["created_at"])))
            except (KeyError, ValueError):
                continue
        return min(created, default=None)

    def get_url_params(self, context: Context | None, next_page_token: t.Any | None) -> dict[str, t.Any]:  # noqa: ARG002
        params: dict[str, t.Any] = {"offset": next_page_token or 0, "limit": self.page_size}
        low, high = self.window
        if low is not None or high < self._tap.sync_started_at:
            # event_time_to is only accepted together with event_time_from.
            params |= {"event_time_from": iso_ms(low or EPOCH), "event_time_to": iso_ms(high)}
        return params

    @cached_property
    def campaign_listing(self) -> list[dict[str, t.Any]]:
        # The list only: get_records would also start the campaigns' child requests.
        listing = t.cast("SmartleadStream", self._tap.streams["campaigns"])
        return list(listing.request_records(None))

    @cached_property
    def client_campaign_ids(self) -> set[int] | None:
        """With ``client_id`` set, the campaigns of that client (this endpoint spans all)."""
        if self.client_id() is None:
            return None
        return {int(c["id"]) for c in self.campaign_listing if c.get("id") is not None}

    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        wanted = self.client_campaign_ids
        for row in super().get_records(context):
            if wanted is None or row.get("campaign_id") in wanted:
                yield row

    def post_process(self, row: dict[str, t.Any], context: Context | None = None) -> dict[str, t.Any]:  # noqa: ARG002
        row["event_time_to"] = iso_ms(self.window[1])
        return row
