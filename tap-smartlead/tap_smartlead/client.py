"""The base stream of tap-smartlead: the key as a query parameter, kept out of every output."""

from __future__ import annotations

import json
import re
import time
import typing as t
from functools import cached_property
from http import HTTPStatus
from importlib import resources
from urllib.parse import parse_qs, urlsplit

import requests
from singer_sdk import StreamSchema
from typing_extensions import override

from tap_core import EngagementStream
from tap_core.http import body_excerpt, retry_after_seconds
from tap_core.paging import OffsetPager, records_in
from tap_core.records import StreamSchemas

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from singer_sdk.helpers.types import Context
    from singer_sdk.pagination import BaseAPIPaginator

SCHEMAS = resources.files("tap_smartlead") / "schemas"
_QUOTED_NAME = re.compile(r'"([A-Za-z_][A-Za-z0-9_]*)"')
# The keys of Smartlead's envelopes around one object or list: {ok|success, message, data}.
ENVELOPE_KEYS = frozenset({"ok", "success", "message", "data"})


def is_placeholder(payload: object) -> bool:
    """``{success: true, data: {}}``: what older versions of Smartlead's docs print for many routes
    (and what an empty answer looks like there). No rows, rather than an unknown shape."""
    return (
        isinstance(payload, dict)
        and payload.get("data") == {}
        and (payload.get("ok") is True or payload.get("success") is True)
    )


def unwrap(payload: object) -> object:
    """What an ``{ok|success, message, data}`` envelope holds; any other payload as it is."""
    if isinstance(payload, dict) and "data" in payload and payload.keys() <= ENVELOPE_KEYS:
        return payload["data"]
    return payload


def ids_as_text(row: dict[str, t.Any], names: Iterable[str]) -> dict[str, t.Any]:
    """Ids that Smartlead sends as numbers on one route or version and as text on another are
    text in the schema; a number becomes that text here, without the schema-drift warning."""
    for name in names:
        value = row.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            row[name] = str(value)
    return row


class QueryKeyAuth(requests.auth.AuthBase):
    """Smartlead's only auth: ``api_key`` in the query string, added once at send time."""

    def __init__(self, api_key: str) -> None:
        self._api_key = api_key

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        # The SDK applies the authenticator twice (session and request); add the key once.
        if "api_key" not in parse_qs(urlsplit(str(request.url)).query):
            request.prepare_url(request.url, {"api_key": self._api_key})
        return request

    def __repr__(self) -> str:
        return "QueryKeyAuth(api_key=***)"


class SmartleadStream(EngagementStream):
    """A Smartlead endpoint. Subclasses set ``path`` and, for lists, ``paging``."""

    schema = StreamSchema(StreamSchemas(SCHEMAS))
    # 403 is "Access denied": the plan has no API access at all, not one gated route.
    auth_statuses = frozenset({HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN})
    records_keys: t.ClassVar[tuple[str, ...]] = ("data",)
    #: Other envelope keys that may hold the total, where routes were documented more than once.
    other_total_keys: t.ClassVar[tuple[str, ...]] = ()
    #: Top-level fields the schema has as text that may arrive as numbers (see ``ids_as_text``).
    text_fields: t.ClassVar[tuple[str, ...]] = ()
    #: "offset" (offset/limit, short page ends) or None.
    paging: t.ClassVar[str | None] = None
    page_size: t.ClassVar[int] = 100

    @cached_property
    @override
    def authenticator(self) -> QueryKeyAuth:
        return QueryKeyAuth(str(self.config["api_key"]))

    def auth_failure_message(self, endpoint: str, status: int) -> str:
        if status == HTTPStatus.FORBIDDEN:
            return (
                f"Smartlead denied access ({status} on {endpoint}): this account's plan has no API access. "
                "Use the key of a plan with API access."
            )
        return super().auth_failure_message(endpoint, status)

    def client_error_message(self, endpoint: str, response: requests.Response) -> str:
        """A 422 names the parameter Smartlead refused."""
        if response.status_code != HTTPStatus.UNPROCESSABLE_ENTITY:
            return super().client_error_message(endpoint, response)
        try:
            body = response.json()
        except ValueError:
            body = {}
        details = body.get("details") if isinstance(body, dict) else None
        name = None
        if isinstance(details, list) and details and isinstance(details[0], dict):
            path = details[0].get("path") or [details[0].get("param") or details[0].get("field")]
            name = str(path[0]) if path and path[0] else None
        message = str(body.get("message", "")) if isinstance(body, dict) else ""
        if name is None and (quoted := _QUOTED_NAME.search(message)):
            name = quoted.group(1)
        parameter = f"parameter '{name}'" if name else "a parameter"
        return f"{endpoint} refused {parameter} (422): {message or body_excerpt(response)}"

    def server_wait(self, response: requests.Response) -> float | None:
        """``Retry-After``, else the 429 body's ``retry_after``, else ``x-ratelimit-reset``."""
        wait = retry_after_seconds(response)
        if wait is not None:
            return wait
        try:
            error = json.loads(response.content or b"{}").get("error")
        except (ValueError, AttributeError):
            error = None
        if isinstance(error, dict) and isinstance(error.get("retry_after"), (int, float)):
            return float(error["retry_after"])
        reset = response.headers.get("x-ratelimit-reset", "")
        if reset.strip().isdigit():
            return max(0.0, int(reset) - time.time())
        return None

    @override
    def records_of(self, response: requests.Response) -> list[dict[str, t.Any]]:
        payload = self.payload(response)
        if is_placeholder(payload):
            return []
        return records_in(payload, self.endpoint_of(response), keys=self.records_keys, single_object=self.single_object)

    @override
    def parse_response(self, response: requests.Response) -> Iterable[dict[str, t.Any]]:
        records = super().parse_response(response)
        if not self.text_fields:
            return records
        return [ids_as_text(record, self.text_fields) for record in records]

    @override
    def total_of(self, response: requests.Response) -> int | None:
        total = super().total_of(response)
        payload = self.payload(response)
        if total is not None or not isinstance(payload, dict):
            return total
        for key in self.other_total_keys:
            value = payload.get(key)
            if isinstance(value, (int, str)) and str(value).strip().isdigit():
                return int(value)
        return None

    @override
    def get_new_paginator(self) -> BaseAPIPaginator[t.Any] | None:
        if self.paging == "offset":
            return OffsetPager(self.records_of, self.page_size)
        return None

    @override
    def get_url_params(self, context: Context | None, next_page_token: t.Any | None) -> dict[str, t.Any]:
        if self.paging == "offset":
            return {"offset": next_page_token or 0, "limit": self.page_size}
        return {}

    def client_id(self) -> int | None:
        value = self.config.get("client_id")
        return int(value) if value not in (None, "") else None
