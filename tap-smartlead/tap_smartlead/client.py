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

from tap_core import EngagementStream
from tap_core.paging import OffsetPager
from tap_core.records import StreamSchemas
from tap_core.rest import body_excerpt, retry_after_seconds

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context
    from singer_sdk.pagination import BaseAPIPaginator

SCHEMAS = resources.files("tap_smartlead") / "schemas"
_QUOTED_NAME = re.compile(r'"([A-Za-z_][A-Za-z0-9_]*)"')


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
    #: "offset" (offset/limit, short page ends) or None.
    paging: t.ClassVar[str | None] = None
    page_size: t.ClassVar[int] = 100

    @cached_property
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

    def get_new_paginator(self) -> BaseAPIPaginator[t.Any] | None:
        if self.paging == "offset":
            return OffsetPager(self.records_of, self.page_size)
        return None

    def get_url_params(self, context: Context | None, next_page_token: t.Any | None) -> dict[str, t.Any]:  # noqa: ARG002
        if self.paging == "offset":
            return {"offset": next_page_token or 0, "limit": self.page_size}
        return {}

    def client_id(self) -> int | None:
        value = self.config.get("client_id")
        return int(value) if value not in (None, "") else None
