"""tap-lemlist: the lemlist API as Singer streams."""

from __future__ import annotations

from singer_sdk import typing as th

from tap_core import EngagementTap
from tap_core.settings import common_settings
from tap_lemlist.streams import STREAM_TYPES

# lemlist: 20 requests per 2 seconds per key, all routes together.
RATE_LIMIT_PER_SECOND = 10
RATE_PERIOD_SECONDS = 2.0


class TapLemlist(EngagementTap):
    """Singer tap for lemlist."""

    name = "tap-lemlist"
    vendor = "lemlist"
    rate_period_seconds = RATE_PERIOD_SECONDS
    stream_types = STREAM_TYPES

    config_jsonschema = th.PropertiesList(
        *common_settings(vendor="lemlist", api_url="https://api.lemlist.com/api", max_rate=RATE_LIMIT_PER_SECOND),
        th.Property(
            "types",
            th.ArrayType(th.StringType),
            title="Activity types",
            description="Only sync activities of these types (e.g. emailsReplied). Default: all.",
        ),
        th.Property(
            "campaign_ids",
            th.ArrayType(th.StringType),
            title="Campaign ids",
            description="Only sync activities of these campaigns (cam_...). Default: all.",
        ),
    ).to_dict()


if __name__ == "__main__":
    TapLemlist.cli()
