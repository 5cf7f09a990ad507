"""Tolerant reading of list payloads and the paginators the vendors' endpoints need."""

from __future__ import annotations

import datetime
import typing as t

from singer_sdk.pagination import BaseAPIPaginator
from typing_extensions import override

from tap_core.errors import APIError

if t.TYPE_CHECKING:
    from collections.abc import Sequence

    import requests

RecordsOf = t.Callable[["requests.Response"], list[dict[str, t.Any]]]
T = t.TypeVar("T")


def describe_shape(payload: object) -> str:
    """A short, value-free description of a JSON payload, for error messages."""
    if isinstance(payload, dict):
        # repr: a key is the server's text, and may hold anything, line breaks included.
        keys = ", ".join(repr(k[:40]) for k in sorted(str(k) for k in payload)[:8])
        return f"an object with keys [{keys}]"
    if isinstance(payload, list):
        return f"a list of {len(payload)} items"
    return f"a JSON {type(payload).__name__}"


def records_in(
    payload: object,
    endpoint: str,
    *,
    keys: Sequence[str] = (),
    single_object: bool = False,
) -> list[dict[str, t.Any]]:
    """The records of a payload, whether a bare list, an envelope or one object.

    Vendors document one shape and serve another; an unknown shape is an error, never an
    empty stream.
    """
    records: object = None
    if isinstance(payload, list):
        records = payload
    elif isinstance(payload, dict):
        records = next(
            (payload[key] for key in keys if isinstance(payload.get(key), list)),
            None,
        )
        if records is None and single_object:
            records = [payload]
    if not isinstance(records, list):
        expected = "a list" + (f" or an object with {'/'.join(keys)}" if keys else "")
        msg = f"{endpoint} answered {describe_shape(payload)}; expected {expected}"
        raise APIError(msg)
    if not all(isinstance(item, dict) for item in records):
        msg = f"{endpoint} answered a list whose items are not all objects"
        raise APIError(msg)
    return records


class TapPaginator(BaseAPIPaginator[T]):
    """A paginator that says whether its pages can be requested before the previous one answers."""

    #: Whether pages may be requested before the previous one answers: page ``n``'s token is
    #: known in advance (``token``), and so is what a short page looks like.
    fetch_ahead: bool = False

    def token(self, index: int) -> T:
        """The token of page ``index`` (0 = first), where ``fetch_ahead`` holds."""
        raise NotImplementedError

    def pages_within(self, total: int) -> int:  # noqa: ARG002
        """How many pages hold ``total`` records; 0 where that cannot be known."""
        return 0


class OffsetPager(TapPaginator[int]):
    """Offset/limit paging: a short page is the last one, so no empty request follows it.

    Where the API answers an explicit "more" flag (``more_flag``), the flag decides.

    Some endpoints ignore ``offset`` and serve the first page again; a page of ids all seen
    before ends the paging instead of looping forever.

    An endpoint that takes no page size (``page_size=None``) serves pages of its own size: a
    page shorter than the largest one seen, or an empty one, is the last.
    """

    def __init__(
        self,
        records_of: RecordsOf,
        page_size: int | None,
        *,
        start: int = 0,
        step: int | None = None,
        id_key: str | None = None,
        more_flag: t.Callable[[requests.Response], bool | None] | None = None,
    ) -> None:
        super().__init__(start)
        self._records_of = records_of
        self._page_size = page_size
        self._largest = 0
        self._step = (page_size or 1) if step is None else step
        self._id_key = id_key
        self._more_flag = more_flag
        self._seen: set[object] = set()
        self.start = start
        # Without a page size, only the page after the first tells whether the first was short:
        # pages sent ahead of it would be guesses, one at a time is the fewest requests.
        self.fetch_ahead = page_size is not None

    @override
    def token(self, index: int) -> int:
        """The token of page ``index`` (0 = first): offsets and page numbers are predictable,
        which is what lets pages be fetched ahead."""
        return self.start + index * self._step

    @override
    def pages_within(self, total: int) -> int:
        """How many pages hold ``total`` records (0 while the page size is unknown)."""
        size = self._page_size or self._largest
        return -(-total // size) if size else 0

    def has_more(self, response: requests.Response) -> bool:
        flag = self._more_flag(response) if self._more_flag else None
        if flag is not None:
            # The API says; believe it over the page length (it may cap limit silently).
            return flag
        records = self._records_of(response)
        if len(records) < (self._page_size or self._largest) or not records:
            return False
        self._largest = max(self._largest, len(records))
        if self._id_key is None:
            return True
        ids = {record.get(self._id_key) for record in records}
        if ids <= self._seen:
            return False
        self._seen |= ids
        return True

    def get_next(self, response: requests.Response) -> int:  # noqa: ARG002
        return self.current_value + self._step


def chunk_end(first: str, last: datetime.date, days: int) -> datetime.date:
    """The last day of the chunk of ``days`` that starts on ``first`` (YYYY-MM-DD)."""
    return min(last, datetime.date.fromisoformat(first) + datetime.timedelta(days=days - 1))


class DayChunkPager(TapPaginator[str]):
    """Walks [first, last] (YYYY-MM-DD) in chunks of ``days``: the token is a chunk's first day."""

    def __init__(self, first: datetime.date, last: datetime.date, days: int) -> None:
        super().__init__(first.isoformat())
        self.last = last
        self.days = days

    def continue_if_empty(self, response: requests.Response) -> bool:  # noqa: ARG002
        # A quiet stretch of days says nothing about the chunks after it.
        return True

    def get_next(self, response: requests.Response) -> str | None:  # noqa: ARG002
        following = chunk_end(self.current_value, self.last, self.days) + datetime.timedelta(days=1)
        return following.isoformat() if following <= self.last else None


def page_pager(records_of: RecordsOf, page_size: int | None, *, first_page: int) -> OffsetPager:
    """Page-number paging (``page`` = first_page, first_page + 1, ...) with the same stops."""
    return OffsetPager(records_of, page_size, start=first_page, step=1)
