"""Rows the sandboxes make from field descriptions, for routes with no hand-made data: what a
new stream reads before anyone writes sandbox code for it."""

from __future__ import annotations

import json

import jsonschema
import pytest

from sandbox import generic
from sandbox.lemlist import LemlistApp, LemlistData
from sandbox.smartlead import SmartleadApp, SmartleadData, schema_routes
from tap_smartlead.tap import TapSmartlead

SPEC_ROUTES = sorted(
    route.removeprefix("GET ")
    for route in generic.spec_routes()
    if route.startswith("GET ") and generic.served_route(route.removeprefix("GET ")) is not None
)


def conforms(value: object, fact: dict) -> bool:
    """Whether a value has one of the types a spec-table field lists, at every depth."""
    types = {"string": str, "integer": int, "number": (int, float), "boolean": bool, "array": list, "object": dict}
    kinds = fact.get("type") or []
    if value is None or not kinds:  # the table leaves nullability open
        return True
    if not any(isinstance(value, types[kind]) for kind in kinds if kind in types):
        return False
    if isinstance(value, dict):
        props = fact.get("properties") or {}
        return all(key in props and conforms(sub, props[key]) for key, sub in value.items())
    if isinstance(value, list):
        return all(conforms(item, fact.get("items") or {}) for item in value)
    return True


@pytest.mark.parametrize("path", SPEC_ROUTES)
def test_a_lemlist_route_without_hand_made_data_answers_rows_of_its_spec_fields(path):
    route = generic.served_route(path)
    assert route is not None
    query = dict.fromkeys(route.get("required_query", ()), "x")
    reply = LemlistApp().from_spec(LemlistData({"spec_rows": 4}), path, query)
    assert reply is not None
    assert reply.status == 200
    payload = json.loads(reply.body)
    for key in route["envelope"][0]["path"]:
        payload = payload[key]
    rows = payload if isinstance(payload, list) else [payload]
    assert len(rows) == (4 if route["envelope"][0]["kind"] == "list" else 1)
    for row in rows:
        assert set(row) == set(route["fields"])
        assert all(conforms(value, route["fields"][name]) for name, value in row.items()), row


def test_a_lemlist_route_that_needs_a_parameter_refuses_without_it():
    route = next(path for path in SPEC_ROUTES if generic.served_route(path).get("required_query"))
    reply = LemlistApp().from_spec(LemlistData({}), route, {})
    assert reply is not None
    assert reply.status == 400


@pytest.mark.parametrize("path", sorted(schema_routes()))
def test_a_smartlead_route_answers_rows_its_stream_schema_accepts(path):
    name = schema_routes()[path]
    reply = SmartleadApp().from_schema(SmartleadData({"schema_rows": 3}), path)
    assert reply is not None
    rows = json.loads(reply.body)
    assert len(rows) == 3
    schema = TapSmartlead(config={"api_key": "generic-rows"}, parse_env_config=False).streams[name].schema
    checker = jsonschema.Draft7Validator.FORMAT_CHECKER
    for row in rows:
        jsonschema.Draft7Validator(schema, format_checker=checker).validate(row)
    # Distinct rows: a primary key made of ids does not fold them into one.
    assert len({json.dumps(row, sort_keys=True) for row in rows}) == 3
