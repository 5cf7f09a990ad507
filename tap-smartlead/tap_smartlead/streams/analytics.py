"""Workspace-wide analytics, one row per day, incremental by date."""

from __future__ import annotations

import datetime
import typing as t

from tap_core.dates import days_before, parse_iso
from tap_core.errors import APIError
from tap_core.paging import DayChunkPager, chunk_end
from tap_smartlead.client import SmartleadStream

if t.TYPE_CHECKING:
    import requests
    from singer_sdk.helpers.types import Context

# Before Smartlead's API existed: the first day asked for when no start_date is set.
EARLIEST_DAY = datetime.date(2021, 1, 1)
# Days per request: long ranges are refused or slow; 90 keeps a first sync to a few requests.
DAYS_PER_REQUEST = 90


class DayWiseStatsStream(SmartleadStream):
    """``GET /analytics/day-wise-overall-stats``: sends, opens, replies per day (event date).

    Recent days still change as replies come in, so each run re-reads ``lookback_days``.
    """

    name = "day_wise_stats"
    path = "/analytics/day-wise-overall-stats"
    primary_keys = ("date",)
    replication_key = "date"
    # Days come back in order, so progress is checkpointed as it goes; but the lookback starts
    # each run before the old bookmark on purpose, so the SDK must not call that unsorted.
    is_sorted = True
    check_sorted = False

    def first_day(self, context: Context | None) -> datetime.date:
        start = self.get_starting_replication_key_value(context)
        if not start:
            return EARLIEST_DAY
        if start == self.config.get("start_date"):
            return parse_iso(str(start)).date()
        return days_before(str(start), float(self.config.get("lookback_days", 0))).date()

    def get_new_paginator(self) -> DayChunkPager:
        last = self._tap.sync_started_at.date()
        return DayChunkPager(min(self.first_day(self.context), last), last, DAYS_PER_REQUEST)

    def get_url_params(self, context: Context | None, next_page_token: t.Any | None) -> dict[str, t.Any]:  # noqa: ARG002
        first = str(next_page_token)
        end = chunk_end(first, self._tap.sync_started_at.date(), DAYS_PER_REQUEST)
        params: dict[str, t.Any] = {"start_date": first, "end_date": end.isoformat()}
        client = self.client_id()
        return params if client is None else params | {"client_ids": client}

    def records_of(self, response: requests.Response) -> list[dict[str, t.Any]]:
        payload = self.payload(response)
        data = payload.get("data") if isinstance(payload, dict) else None
        days = data.get("day_wise_stats") if isinstance(data, dict) else None
        if not isinstance(days, list) or not all(isinstance(day, dict) for day in days):
            msg = f"{self.endpoint_of(response)} answered no day_wise_stats list under data"
            raise APIError(msg)
        # Metrics come flat or nested under email_engagement_metrics; rows are flat.
        return [{**(day.pop("email_engagement_metrics", None) or {}), **day} for day in days]
