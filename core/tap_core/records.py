"""What a record needs before it is written: every field kept, in a column its target can load.

Vendors add fields before any schema knows them, and send one field as a number in one
place and a string in another. Nothing is dropped for that: a field the schema does not
declare goes into one JSON column per stream, ``extra_fields``; a number where the schema
says text becomes that text; a value no column of its declared type could hold moves to
``extra_fields`` too, under its own name (a nested one under its dotted path,
``contact.phone``). Only a row's key and bookmark must be what the
schema says, since a target cannot upsert or bookmark without them.
"""

from __future__ import annotations

import typing as t
from functools import cached_property

from singer_sdk import SchemaDirectory
from singer_sdk import singerlib as singer
from singer_sdk.helpers.conform import TypeConformanceLevel
from typing_extensions import override

from tap_core.coercion import Coercions, Path, TypeRules, coerce, coercions_for, json_kind, mismatches, type_rules_for
from tap_core.dates import iso_ms, parse_iso
from tap_core.deletions import CarriesDeletions
from tap_core.errors import APIError
from tap_core.redaction import drop_matching_keys, is_credential
from tap_core.responses import CheckedResponses
from tap_core.sdk import pop_deselected_record_properties, utc_now

if t.TYPE_CHECKING:
    from collections.abc import Callable, Generator, Iterable

    import requests
    from singer_sdk.helpers.types import Context
    from singer_sdk.schema.source import Schema

#: The column, in every stream, that holds the fields its schema does not declare.
EXTRA_FIELDS = "extra_fields"
EXTRA_FIELDS_SCHEMA: dict[str, t.Any] = {
    "type": ["object", "null"],
    "description": (
        "Fields the API sent that this stream's schema does not declare, by name, and values whose type "
        "differs from their column's. Query them as JSON (PostgreSQL: extra_fields->>'name')."
    ),
}


class StreamSchemas(SchemaDirectory):
    """A tap's schema files, each given the ``extra_fields`` column."""

    @override
    def fetch_schema(self, key: str) -> Schema:
        schema = super().fetch_schema(key)
        schema.setdefault("properties", {})[EXTRA_FIELDS] = dict(EXTRA_FIELDS_SCHEMA)
        return schema


def gather_extra_fields(record: dict[str, t.Any], names: Iterable[str], is_secret: Callable[[str], bool]) -> list[str]:
    """Move the top-level fields ``names`` into ``record["extra_fields"]``; secrets are dropped,
    at any depth, and never kept. Returns the names kept."""
    extra = record.get(EXTRA_FIELDS)
    if not isinstance(extra, dict):
        extra = record[EXTRA_FIELDS] = {}
    kept = []
    for name in names:
        value = record.pop(name)
        if not is_secret(name):
            extra[name] = drop_matching_keys(value, is_secret)
            kept.append(name)
    return kept


def is_canonical(stamp: str) -> bool:
    """Whether a date-time is already written as ``iso_ms`` writes it (UTC, milliseconds, Z):
    the form both APIs use, whose text order is time order."""
    return len(stamp) == len("2026-01-31T12:00:00.123Z") and stamp[19] == "." and stamp[23] == "Z"


def as_text(value: object) -> str | None:
    """A JSON number or boolean as the text a vendor would have sent; None for anything else."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return None


def dotted(path: Path) -> str:
    """A nested value's name in ``extra_fields``: ``contact.phone``, ``senders.2.email``."""
    return ".".join(str(key) for key in path)


def settle_mismatch(record: dict[str, t.Any], path: Path, admitted: frozenset[type]) -> str | None:
    """Make the value at ``path`` loadable: a number or boolean where text is declared becomes
    text; anything else moves to ``extra_fields`` under its dotted path (an array item takes its
    whole array along, since an item cannot leave its array). Returns how it was settled, for a
    warning, or None when an earlier move already took the value along."""
    container: t.Any = record
    try:
        for key in path[:-1]:
            container = container[key]
        value = container[path[-1]]
    except (KeyError, IndexError, TypeError):
        return None
    text = as_text(value) if str in admitted else None
    if text is not None:
        container[path[-1]] = text
        return "as text"
    while isinstance(path[-1], int):
        path = path[:-1]
    holder: t.Any = record
    for key in path[:-1]:
        holder = holder[key]
    extra = record.get(EXTRA_FIELDS)
    if not isinstance(extra, dict):
        extra = record[EXTRA_FIELDS] = {}
    moved = holder.pop(path[-1])
    extra[dotted(path)] = moved
    return f"in {EXTRA_FIELDS}.{dotted(path)} (it arrived as a JSON {json_kind(value)})"


class RecordChecks(CarriesDeletions, CheckedResponses):
    """What each record goes through before it is written, decided once per stream."""

    # The SDK's type conformance inspects the schema for every field of every record (half
    # the tap's CPU). Records come from JSON, so its datetime normalization has nothing to do;
    # the rest is planned once per stream: numbers and booleans by its coercions, fields the
    # schema lacks kept in extra_fields and values of another type settled, at any depth, in
    # _generate_record_messages. Free-form objects (custom variables) pass whole.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    # The greatest replication value of the current partition checked to be a date, in the form
    # whose text order is time order (``is_canonical``): only greater ones may become its
    # bookmark, so only they need parsing (get_records starts each partition afresh).
    _newest_checked = ""

    #: Whether rows of this endpoint may hold credentials (API keys, mailbox passwords):
    #: they are removed, at any depth, before anything else sees the row.
    holds_credentials: t.ClassVar[bool] = False

    @cached_property
    def coercions(self) -> Coercions:
        return coercions_for(self.schema)

    @cached_property
    def top_level_properties(self) -> frozenset[str]:
        return frozenset(self.schema.get("properties", {}))

    @cached_property
    def everything_selected(self) -> bool:
        return all(self.mask.values())

    @override
    def _generate_record_messages(self, record: dict[str, t.Any]) -> Generator[singer.RecordMessage, None, None]:
        """The SDK's per-record step, without the walks that cannot change these records: the
        record checks (``checked``), then stream maps as in the SDK."""
        self.checked(record)
        for stream_map in self.stream_maps:
            mapped = stream_map.transform(record)
            if mapped is not None:
                yield singer.RecordMessage(
                    stream=stream_map.stream_alias,
                    record=mapped,
                    version=self.table_version,
                    time_extracted=utc_now(),
                )

    def checked(self, record: dict[str, t.Any]) -> dict[str, t.Any]:
        """The record as it may leave, changed in place.

        Fields the schema lacks go to ``extra_fields`` (one warning per field), values of
        another type are settled (see ``tap_core.records``), and deselected fields are pruned
        as the SDK prunes them (when any are deselected). BATCH mode runs this too, though the
        SDK writes batch files without its per-record step.
        """
        unknown = record.keys() - self.top_level_properties
        if unknown:
            for name in gather_extra_fields(record, sorted(unknown), is_credential):
                self.warn_once(name, f"is not in its schema: kept in {EXTRA_FIELDS}")
        else:
            # The column is in every row, so a target sees it from the first one on.
            record[EXTRA_FIELDS] = None
        self.check_keys(record)
        for path, rule in mismatches(record, self.type_rules):
            if path[0] in self.key_fields and (str not in rule.admitted or as_text(record[path[0]]) is None):
                raise APIError(self.mismatch_message(path[0], record[path[0]]))
            settled = settle_mismatch(record, path, rule.admitted)
            if settled is not None:
                self.warn_once(dotted(path), f"differs from its schema ({rule.names}): kept {settled}")
        if not self.everything_selected:
            pop_deselected_record_properties(record, self.schema, self.mask)
        return record

    @cached_property
    def key_fields(self) -> frozenset[str]:
        """Fields a row cannot be loaded without, in the schema's type: its key and bookmark."""
        return frozenset([*(self.primary_keys or ()), *([self.replication_key] if self.replication_key else [])])

    @cached_property
    def type_rules(self) -> TypeRules:
        return type_rules_for(self.schema)

    def check_keys(self, record: dict[str, t.Any]) -> None:
        """A row without its key cannot be upserted, nor one without a usable bookmark value
        be bookmarked: both stop the sync with the field's name."""
        for field in self.primary_keys or ():
            if record.get(field) is None:
                msg = f"a record of {self.route} arrived without its key '{field}'; it cannot be upserted"
                raise APIError(msg)
        if self.replication_key is None:
            return
        value = record.get(self.replication_key)
        if value is None:
            # Not a bookmark candidate. Present as null, the SDK passes over it (logging "New
            # replication value is null" for each such row); absent, it would fail on a KeyError.
            record.setdefault(self.replication_key, None)
            return
        if isinstance(value, str):
            canonical = is_canonical(value)
            if canonical and value <= self._newest_checked:
                return  # it cannot become the bookmark: a newer, valid value is already in
            try:
                parse_iso(value)
            except ValueError:
                pass
            else:
                if canonical:
                    self._newest_checked = value
                return
        msg = (
            f"a record of {self.route} has a '{self.replication_key}' that is a JSON {json_kind(value)}, not an "
            "ISO 8601 date; the bookmark cannot move past it. Report it: the API changed this field"
        )
        raise APIError(msg)

    @override
    def _increment_stream_state(self, latest_record: dict[str, t.Any], *, context: Context | None = None) -> None:
        """The SDK compares bookmark values as text. A date-time with an offset (``+02:00``) sorts
        apart from the same instant in UTC, so the bookmark gets the value as UTC text (the
        record keeps what the API sent): it neither moves back nor skips a record."""
        key = self.replication_key
        value = latest_record.get(key) if key else None
        if key and isinstance(value, str) and "T" in value and not is_canonical(value):
            try:
                instant = iso_ms(parse_iso(value))
            except ValueError:
                instant = value
            if instant != value:
                latest_record = {**latest_record, key: instant}
        super()._increment_stream_state(latest_record, context=context)

    def mismatch_message(self, field: str, value: object) -> str:
        """A key or bookmark of another type: no target could upsert or bookmark the row."""
        return (
            f"{self.route} sent field '{field}', which rows are upserted or bookmarked by, as a JSON "
            f"{json_kind(value)} where its schema has {self.type_rules[field].names}; the API changed its type. "
            "Report it"
        )

    def warn_once(self, field: str, what: str) -> None:
        """One warning per field and run: a changed API says so once, not once per record."""
        if (field, what) not in self._warned_fields:
            self._warned_fields.add((field, what))
            # repr: a field's name is the server's text, and may hold anything, line breaks included.
            self.logger.warning("Field %r of '%s' %s", field, self.name, what)

    @cached_property
    def _warned_fields(self) -> set[tuple[str, str]]:
        return set()

    @override
    def parse_response(self, response: requests.Response) -> Iterable[dict[str, t.Any]]:
        # Counters sometimes arrive as strings ("42"); the schema says which are numbers.
        records = self.records_of(response)
        if self.holds_credentials:
            records = [drop_matching_keys(record, is_credential) for record in records]
        coercions = self.coercions
        return [coerce(record, coercions) for record in records] if coercions else records
