"""Watchlists (signal agents), their signals (incremental on ``receivedAt``), and what they watch."""

from __future__ import annotations

import typing as t

from typing_extensions import override

from tap_lemlist.client import LemlistStream

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context


class WatchlistSignalsStream(LemlistStream):
    """``GET /watchlist/signals`` between the bookmark and the sync's start."""

    name = "watchlist_signals"
    path = "/watchlist/signals"
    primary_keys = ("_id",)
    replication_key = "receivedAt"
    paging = "page1"
    records_keys = ("data", "signals")

    @override
    def get_url_params(self, context: Context | None, next_page_token: t.Any | None) -> dict[str, t.Any]:
        params = super().get_url_params(context, next_page_token)
        params["receivedAtTo"] = self.window_end
        start = self.get_starting_replication_key_value(context)
        if start:
            params["receivedAtFrom"] = start
        return params


class WatchlistsStream(LemlistStream):
    """``GET /watchlist``: the signal agents, what each watches and for whom."""

    name = "watchlists"
    path = "/watchlist"
    primary_keys = ("_id",)
    paging = "page1"
    records_keys = ("data", "watchLists")


class SignalTypesStream(LemlistStream):
    """``GET /watchlist/library``: the signal types the team's agents can watch, by ``type``."""

    name = "signal_types"
    path = "/watchlist/library"
    primary_keys = ("type",)
    records_keys = ("data",)


class PersonasStream(LemlistStream):
    """``GET /database/personas``: the team's saved People Database filters, which signal agents
    reference by id. A closed beta: a team without it answers 403, and the stream is skipped."""

    name = "personas"
    path = "/database/personas"
    primary_keys = ("_id",)
    records_keys = ("data",)
