"""Date formats the vendors accept, and windows of days."""

from __future__ import annotations

import datetime

UTC = datetime.timezone.utc


def iso_ms(stamp: datetime.datetime) -> str:
    """``2026-01-31T12:00:00.123Z``: ISO 8601 in UTC with milliseconds, as both APIs write it."""
    stamp = stamp.astimezone(UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


def parse_iso(value: str) -> datetime.datetime:
    """An ISO 8601 date or date-time as an aware UTC datetime (naive means UTC)."""
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    parsed = datetime.datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def days_before(value: str, days: float) -> datetime.datetime:
    """``value`` (ISO 8601) moved back by ``days``: a lookback for counters that change late."""
    return parse_iso(value) - datetime.timedelta(days=days)
