"""Rows made from field descriptions, for routes the sandbox has no hand-made data for.

lemlist: a route of ``spec/lemlist.json`` without path parameters answers rows whose fields and
types are the ones the table lists, in the envelope it shows first. Smartlead, which publishes
no such document: a route of a tap stream without path parameters answers a list of rows made
from that stream's schema. Either way a stream added for such a route has sandbox data without
a line of sandbox code. Hand-made data stays where a route's rows must agree with others (ids,
counts, dates) or show evidence-backed variants.
"""

from __future__ import annotations

import importlib.resources
import json
import typing as t
from functools import cache
from pathlib import Path

from sandbox.common import iso

SPEC_FILE = Path(__file__).resolve().parent.parent / "spec" / "lemlist.json"
# 2023-01-01T00:00:00Z in ms: dates of generated rows start here, an hour apart.
FIRST_DATE = 1672531200000


@cache
def spec_routes() -> dict[str, dict[str, t.Any]]:
    routes: dict[str, dict[str, t.Any]] = json.loads(SPEC_FILE.read_text())["routes"]
    return routes


def served_route(path: str) -> dict[str, t.Any] | None:
    """The table's entry for ``GET path`` if rows can be made for it: no path parameters, and
    records in a list or a single object."""
    route = spec_routes().get(f"GET {path}")
    if route is None or route["path_params"] or not route["envelope"]:
        return None
    return route if route["envelope"][0]["kind"] in ("list", "object") else None


def payload(route: dict[str, t.Any], rows: int, seed: int) -> object:
    """The answer of ``route`` holding ``rows`` made rows (one object for an object route)."""
    shape = route["envelope"][0]
    made: object = (
        [row(route["fields"], seed, n) for n in range(rows)]
        if shape["kind"] == "list"
        else row(route["fields"], seed, 0)
    )
    for key in reversed(shape["path"]):
        made = {key: made}
    return made


def stream_paths(stream_types: t.Iterable[type]) -> dict[str, str]:
    """Each stream class's name and path (class attributes the SDK types as instance ones)."""
    return {str(getattr(stream, "name")): str(getattr(stream, "path")) for stream in stream_types}  # noqa: B009


@cache
def schema_fields(package: str, stream: str) -> dict[str, t.Any]:
    """The fields a tap's schema declares for ``stream``, the catch-all column left out."""
    text = (importlib.resources.files(package) / "schemas" / f"{stream}.json").read_text()
    fields: dict[str, t.Any] = json.loads(text)["properties"]
    return {name: fact for name, fact in fields.items() if name != "extra_fields"}


def row(fields: dict[str, t.Any], seed: int, n: int) -> dict[str, t.Any]:
    return {name: value(name, fact, seed, n) for name, fact in fields.items()}


def value(name: str, fact: dict[str, t.Any], seed: int, n: int) -> object:
    """A value of the field's first non-null type, shaped by its name where the type says little."""
    declared = fact.get("type", [])
    types = [kind for kind in ([declared] if isinstance(declared, str) else declared) if kind != "null"]
    kind = types[0] if types else None
    if kind == "object":
        properties = fact.get("properties") or {}
        return {key: value(key, sub, seed, n) for key, sub in properties.items()}
    if kind == "array":
        items = fact.get("items") or {}
        return [value(name, items, seed, n)] if items.get("type") else []
    if kind == "integer":
        return n
    if kind == "number":
        return n + 0.5
    if kind == "boolean":
        return n % 2 == 0
    if kind == "string":
        if fact.get("format") in ("date-time", "date"):
            return iso(FIRST_DATE + n * 3_600_000)[: 10 if fact["format"] == "date" else None]
        return text(name, seed, n)
    return None


def text(name: str, seed: int, n: int) -> str:
    lowered = name.lower()
    if name == "_id" or name.endswith(("Id", "_id")):
        return f"{name.strip('_')[:3].lower()}_{seed}_{n}"
    if name.endswith(("At", "_at")) or lowered.endswith("date"):
        return iso(FIRST_DATE + n * 3_600_000)
    if "email" in lowered:
        return f"user{n}@sandbox.example"
    return f"{name} {n}"
