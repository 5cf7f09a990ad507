"""Agency clients and the lead categories replies are sorted into."""

from __future__ import annotations

import typing as t
from http import HTTPStatus

from typing_extensions import override

from tap_smartlead.client import SmartleadStream

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context


class ClientsStream(SmartleadStream):
    """``GET /client/``: a bare array live, ``{ok, data}`` in the docs; both are read.

    A key that reads everything else can be refused here (403): agency clients are not on every
    plan. That skips this stream with a warning; the others go on.
    """

    name = "clients"
    path = "/client/"
    primary_keys = ("id",)
    auth_statuses = frozenset({HTTPStatus.UNAUTHORIZED})
    gated_statuses = frozenset({HTTPStatus.FORBIDDEN})

    @override
    def post_process(self, row: dict[str, t.Any], context: Context | None = None) -> dict[str, t.Any] | None:
        client = self.client_id()
        return row if client is None or row.get("id") == client else None


class LeadCategoriesStream(SmartleadStream):
    """``GET /leads/fetch-categories``."""

    name = "lead_categories"
    path = "/leads/fetch-categories"
    primary_keys = ("id",)
    # A model input of one request: before the campaigns' hundreds.
    sync_order = 10
