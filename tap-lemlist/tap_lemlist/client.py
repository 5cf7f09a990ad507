"""The base stream of tap-lemlist: Basic auth, lemlist's plan gates and paging."""

from __future__ import annotations

import typing as t
from functools import cached_property
from http import HTTPStatus
from importlib import resources

from requests.auth import HTTPBasicAuth
from singer_sdk import StreamSchema
from typing_extensions import override

from tap_core import EngagementStream
from tap_core.paging import OffsetPager, page_pager
from tap_core.records import StreamSchemas

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context
    from singer_sdk.pagination import BaseAPIPaginator

SCHEMAS = resources.files("tap_lemlist") / "schemas"
# lemlist caps most list endpoints at 100 per page; contacts and companies at 500.
PAGE_SIZE = 100


class LemlistStream(EngagementStream):
    """A lemlist endpoint. Subclasses set ``path`` and, for lists, a paging style."""

    schema = StreamSchema(StreamSchemas(SCHEMAS))
    # 402: "available starting emailPro plan"; 403: the key's user may not use the route.
    gated_statuses = frozenset({HTTPStatus.PAYMENT_REQUIRED, HTTPStatus.FORBIDDEN})
    #: "offset" (offset/limit), "page0"/"page1" (page numbers from 0 or 1), or None.
    paging: t.ClassVar[str | None] = None
    #: Records per page; None where the route takes no page size (pages are the API's own size).
    page_size: t.ClassVar[int | None] = PAGE_SIZE
    #: Send ``version=v2``: endpoints that know versions still default to v1.
    versioned: t.ClassVar[bool] = False
    #: Extra fixed query parameters of the endpoint.
    fixed_params: t.ClassVar[dict[str, str]] = {}
    #: Record key whose repetition across pages means the endpoint ignored ``offset``.
    repeat_key: t.ClassVar[str | None] = None

    @cached_property
    @override
    def authenticator(self) -> HTTPBasicAuth:
        # lemlist: empty user name, the key as password; never the ?access_token= form.
        return HTTPBasicAuth("", str(self.config["api_key"]))

    @override
    def get_new_paginator(self) -> BaseAPIPaginator[t.Any] | None:
        if self.paging == "offset":
            return OffsetPager(self.records_of, self.page_size, id_key=self.repeat_key)
        if self.paging in {"page0", "page1"}:
            return page_pager(self.records_of, self.page_size, first_page=int(self.paging[-1]))
        return None

    @override
    def get_url_params(self, context: Context | None, next_page_token: t.Any | None) -> dict[str, t.Any]:
        params: dict[str, t.Any] = dict(self.fixed_params)
        if self.versioned:
            params["version"] = "v2"
        if self.paging == "offset":
            params |= {"offset": next_page_token or 0, "limit": self.page_size}
        elif self.paging in {"page0", "page1"}:
            params["page"] = next_page_token
            if self.page_size:
                params["limit"] = self.page_size
        return params
