"""A plain SDK tap for lemlist activities, as the SDK's cookiecutter template makes it.

The yardstick for tap-lemlist's CPU per record: sequential requests, the SDK's default
paginator, JSONPath extraction, recursive type conformance, simplejson and a flush per message.
"""

from __future__ import annotations

import json
import typing as t
from importlib import resources

from singer_sdk import RESTStream, Tap
from singer_sdk import typing as th
from singer_sdk.authenticators import BasicAuthenticator
from singer_sdk.pagination import OffsetPaginator

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context


class ActivitiesStream(RESTStream[int]):
    name = "activities"
    path = "/activities"
    primary_keys = ("_id",)
    replication_key = "createdAt"
    records_jsonpath = "$[*]"
    schema = json.loads(resources.files("tap_lemlist").joinpath("schemas", "activities.json").read_text())

    @property
    def url_base(self) -> str:
        return str(self.config["api_url"])

    @property
    def authenticator(self) -> BasicAuthenticator:
        return BasicAuthenticator(username="", password=str(self.config["api_key"]))

    def get_new_paginator(self) -> OffsetPaginator:
        return OffsetPaginator(start_value=0, page_size=100)

    def get_url_params(self, context: Context | None, next_page_token: int | None) -> dict[str, t.Any]:  # noqa: ARG002
        return {"version": "v2", "limit": 100, "offset": next_page_token or 0}


class TapBaseline(Tap):
    name = "tap-baseline"
    config_jsonschema = th.PropertiesList(
        th.Property("api_key", th.StringType, required=True, secret=True),
        th.Property("api_url", th.StringType, required=True),
    ).to_dict()

    def discover_streams(self) -> list[ActivitiesStream]:
        return [ActivitiesStream(tap=self)]


if __name__ == "__main__":
    TapBaseline.cli()
