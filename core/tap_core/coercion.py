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


class TypeRule(t.NamedTuple):
    """What one property admits: its Python types and their JSON names, and, for an object or
    an array of objects, the rules of its declared properties (values nest in targets too)."""

    admitted: frozenset[type]
    names: str
    fields: TypeRules | None = None
    items: TypeRule | None = None


TypeRules = dict[str, TypeRule]


def _type_rule(prop: dict[str, t.Any]) -> TypeRule | None:
    types = prop.get("type")
    types = [types] if isinstance(types, str) else types
    if not types or not all(kind in _JSON_TYPES for kind in types):
        return None  # no plain type (anyOf, free-form): not checked
    admitted = frozenset(python for kind in types for python in _JSON_TYPES[kind])
    names = " or ".join(kind for kind in types if kind != "null")
    fields = type_rules_for(prop) if "object" in types and prop.get("properties") else None
    items = _type_rule(prop["items"]) if "array" in types and isinstance(prop.get("items"), dict) else None
    return TypeRule(admitted, names, fields or None, items)


def type_rules_for(schema: dict[str, t.Any]) -> TypeRules:
    """Property -> what it admits, at any depth; properties whose schema has no plain ``type``
    are not checked."""
    rules: TypeRules = {}
    for name, prop in schema.get("properties", {}).items():
        rule = _type_rule(prop)
        if rule is not None:
            rules[name] = rule
    return rules


#: Where a value sits in a record: keys of objects and indexes of arrays, from the top.
Path = tuple[str | int, ...]


def mismatches(record: dict[str, t.Any], rules: TypeRules, path: Path = ()) -> list[tuple[Path, TypeRule]]:
    """Every value, at any depth, that its schema does not admit, after coercion, with the rule
    it breaks, outermost first."""
    found: list[tuple[Path, TypeRule]] = []
    for name, value in record.items():
        rule = rules.get(name)
        if rule is None:
            continue
        if type(value) not in rule.admitted:
            found.append(((*path, name), rule))
        elif rule.fields is not None and type(value) is dict:
            found.extend(mismatches(value, rule.fields, (*path, name)))
        elif rule.items is not None and type(value) is list:
            found.extend(_item_mismatches(value, rule, (*path, name)))
    return found


def _item_mismatches(values: list[t.Any], rule: TypeRule, path: Path) -> list[tuple[Path, TypeRule]]:
    items = t.cast("TypeRule", rule.items)
    found: list[tuple[Path, TypeRule]] = []
    for index, item in enumerate(values):
        if type(item) not in items.admitted:
            found.append(((*path, index), items))
        elif items.fields is not None and type(item) is dict:
            found.extend(mismatches(item, items.fields, (*path, index)))
    return found


# JSON type names of decoded values.
_KINDS = {type(None): "null", bool: "boolean", int: "integer", float: "number", str: "string", dict: "object"}


def json_kind(value: object) -> str:
    """The JSON type name of a decoded value."""
    return _KINDS.get(type(value)) or ("array" if isinstance(value, list) else type(value).__name__)
