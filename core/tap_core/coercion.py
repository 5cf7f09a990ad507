"""Numbers that arrive as strings, turned into numbers where the schema says so."""

from __future__ import annotations

import typing as t

# A rules mirrors the schema: property -> "integer" | "number" | "boolean" | (sub-rules for
# objects/arrays).
Coercions = dict[str, t.Any]


def _kind(schema: dict[str, t.Any]) -> str | None:
    types = schema.get("type", [])
    types = [types] if isinstance(types, str) else types
    for kind in ("integer", "number", "object", "array"):
        if kind in types:
            return kind
    # Only a boolean-only property turns 0/1 into false/true, as the SDK's conformance does.
    return "boolean" if "boolean" in types else None


def coercions_for(schema: dict[str, t.Any]) -> Coercions:
    """Which properties (at any depth) hold numbers; computed once per stream."""
    rules: Coercions = {}
    for name, prop in schema.get("properties", {}).items():
        kind = _kind(prop)
        if kind in {"integer", "number", "boolean"}:
            rules[name] = kind
        elif kind == "object" and (sub := coercions_for(prop)):
            rules[name] = ("object", sub)
        elif kind == "array":
            items = prop.get("items", {})
            item_kind = _kind(items)
            if item_kind in {"integer", "number", "boolean"}:
                rules[name] = ("array", item_kind)
            elif item_kind == "object" and (sub := coercions_for(items)):
                rules[name] = ("array", sub)
    return rules


_TRUTH = {"true": True, "1": True, "false": False, "0": False}


def _boolean(value: t.Any) -> t.Any:
    if isinstance(value, int) and value in {0, 1}:
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUTH:
        return _TRUTH[value.strip().lower()]
    return value


def _number(value: str, kind: str) -> t.Any:
    text = value.strip()
    try:
        number = float(text) if kind == "number" else int(text)
    except ValueError:
        if kind != "integer":
            return value
        try:
            as_float = float(text)
        except ValueError:
            return value  # not a number at all: kept as sent, never dropped
        return int(as_float) if as_float.is_integer() else value
    return number


def _coerce(value: t.Any, rule: t.Any) -> t.Any:
    if rule == "boolean":
        return _boolean(value)
    if isinstance(rule, str):
        return _number(value, rule) if isinstance(value, str) else value
    kind, sub = rule
    if kind == "object" and isinstance(value, dict):
        coerce(value, sub)
    elif kind == "array" and isinstance(value, list):
        for index, item in enumerate(value):
            value[index] = (
                _coerce(item, sub) if isinstance(sub, str) else (coerce(item, sub) if isinstance(item, dict) else item)
            )
    return value


def coerce(record: dict[str, t.Any], rules: Coercions) -> dict[str, t.Any]:
    """``record`` with numeric strings converted in place, following ``rules``."""
    for name, rule in rules.items():
        value = record.get(name)
        if value is None or isinstance(value, bool):
            continue
        if rule == "boolean" or not isinstance(value, (int, float)):
            record[name] = _coerce(value, rule)
    return record


# What each JSON schema type admits, as Python values decoded from JSON (exact types: a JSON
# true is no integer).
_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
    "null": (type(None),),
}
TypeRules = dict[str, tuple[frozenset[type], str]]


def type_rules_for(schema: dict[str, t.Any]) -> TypeRules:
    """Top-level property -> (admitted Python types, their JSON names); properties whose
    schema has no plain ``type`` are not checked."""
    rules: TypeRules = {}
    for name, prop in schema.get("properties", {}).items():
        types = prop.get("type")
        types = [types] if isinstance(types, str) else types
        if types and all(kind in _JSON_TYPES for kind in types):
            admitted = frozenset(python for kind in types for python in _JSON_TYPES[kind])
            rules[name] = (admitted, " or ".join(kind for kind in types if kind != "null"))
    return rules


# JSON type names of decoded values.
_KINDS = {type(None): "null", bool: "boolean", int: "integer", float: "number", str: "string", dict: "object"}


def json_kind(value: object) -> str:
    """The JSON type name of a decoded value."""
    return _KINDS.get(type(value)) or ("array" if isinstance(value, list) else type(value).__name__)


def first_mismatch(record: dict[str, t.Any], rules: TypeRules) -> str | None:
    """The first top-level field whose value its schema does not admit, after coercion."""
    for name, value in record.items():
        rule = rules.get(name)
        if rule is not None and type(value) not in rule[0]:
            return name
    return None
