"""scripts/derive_lemlist_spec.py on a small OpenAPI document of its own: envelopes, types, and
nothing of the document's text in the table."""

from __future__ import annotations

import importlib.util
import json
import sys
import typing as t
from pathlib import Path

import pytest

if t.TYPE_CHECKING:
    from types import ModuleType

SCRIPT = Path(__file__).parent.parent / "scripts" / "derive_lemlist_spec.py"
PROSE = "A sentence of the document that the table must never carry."


@pytest.fixture(scope="module")
def derive() -> ModuleType:
    spec = importlib.util.spec_from_file_location("derive_lemlist_spec", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being made
    spec.loader.exec_module(module)
    return module


def get(schema: dict[str, t.Any], example: t.Any = None, parameters: list[dict[str, t.Any]] | None = None) -> t.Any:
    media: dict[str, t.Any] = {"schema": schema}
    if example is not None:
        media["example"] = example
    return {
        "get": {
            "summary": PROSE,
            "parameters": parameters or [],
            "responses": {"200": {"description": PROSE, "content": {"application/json": media}}},
        }
    }


DOCUMENT = {
    "openapi": "3.0.0",
    "info": {"title": "x", "version": "9.9", "description": PROSE},
    "components": {
        "schemas": {
            "Task": {
                "type": "object",
                "description": PROSE,
                "properties": {"_id": {"type": "string"}, "done": {"type": "boolean", "nullable": True}},
            }
        }
    },
    "paths": {
        "/bare": get({"type": "array", "items": {"$ref": "#/components/schemas/Task"}}),
        "/tasks": get(
            {
                "type": "object",
                "properties": {
                    "results": {"type": "array", "items": {"$ref": "#/components/schemas/Task"}},
                    "page": {"type": "string"},
                },
            },
            example={"results": [{"_id": "t1", "priority": 2, "meta": {"score": 1.5}}], "page": "0"},
            parameters=[
                {"name": "page", "in": "query", "schema": {"type": "integer"}, "description": PROSE},
                {"name": "userId", "in": "query", "required": True, "schema": {"type": "string"}},
            ],
        ),
        "/team": get({"type": "object", "properties": {"_id": {"type": "string"}, "name": {"type": "string"}}}),
        "/fields": get(
            {
                "type": "object",
                "properties": {
                    "success": {"type": "boolean"},
                    "data": {
                        "type": "object",
                        "properties": {
                            "contact": {"type": "array", "items": {"type": "object", "properties": {"name": {}}}},
                            "company": {"type": "array", "items": {"type": "object", "properties": {"name": {}}}},
                        },
                    },
                },
            },
            example={"success": True, "data": {"contact": [{"name": "email"}], "company": [{"name": "domain"}]}},
        ),
        "/either": get(
            {
                "oneOf": [
                    {"type": "array", "items": {"$ref": "#/components/schemas/Task"}},
                    {
                        "type": "object",
                        "properties": {
                            "data": {"type": "array", "items": {"$ref": "#/components/schemas/Task"}},
                            "total": {"type": "integer"},
                        },
                    },
                ]
            }
        ),
        "/posted": {"post": {"responses": {"200": {"description": "only a POST"}}}},
    },
}


@pytest.fixture(scope="module")
def table(derive: ModuleType) -> dict[str, t.Any]:
    derived, _ = derive.derive(json.loads(json.dumps(DOCUMENT)))
    return t.cast("dict[str, t.Any]", derived)


def test_only_get_routes_with_the_documents_version(table):
    assert sorted(table["routes"]) == ["GET /bare", "GET /either", "GET /fields", "GET /tasks", "GET /team"]
    assert "9.9" in table["source"]


def test_envelopes(table):
    routes = table["routes"]
    assert routes["GET /bare"]["envelope"] == [{"kind": "list", "path": []}]
    assert routes["GET /tasks"]["envelope"] == [{"kind": "list", "path": ["results"]}]
    assert routes["GET /tasks"]["envelope_fields"] == {"page": ["string"]}
    assert routes["GET /team"]["envelope"] == [{"kind": "object", "path": []}]
    [groups] = routes["GET /fields"]["envelope"]
    assert (groups["kind"], groups["path"], sorted(groups["groups"])) == ("groups", ["data"], ["company", "contact"])
    assert sorted(json.dumps(v, sort_keys=True) for v in routes["GET /either"]["envelope"]) == [
        '{"kind": "list", "path": ["data"]}',
        '{"kind": "list", "path": []}',
    ]


def test_field_types_unite_schema_and_examples(table):
    fields = table["routes"]["GET /tasks"]["fields"]
    assert fields["_id"]["type"] == ["string"]
    assert fields["done"]["type"] == ["boolean", "null"]  # nullable in the schema
    assert fields["priority"]["type"] == ["integer"]  # seen only in the example
    assert fields["meta"]["properties"]["score"]["type"] == ["number"]
    assert table["routes"]["GET /fields"]["fields"]["name"]["type"] == [
        "string"
    ]  # open in the schema, the example says


def test_query_parameters_and_required_ones(table):
    route = table["routes"]["GET /tasks"]
    assert route["query"] == {"page": ["integer"], "userId": ["string"]}
    assert route["required_query"] == ["userId"]


def test_the_table_carries_no_text_of_the_document(table):
    assert PROSE not in json.dumps(table)
    assert "t1" not in json.dumps(table["routes"])  # example values teach types, they are not kept


def test_a_stream_schema_from_the_table(derive, table):
    schema = derive.stream_schema(table["routes"]["GET /tasks"]["fields"]["meta"])
    assert schema == {"type": ["object", "null"], "properties": {"score": {"type": ["number", "null"]}}}


def test_a_route_read_by_post_keeps_its_body_fields_and_answer(derive):
    stats = {"type": "object", "properties": {"campaignId": {"type": "string"}, "sent": {"type": "integer"}}}
    document = json.loads(json.dumps(DOCUMENT))
    document["paths"]["/stats/batch"] = {
        "post": {
            "summary": PROSE,
            "requestBody": {
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["ids", "since"],
                            "properties": {
                                "ids": {"type": "array", "items": {"type": "string"}, "description": PROSE},
                                "since": {"type": "string"},
                                "channel": {"type": "string"},
                            },
                        }
                    }
                }
            },
            "responses": {
                "200": {
                    "description": PROSE,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {"results": {"type": "array", "items": stats}},
                            }
                        }
                    },
                }
            },
        }
    }
    derived, _ = derive.derive(document, read_by_post=["/stats/batch", "/missing"])
    route = derived["routes"]["POST /stats/batch"]
    assert route["body"] == {"channel": ["string"], "ids": ["array"], "since": ["string"]}
    assert route["required_body"] == ["ids", "since"]
    assert route["envelope"] == [{"kind": "list", "path": ["results"]}]
    assert route["fields"]["sent"]["type"] == ["integer"]
    # A route named but with no POST in the document is not made up; other POSTs stay out.
    assert "POST /missing" not in derived["routes"]
    assert "POST /posted" not in derived["routes"]
    assert "GET /stats/batch" not in derived["routes"]
    assert "1 read by POST" in derived["source"]
    assert PROSE not in json.dumps(derived)
