"""All leads' activities: one row per lead and campaign, incremental by event-time window."""

from __future__ import annotations

import datetime
import typing as t
from functools import cached_property

from typing_extensions import override

from tap_core.changes import ChangeFeed
from tap_core.dates import UTC, days_before, iso_ms, parse_iso
from tap_core.paging import OffsetPager
from tap_smartlead.client import SmartleadStream, ids_as_text
from tap_smartlead.streams.campaigns import CampaignsStream

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    import requests
    from singer_sdk.helpers.types import Context
    from singer_sdk.pagination import BaseAPIPaginator

    from tap_core.rest import EngagementStream

# The endpoint's ceiling: fewer, larger pages.
ACTIVITIES_PAGE_SIZE = 1000
# The lower end of a first window that takes everything before a date.
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=UTC)


def reply_mark(row: dict[str, t.Any]) -> str | None:
    """What a lead's replies look like in its activities row: their count and the newest reply's
    time, or None when it has none. A new reply changes it; a new open or click does not.

    A reply shows as ``reply_details`` on the email it answers, and later ones in that email's
    ``thread_replies`` (the docs leave their shape open: each counts, a ``time`` is read if any).
    """
    count, newest = 0, ""
    activities = row.get("activities")
    for activity in activities if isinstance(activities, list) else ():
        if not isinstance(activity, dict):
            continue
        thread = activity.get("thread_replies")
        replies = [activity.get("reply_details"), *(thread if isinstance(thread, list) else ())]
        for reply in replies:
            if reply:
                count += 1
                when = reply.get("time") if isinstance(reply, dict) else None
                newest = max(newest, when if isinstance(when, str) else "")
    return f"{count}@{newest}" if count else None


class LeadActivitiesStream(ChangeFeed, SmartleadStream):
    """``GET /campaigns/all-leads-activities``: leads with an event in each window, oldest first.

    Rows carry no event time of their own, so each row gets ``event_time_to``, the end of the
    window it was read in, and that is the bookmark. A lead that has a new event (an open, a
    reply) reappears in a later window with its updated counters and upserts on its key, so
    the newest read of a lead is the last one written.

    Rows come as ``{data, hasMore}`` (docs and live), ``{data, pagination: {has_more}}``, ``{total,
    data}`` or a bare array. Leads that show a reply are the parents of ``lead_message_history``.
    Each row names its campaign: the campaigns' children are read again only for campaigns
    whose leads show something new.
    """

    name = "lead_activities"
    path = "/campaigns/all-leads-activities"
    primary_keys = ("email_lead_map_id",)
    replication_key = "event_time_to"
    bookmark_is_window_end = True
    page_size = ACTIVITIES_PAGE_SIZE
    parent_field = "campaign_id"
    parent_type = CampaignsStream
    reads_from: t.ClassVar[dict[str, type[EngagementStream]]] = {"campaigns_stream": CampaignsStream}
    campaigns_stream: CampaignsStream
    # Smartlead counts this route on its own, 10 requests a minute (docs/evidence/smartlead.md).
    route_limit = ("activities_requests_per_minute", 60.0)

    @override
    def get_new_paginator(self) -> BaseAPIPaginator[t.Any]:
        return OffsetPager(self.records_of, self.page_size, more_flag=self.has_more_flag)

    def has_more_flag(self, response: requests.Response) -> bool | None:
        payload = self.payload(response)
        if not isinstance(payload, dict):
            return None
        pagination = payload.get("pagination")
        flag = payload.get("hasMore", pagination.get("has_more") if isinstance(pagination, dict) else None)
        return flag if isinstance(flag, bool) else None

    def window_origin(self, context: Context | None) -> datetime.datetime | None:
        bookmark = self.get_starting_replication_key_value(context)
        if not bookmark:
            return None
        if bookmark == self.config.get("start_date") or self.resuming(context):
            return parse_iso(str(bookmark))
        return days_before(str(bookmark), float(self.config.get("lookback_days", 0)))

    @override
    def overlap_start(self, bookmark: datetime.datetime) -> datetime.datetime:
        return bookmark - datetime.timedelta(days=float(self.config.get("lookback_days", 0)))

    def history_start(self) -> datetime.datetime | None:
        """The oldest campaign's creation: leads have no events before their campaign."""
        created = []
        for campaign in self.campaign_listing:
            try:
                created.append(parse_iso(str(campaign["created_at"])))
            except (KeyError, ValueError):
                continue
        return min(created, default=None)

    @override
    def get_url_params(self, context: Context | None, next_page_token: t.Any | None) -> dict[str, t.Any]:
        params: dict[str, t.Any] = {"offset": next_page_token or 0, "limit": self.page_size}
        low, high = self.window_of(context)
        if low is not None or high < self.run.started_at:
            # event_time_to is only accepted together with event_time_from.
            params |= {"event_time_from": iso_ms(low or EPOCH), "event_time_to": iso_ms(high)}
        return params

    @cached_property
    def campaign_listing(self) -> list[dict[str, t.Any]]:
        # The list only: get_records would also start the campaigns' child requests.
        return list(self.campaigns_stream.request_records(None))

    @cached_property
    def client_campaign_ids(self) -> set[int] | None:
        """With ``client_id`` set, the campaigns of that client (this endpoint spans all)."""
        if self.client_id() is None:
            return None
        return {int(c["id"]) for c in self.campaign_listing if c.get("id") is not None}

    def wanted(self, row: dict[str, t.Any]) -> bool:
        campaigns = self.client_campaign_ids
        return campaigns is None or row.get("campaign_id") in campaigns

    @override
    def post_process(self, row: dict[str, t.Any], context: Context | None = None) -> dict[str, t.Any] | None:
        # Another client's campaign: not a row of this sync (None drops it, and its children).
        return row if self.wanted(row) else None

    @override
    def parse_response(self, response: requests.Response) -> Iterable[dict[str, t.Any]]:
        rows = list(super().parse_response(response))
        for row in rows:
            # A number in the docs' example of this route, a UUID on every other route.
            activities = row.get("activities")
            for activity in activities if isinstance(activities, list) else ():
                if isinstance(activity, dict):
                    ids_as_text(activity, ("stats_id",))
        return rows

    @override
    def get_child_context(self, record: dict[str, t.Any], context: Context | None) -> dict[str, t.Any] | None:
        """The lead's message history is read only when the row shows a reply (None otherwise).

        ``reply_mark`` and ``window_end`` let the child skip a lead whose replies it has read
        already, in this run or within the lookback of the last one.
        """
        mark = reply_mark(record)
        ids = {name: record.get(name) for name in ("campaign_id", "lead_id", "email_lead_map_id")}
        if mark is None or None in ids.values() or not self.wanted(record):
            return None
        return {
            **ids,
            "reply_mark": mark,
            "window_end": record.get(self.replication_key),
        }
