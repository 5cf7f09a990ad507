"""What a record needs before it is written: every field kept, in a column its target can load.

Vendors add fields before any schema knows them, and send one field as a number in one
place and a string in another. Nothing is dropped for that: a field the schema does not
declare goes into one JSON column per stream, ``extra_fields``; a number where the schema
says text becomes that text; a value no column of its declared type could hold moves to
``extra_fields`` too, under its own name. Only a row's key and bookmark must be what the
schema says, since a target cannot upsert or bookmark without them.
"""

from __future__ import annotations

import typing as t

from singer_sdk import SchemaDirectory
from typing_extensions import override

from tap_core.coercion import json_kind
from tap_core.redaction import drop_matching_keys

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterable

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


def as_text(value: object) -> str | None:
    """A JSON number or boolean as the text a vendor would have sent; None for anything else."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return None


def settle_mismatch(record: dict[str, t.Any], field: str, admitted: frozenset[type]) -> str:
    """Make ``record[field]`` loadable: a number or boolean where text is declared becomes text;
    anything else moves to ``extra_fields``. Returns how it was settled, for a warning."""
    value = record[field]
    text = as_text(value) if str in admitted else None
    if text is not None:
        record[field] = text
        return "as text"
    extra = record.get(EXTRA_FIELDS)
    if not isinstance(extra, dict):
        extra = record[EXTRA_FIELDS] = {}
    extra[field] = record.pop(field)
    return f"in {EXTRA_FIELDS}.{field} (it arrived as a JSON {json_kind(value)})"
