"""Numbers that arrive as strings, turned into numbers where the schema says so."""

from __future__ import annotations

import typing as t

# A plan mirrors the schema: property -> "integer" | "number" | "boolean" | (sub-plan for
# objects/arrays).
Plan = dict[str, t.Any]


def _kind(schema: dict[str, t.Any]) -> str | None:
    types = schema.get("type", [])
    types = [types] if isinstance(types, str) else types
    for kind in ("integer", "number", "object", "array"):
        if kind in types:
            return kind
    # Only a boolean-only property turns 0/1 into false/true, as the SDK's conformance does.
    return "boolean" if "boolean" in types else None


def plan_for(schema: dict[str, t.Any]) -> Plan:
    """Which properties (at any depth) hold numbers; computed once per stream."""
    plan: Plan = {}
    for name, prop in schema.get("properties", {}).items():
        kind = _kind(prop)
        if kind in {"integer", "number", "boolean"}:
            plan[name] = kind
        elif kind == "object" and (sub := plan_for(prop)):
            plan[name] = ("object", sub)
        elif kind == "array":
            items = prop.get("items", {})
            item_kind = _kind(items)
            if item_kind in {"integer", "number", "boolean"}:
                plan[name] = ("array", item_kind)
            elif item_kind == "object" and (sub := plan_for(items)):
                plan[name] = ("array", sub)
    return plan


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


def coerce(record: dict[str, t.Any], plan: Plan) -> dict[str, t.Any]:
    """``record`` with numeric strings converted in place, following ``plan``."""
    for name, rule in plan.items():
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
TypePlan = dict[str, tuple[frozenset[type], str]]


def type_plan(schema: dict[str, t.Any]) -> TypePlan:
    """Top-level property -> (admitted Python types, their JSON names); properties whose
    schema has no plain ``type`` are not checked."""
    plan: TypePlan = {}
    for name, prop in schema.get("properties", {}).items():
        types = prop.get("type")
        types = [types] if isinstance(types, str) else types
        if types and all(kind in _JSON_TYPES for kind in types):
            admitted = frozenset(python for kind in types for python in _JSON_TYPES[kind])
            plan[name] = (admitted, " or ".join(kind for kind in types if kind != "null"))
    return plan


# JSON type names of decoded values.
_KINDS = {type(None): "null", bool: "boolean", int: "integer", float: "number", str: "string", dict: "object"}


def json_kind(value: object) -> str:
    """The JSON type name of a decoded value."""
    return _KINDS.get(type(value)) or ("array" if isinstance(value, list) else type(value).__name__)


def first_mismatch(record: dict[str, t.Any], plan: TypePlan) -> str | None:
    """The first top-level field whose value its schema does not admit, after coercion."""
    for name, value in record.items():
        rule = plan.get(name)
        if rule is not None and type(value) not in rule[0]:
            return name
    return None
