"""Workspace-wide analytics, one row per day, incremental by date."""

from __future__ import annotations

import datetime
import re
import typing as t
from urllib.parse import parse_qs, urlsplit

from typing_extensions import override

from tap_core.dates import days_before, parse_iso
from tap_core.errors import APIError
from tap_core.paging import DayChunkPager, chunk_end, describe_shape
from tap_smartlead.client import SmartleadStream, is_placeholder

if t.TYPE_CHECKING:
    import requests
    from singer_sdk.helpers.types import Context

# Before Smartlead's API existed: the first day asked for when no start_date is set.
EARLIEST_DAY = datetime.date(2021, 1, 1)
# Days per request: production consumers of the route chunk at 30, citing the API's limit.
DAYS_PER_REQUEST = 30
# How far past the requested range's end a day may fall and still be of that year: the
# account's time zone (up to UTC+14) may already be in the next day.
ZONE_SLACK = datetime.timedelta(days=1)
MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
ISO_DAY = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ].*)?$")
# "20 Apr" (the live API), "20-Apr", "Apr 20".
DAY_MONTH = re.compile(r"^(\d{1,2})[ -]([A-Za-z]+)\.?$")
MONTH_DAY = re.compile(r"^([A-Za-z]+)\.? (\d{1,2})$")


def month_number(name: str) -> int | None:
    """1-12 for an English month's name or abbreviation ("Apr", "Sept", "April")."""
    lowered = name.lower()
    if len(lowered) < 3:  # noqa: PLR2004
        return None
    return next((n for n, full in enumerate(MONTH_NAMES, start=1) if full.startswith(lowered)), None)


def full_date(value: str, first: datetime.date | None, last: datetime.date | None) -> str:
    """A day of the answer as ``YYYY-MM-DD``.

    ISO dates (the docs) keep their date. A day without a year (``"20 Apr"``, live) takes the
    latest year that puts it on or before the end of the request's range (a day past it at most,
    for the account's time zone): a range across New Year gives December the first year and
    January the next, and a day the answer holds outside the range is never placed in the future.
    Raises ValueError for anything else.
    """
    text = value.strip()
    if iso := ISO_DAY.match(text):
        try:
            return datetime.date.fromisoformat(iso.group(1)).isoformat()
        except ValueError:
            raise ValueError(value) from None
    if parts := DAY_MONTH.match(text):
        day, month = int(parts.group(1)), month_number(parts.group(2))
    elif parts := MONTH_DAY.match(text):
        day, month = int(parts.group(2)), month_number(parts.group(1))
    else:
        raise ValueError(value)
    if month is None or first is None or last is None:
        raise ValueError(value)
    latest = last + ZONE_SLACK
    for year in range(latest.year, latest.year - 9, -1):
        try:
            placed = datetime.date(year, month, day)
        except ValueError:
            continue  # 29 Feb of a common year, 31 Apr
        if placed <= latest:
            return placed.isoformat()
    raise ValueError(value)


def request_range(response: requests.Response) -> tuple[datetime.date | None, datetime.date | None]:
    """The start_date and end_date a response answers, from its request."""
    query = parse_qs(urlsplit(str(response.request.url)).query)
    bounds: list[datetime.date | None] = []
    for name in ("start_date", "end_date"):
        try:
            bounds.append(datetime.date.fromisoformat(query[name][0]))
        except (KeyError, IndexError, ValueError):
            bounds.append(None)
    return bounds[0], bounds[1]


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

    @override
    def page_emitted(self, context: Context | None, response: requests.Response) -> None:
        """Every day up to this request's end is emitted: the bookmark moves there, so that a run
        the time box ends does not ask again for the empty months before the account's first send."""
        _, last = request_range(response)
        if last is None or context is not None:
            return
        state = self.stream_state
        if str(state.get("replication_key_value") or "") < last.isoformat():
            state.update(replication_key=self.replication_key, replication_key_value=last.isoformat())
            self.state_manager.is_flushed = False

    @override
    def get_new_paginator(self) -> DayChunkPager:
        last = self.run.started_at.date()
        return DayChunkPager(min(self.first_day(self.context), last), last, DAYS_PER_REQUEST)

    @override
    def get_url_params(self, context: Context | None, next_page_token: t.Any | None) -> dict[str, t.Any]:
        first = str(next_page_token)
        end = chunk_end(first, self.run.started_at.date(), DAYS_PER_REQUEST)
        params: dict[str, t.Any] = {"start_date": first, "end_date": end.isoformat()}
        client = self.client_id()
        return params if client is None else params | {"client_ids": client}

    @override
    def records_of(self, response: requests.Response) -> list[dict[str, t.Any]]:
        """Days under ``{ok|success, data: {day_wise_stats}}`` (live, current docs), ``{success, data:
        [...]}`` (older docs) or a bare array (OpenAPI); metrics flat or nested under
        ``email_engagement_metrics``; dates ISO or without a year. Rows are flat, dated YYYY-MM-DD."""
        payload = self.payload(response)
        if is_placeholder(payload):
            return []
        data = payload.get("data") if isinstance(payload, dict) else payload
        days = data.get("day_wise_stats") if isinstance(data, dict) else data
        if not isinstance(days, list) or not all(isinstance(day, dict) for day in days):
            msg = (
                f"{self.endpoint_of(response)} answered {describe_shape(payload)}; expected days in "
                "data.day_wise_stats, in data, or a list"
            )
            raise APIError(msg)
        first, last = request_range(response)
        rows = []
        for day in days:
            metrics = day.get("email_engagement_metrics")
            if isinstance(metrics, dict):
                del day["email_engagement_metrics"]
            row = {**(metrics if isinstance(metrics, dict) else {}), **day}
            date = row.get("date")
            if isinstance(date, str):
                try:
                    row["date"] = full_date(date, first, last)
                except ValueError:
                    endpoint = self.endpoint_of(response)
                    msg = f"{endpoint} answered a day dated {date[:40]!r}, which cannot be read as a date"
                    raise APIError(msg) from None
            rows.append(row)
        return rows
