"""tap-lemlist and the lemlist sandbox against lemlist's own specification.

``spec/lemlist.json`` holds what ``scripts/derive_lemlist_spec.py`` derives from lemlist's
OpenAPI document: per route, its query parameters, where the records sit (the envelope) and
each field with its JSON types. Every stream must read every envelope the spec shows, have a
column of a compatible type for every field, and send only parameters the route knows; the
sandbox must answer only what the spec describes.
"""

from __future__ import annotations

import base64
import collections
import json
import time
import typing as t
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import requests

from tap_lemlist.tap import TapLemlist
from tests.conftest import lemlist_config
from tests.taprun import run_tap

if t.TYPE_CHECKING:
    from tap_core.rest import EngagementStream
    from tests.conftest import Account

SPEC_FILE = Path(__file__).parent.parent / "spec" / "lemlist.json"
CONFIG = {"api_key": "spec-test-key", "api_url": "http://127.0.0.1:9/api", "start_date": "2024-01-01"}
STREAM_NAMES = [stream_type.name for stream_type in TapLemlist.stream_types]

# Rows read from inside each record of the route (a sequence's steps), not the record itself.
ROWS_WITHIN = {"sequences": "steps"}
# Fields the live API sends beyond the spec's examples, as code that reads it in production
# shows (see docs/evidence/lemlist.md); the sandbox sends them too.
BEYOND_SPEC = {
    "GET /activities": {
        "emailId",
        "messageId",
        "sendUserEmail",
        "sendUserName",
        "sendUserMailboxId",
        "errorMessage",
        "leadPhone",
        "stepTested",
    },
}
# Free-form keys by nature: a campaign's export carries the team's custom variables as columns.
FREE_FORM_ROWS = {"GET /campaigns/{campaignId}/export/leads"}
# What the sandbox adds on purpose: credentials the tap must never emit.
SANDBOX_BAIT = {"GET /team apiKey", "GET /users/{userId} mailboxes[].smtpPassword"}
# Fields the spec lacks that live captures and production integrations show, each a column of
# its stream's schema: the sandbox serves them so the tap's columns for them are exercised.
SEEN_LIVE = {
    "GET /users/{userId}": {"firstName", "lastName"},
    "GET /activities": {
        *("duration", "startedAt", "endedAt", "recording", "recordingSid", "callSid", "callS3Ready"),
        *("direction", "phoneProvider", "aircallPhone", "aircallPhoneName", "leadJobTitle"),
        *("subject", "linkUrl", "bounceReason", "linkedinUrl", "unsubscribedSource"),
        *("mutationAction", "mutationType", "email", "firstName", "lastName", "doNotContact", "unsubEmail"),
    },
}


@pytest.fixture(scope="module")
def spec() -> dict[str, t.Any]:
    return t.cast("dict[str, t.Any]", json.loads(SPEC_FILE.read_text())["routes"])


@pytest.fixture(scope="module")
def tap() -> TapLemlist:
    return TapLemlist(config=CONFIG, parse_env_config=False)


def route_of(stream: EngagementStream) -> str:
    return f"GET {stream.path}"


def row_fields(spec: dict[str, t.Any], stream: EngagementStream) -> dict[str, t.Any]:
    fields = spec[route_of(stream)]["fields"]
    within = ROWS_WITHIN.get(stream.name)
    return t.cast("dict[str, t.Any]", fields[within]["items"]["properties"] if within else fields)


def types_of(schema: dict[str, t.Any]) -> set[str]:
    kind = schema.get("type", [])
    return {kind} if isinstance(kind, str) else set(kind)


def contradictions(declared: dict[str, t.Any], facts: dict[str, t.Any], where: str = "") -> list[str]:
    """Fields of ``facts`` that ``declared`` (schema properties) lacks or types otherwise, at
    every depth the schema declares."""
    found = []
    for name, fact in facts.items():
        column = declared.get(name)
        if column is None:
            found.append(f"{where}{name}: missing")
            continue
        admitted = types_of(column)
        for kind in set(fact["type"]):
            if kind not in admitted and not (kind == "integer" and "number" in admitted):
                found.append(f"{where}{name}: spec says {kind}, schema has {sorted(admitted)}")
        if "properties" in fact and "properties" in column:
            found += contradictions(column["properties"], fact["properties"], f"{where}{name}.")
        items = fact.get("items", {})
        if "properties" in items and "properties" in column.get("items", {}):
            found += contradictions(column["items"]["properties"], items["properties"], f"{where}{name}[].")
    return found


@pytest.mark.parametrize("name", STREAM_NAMES)
def test_every_route_field_has_a_column_of_its_type(spec, tap, name):
    stream = tap.streams[name]
    assert route_of(stream) in spec, f"{name}: {route_of(stream)} is not a route of lemlist's specification"
    assert contradictions(stream.schema["properties"], row_fields(spec, stream)) == []


@pytest.mark.parametrize("name", STREAM_NAMES)
def test_only_parameters_the_route_knows_are_sent(spec, tap, name):
    stream = tap.streams[name]
    context = {"campaignId": "cam_1", "campaignCreatedAt": "2024-01-01T00:00:00.000Z", "teamId": "tea_1"}
    params = stream.get_url_params(context if getattr(stream, "parent_key", None) else None, None)
    known = spec[route_of(stream)]["query"]
    assert sorted(set(params) - set(known)) == []
    assert set(spec[route_of(stream)].get("required_query", ())) <= set(params)


BATCHED = [stream_type.name for stream_type in TapLemlist.stream_types if hasattr(stream_type, "batch_path")]


@pytest.mark.parametrize("name", BATCHED)
def test_a_batch_route_gets_only_body_fields_it_knows_and_its_answer_has_columns(spec, tap, name):
    stream = tap.streams[name]
    route = spec[f"POST {stream.batch_path}"]
    parents = [
        {"campaignId": "cam_1", "campaignCreatedAt": "2024-03-01T00:00:00.000Z"},
        {"campaignId": "cam_2", "campaignCreatedAt": "2024-02-01T00:00:00.000Z"},
    ]
    body = stream.batch_body(parents)
    assert sorted(set(body) - set(route["body"])) == []
    assert set(route.get("required_body", ())) <= set(body)
    assert all(type(body[k]).__name__ == {"array": "list", "string": "str"}[route["body"][k][0]] for k in body)
    # ``error`` is a field of the answer's ``errors`` group: entries the tap reads again alone.
    answered = {k: v for k, v in route["fields"].items() if k != "error"}
    assert contradictions(stream.schema["properties"], answered) == []
    assert [variant.get("groups") for variant in route["envelope"]] == [["errors", stream.batch_records_key]]


def example_value(fact: dict[str, t.Any]) -> t.Any:
    """A value of the fact's first type; strings are dates, so bookmarks stay valid."""
    kinds = [kind for kind in fact["type"] if kind != "null"] or ["null"]
    values = {"string": "2025-03-04T05:06:07.000Z", "integer": 7, "number": 7.5, "boolean": True, "null": None}
    if kinds[0] == "object":
        return {name: example_value(sub) for name, sub in fact.get("properties", {}).items()}
    if kinds[0] == "array":
        return [example_value(fact["items"])] if fact.get("items", {}).get("type") else []
    return values[kinds[0]]


def envelope(variant: dict[str, t.Any], record: dict[str, t.Any]) -> t.Any:
    """A payload shaped as one envelope variant of the spec, holding ``record``."""
    kind = variant["kind"]
    inner: t.Any = {
        "list": [record],
        "object": record,
        "map": {"seq_1": record},
        "groups": {group: [record] for group in variant.get("groups", ())},
    }[kind]
    for key in reversed(variant["path"]):
        inner = {key: inner}
    return inner


def response_of(stream: EngagementStream, payload: t.Any) -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    response._content = json.dumps(payload).encode()
    response.headers["Content-Type"] = "application/json"
    response.url = f"{stream.url_base}{stream.path}"
    response.request = requests.Request("GET", response.url).prepare()
    return response


@pytest.mark.parametrize("name", STREAM_NAMES)
def test_every_envelope_of_the_route_is_read_and_no_field_is_lost(spec, tap, name):
    stream = tap.streams[name]
    facts = spec[route_of(stream)]["fields"]
    record = {field: example_value(fact) for field, fact in facts.items()}
    variants = [v for v in spec[route_of(stream)]["envelope"] if v["kind"] not in {"scalar", "none"}]
    assert variants
    context = {"campaignId": "cam_1", "teamId": "tea_1"} if getattr(stream, "parent_key", None) else None
    for variant in variants:
        rows = []
        for row in stream.parse_response(response_of(stream, envelope(variant, json.loads(json.dumps(record))))):
            processed = stream.post_process(row, context)
            rows += [message.record for message in stream._generate_record_messages(processed or {})]
        assert rows, f"{name}: nothing read from {variant}"
        expected = row_fields(spec, stream)
        for row in rows:
            # Every field the spec names arrives in its own column, none in the catch-all.
            assert set(expected) <= set(row), sorted(set(expected) - set(row))
            assert not row.get("extra_fields"), row.get("extra_fields")


# The sandbox


def sandbox_get(account: Account, path: str, query: dict[str, str]) -> t.Any:
    url = f"{account.url}/api{path}?" + "&".join(f"{k}={v}" for k, v in query.items())
    request = urllib.request.Request(url, headers={"Authorization": basic(account.key)})
    for _ in range(5):
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return json.loads(answer.read())
        except urllib.error.HTTPError as error:  # the sandbox keeps lemlist's rate limit
            if error.code != 429:
                raise
            time.sleep(float(error.headers.get("Retry-After", 1)))
    return pytest.fail(f"{path}: still rate limited")


def basic(key: str) -> str:
    return "Basic " + base64.b64encode(f":{key}".encode()).decode()


def records_within(payload: t.Any, variants: list[dict[str, t.Any]]) -> list[dict[str, t.Any]] | None:
    """The records of ``payload`` if it has the shape of one of ``variants``, else None."""
    for variant in variants:
        inner = payload
        for key in variant["path"]:
            inner = inner.get(key) if isinstance(inner, dict) else None
        kind = variant["kind"]
        if kind == "list" and isinstance(inner, list):
            return inner
        if kind == "object" and isinstance(inner, dict):
            return [inner]
        if kind == "map" and isinstance(inner, dict) and all(isinstance(v, dict) for v in inner.values()):
            return list(inner.values())
        if kind == "groups" and isinstance(inner, dict) and all(isinstance(v, list) for v in inner.values()):
            return [row for rows in inner.values() for row in rows]
    return None


def strays(value: t.Any, fact: dict[str, t.Any], where: str) -> list[str]:
    """Where ``value`` holds what the spec's fact does not describe: another type, or a key of
    a described object the spec does not name."""
    kinds = {"bool": "boolean", "int": "integer", "float": "number", "str": "string", "NoneType": "null"}
    kind = kinds.get(type(value).__name__) or ("object" if isinstance(value, dict) else "array")
    admitted = set(fact["type"])
    if kind not in admitted and not (kind == "integer" and "number" in admitted):
        return [f"{where}: {kind}, spec says {sorted(admitted)}"]
    found = []
    if isinstance(value, dict) and "properties" in fact:
        for key, sub in value.items():
            found += (
                strays(sub, fact["properties"][key], f"{where}.{key}")
                if key in fact["properties"]
                else [f"{where}.{key}: not in the spec"]
            )
    if isinstance(value, list) and fact.get("items", {}).get("type"):
        for item in value[:3]:
            found += strays(item, fact["items"], f"{where}[]")
    return found


def test_the_sandbox_answers_what_the_spec_describes(spec, tap, lemlist_account):
    account = lemlist_account(activities=60, campaigns=2, leads_per_campaign=3)
    ids = {
        "campaignId": sandbox_get(account, "/campaigns", {"version": "v2"})[0]["_id"],
        "userId": sandbox_get(account, "/team", {"version": "v2"})["userIds"][0],
    }
    checked = set()
    problems: list[str] = []
    for name in STREAM_NAMES:
        stream = tap.streams[name]
        route = route_of(stream)
        query = {key: ids.get(key, "2025-01-01T00:00:00.000Z") for key in spec[route].get("required_query", ())}
        query |= {"version": "v2"} if "version" in spec[route]["query"] else {}
        query |= {"format": "json"} if "format" in spec[route]["query"] else {}
        payload = sandbox_get(account, stream.path.format(**ids), query)
        records = records_within(payload, spec[route]["envelope"])
        if not records:
            problems.append(f"{route}: no records, or a shape the spec does not show")
            continue
        fields = spec[route]["fields"]
        allowed = BEYOND_SPEC.get(route, set())
        for record in records:
            for key, value in record.items():
                if key in fields:
                    problems += strays(value, fields[key], f"{route} {key}")
                elif key not in allowed and route not in FREE_FORM_ROWS:
                    problems.append(f"{route} {key}: not in the spec")
        checked.add(route)
    live = {f"{route} {name}" for route, names in SEEN_LIVE.items() for name in names}
    assert [
        problem for problem in problems if problem.removesuffix(": not in the spec") not in SANDBOX_BAIT | live
    ] == []
    assert len(checked) == len(STREAM_NAMES)


# Query parameters that page a route: a route the spec gives none of takes one request.
PAGING_PARAMETERS = {"page", "offset", "limit", "cursor", "skip"}


def test_every_field_seen_live_has_a_column(tap):
    for route, names in SEEN_LIVE.items():
        [stream] = [stream for stream in tap.streams.values() if route_of(stream) == route]
        assert names <= set(stream.schema["properties"]), route


def test_a_route_the_spec_does_not_page_is_asked_once(spec, tap, lemlist_account):
    unpaged = {
        name: route_of(stream).split(" ", 1)[1]
        for name, stream in tap.streams.items()
        if not PAGING_PARAMETERS & set(spec[route_of(stream)]["query"]) and "{" not in route_of(stream)
    }
    assert {"crm_users", "deliverability_alerts", "signal_types", "personas"} <= set(unpaged)
    account = lemlist_account(activities=0)
    run = run_tap("tap-lemlist", lemlist_config(account, parallel_requests=4), streams=set(unpaged))
    assert run.returncode == 0, run.stderr
    asked = collections.Counter(request["path"].removeprefix("/api") for request in account.requests())
    assert {name: asked[path] for name, path in unpaged.items()} == dict.fromkeys(unpaged, 1)
