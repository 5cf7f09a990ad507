"""Hostile responses, property-based: every stream's parser and post-processing, fed any JSON,
gives records its schema admits or one clear error; schema drift keeps values."""

from __future__ import annotations

import datetime
import functools
import typing as t

import jsonschema
import msgspec
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox.catalog import select
from tap_core.errors import TapError
from tap_core.http import InvalidBodyError
from tap_core.records import as_text
from tap_core.redaction import is_credential
from tap_lemlist.tap import TapLemlist
from tap_smartlead.tap import TapSmartlead

if t.TYPE_CHECKING:
    from tap_core import EngagementTap
    from tap_core.rest import EngagementStream

CONFIG = {"api_key": "property-test-key", "api_url": "http://127.0.0.1:9/api", "start_date": "2024-01-01"}
TAP_CLASSES = {"tap-lemlist": TapLemlist, "tap-smartlead": TapSmartlead}
STREAMS = [(tap, cls.name) for tap, tap_class in TAP_CLASSES.items() for cls in tap_class.stream_types]
PROPERTY_SETTINGS = settings(
    max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)

# Any JSON document: what a proxy, a new API version or a bug may answer.
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
JSON = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
)


@functools.cache
def tap_of(tap: str) -> EngagementTap:
    """The tap with every stream selected, the opt-in ones included."""
    catalog = TAP_CLASSES[tap](config=CONFIG, parse_env_config=False).catalog_dict
    every = {entry["tap_stream_id"] for entry in catalog["streams"]}
    return TAP_CLASSES[tap](config=CONFIG, catalog=select(catalog, every), parse_env_config=False)


def stream_of(tap: str, name: str) -> EngagementStream:
    return t.cast("EngagementStream", tap_of(tap).streams[name])


def response_of(stream: EngagementStream, body: bytes) -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    response._content = body
    response.headers["Content-Type"] = "application/json"
    response.url = f"{stream.url_base}{stream.path}"
    response.request = requests.Request("GET", response.url).prepare()
    return response


def context_of(stream: EngagementStream) -> dict[str, t.Any] | None:
    key = getattr(stream, "parent_key", None)
    if key is None:
        return None
    types = stream.schema["properties"][key]["type"]
    return {key: "cam_parent" if "string" in types else 4_200_000_001}


def emitted(stream: EngagementStream, body: bytes) -> list[dict[str, t.Any]]:
    """The records the tap would write for one page with this body."""
    out = []
    context = context_of(stream)
    for record in stream.parse_response(response_of(stream, body)):
        processed = stream.post_process(record, context)
        if processed is not None:
            out += [message.record for message in stream._generate_record_messages(processed)]
    return out


def validator(stream: EngagementStream) -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(stream.schema)


@pytest.mark.parametrize(("tap", "name"), STREAMS)
@PROPERTY_SETTINGS
@given(payload=JSON)
def test_any_json_gives_valid_records_or_one_clear_line(tap, name, payload):
    stream = stream_of(tap, name)
    try:
        records = emitted(stream, msgspec.json.encode(payload))
    except TapError as error:
        text = str(error)
        assert text
        assert "\n" not in text
        assert CONFIG["api_key"] not in text
        return
    for record in records:
        errors = sorted(validator(stream).iter_errors(record), key=str)
        assert not errors, f"{name}: {errors[0].message}"


@pytest.mark.parametrize(("tap", "name"), STREAMS)
@PROPERTY_SETTINGS
@given(body=st.binary(max_size=64))
def test_bytes_that_are_not_json_are_a_retriable_error_or_records(tap, name, body):
    stream = stream_of(tap, name)
    failure = None
    try:
        emitted(stream, body)
    except (TapError, InvalidBodyError) as error:  # retried, then one line naming the endpoint
        failure = str(error)
    assert failure is None or "\n" not in failure


def value_for(prop: dict[str, t.Any], name: str) -> st.SearchStrategy[t.Any]:  # noqa: PLR0911
    """A value the property's schema admits, or its drifted twin: a number as a string."""
    types = prop.get("type", [])
    types = [types] if isinstance(types, str) else types
    if "integer" in types:
        return st.integers(-(2**53), 2**53) | st.integers(0, 2**40).map(str)
    if "number" in types:
        return st.integers(-(10**6), 10**6) | st.floats(-1e6, 1e6).map(lambda f: round(f, 3))
    if "boolean" in types:
        return st.booleans()
    if "object" in types:
        # Nested values drift too: declared names with any scalar, beside names of its own.
        names = (
            st.sampled_from(sorted(prop["properties"])) | st.text(max_size=6)
            if prop.get("properties")
            else st.text(max_size=6)
        )
        return st.dictionaries(names, SCALARS, max_size=3)
    if "array" in types:
        return st.just([])
    if prop.get("format") == "date-time" or name in {"date"}:
        return st.datetimes(min_value=datetime.datetime(2000, 1, 1), timezones=st.just(datetime.timezone.utc)).map(
            lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.000Z") if name != "date" else d.strftime("%Y-%m-%d")
        )
    return st.text(max_size=12)


@st.composite
def drifted_record(draw: st.DrawFn, stream: EngagementStream) -> dict[str, t.Any]:
    """A record of the schema after drift: fields missing, nulls, numbers as strings, new fields."""
    required = {*(stream.primary_keys or ()), *([stream.replication_key] if stream.replication_key else [])}
    record: dict[str, t.Any] = {}
    for name, prop in stream.schema["properties"].items():
        if name == "extra_fields":
            continue  # the tap's own column, not the API's
        types = prop.get("type", [])
        nullable = "null" in (types if isinstance(types, list) else [types])
        if name not in required and draw(st.booleans()):
            continue  # missing
        record[name] = (
            None if nullable and name not in required and draw(st.booleans()) else draw(value_for(prop, name))
        )
    new_fields = draw(st.dictionaries(st.text(min_size=1, max_size=6).map(lambda s: f"new_{s}"), SCALARS, max_size=2))
    return {**record, **new_fields}


# Rows built from a nested answer (lemlist's steps inside each sequence, Smartlead's days under
# data.day_wise_stats): their answers are not shaped like rows, so the any-JSON property covers them.
NESTED = {("tap-lemlist", "sequences"), ("tap-smartlead", "day_wise_stats")}
ROW_SHAPED = [stream for stream in STREAMS if stream not in NESTED]


@pytest.mark.parametrize(("tap", "name"), ROW_SHAPED)
@PROPERTY_SETTINGS
@given(data=st.data())
def test_schema_drift_keeps_the_sync_going_with_values_preserved(tap, name, data):
    stream = stream_of(tap, name)
    sent = data.draw(drifted_record(stream))
    body = msgspec.json.encode(sent if stream.single_object else [sent])
    records = emitted(stream, body)
    assert len(records) == 1
    [record] = records
    assert not [k for k in record if k.startswith("new_")]
    assert not sorted(validator(stream).iter_errors(record), key=str)
    # Fields the schema lacks are kept whole in the stream's catch-all column (campaign leads
    # keep them as the lead's custom variables).
    gathered = "variables" if (tap, name) == ("tap-lemlist", "campaign_leads") else "extra_fields"
    catch_all = record.get(gathered)
    assert {k: v for k, v in sent.items() if k.startswith("new_") and not is_credential(k)} == {
        k: v for k, v in (catch_all or {}).items() if k.startswith("new_")
    }
    declared = {
        field: value
        for field, value in sent.items()
        if not field.startswith("new_") and field not in tap_set_fields(stream) and field != "extra_fields"
    }
    assert_settled(declared, record, stream.schema["properties"], "", catch_all or {})


def assert_settled(sent: dict[str, t.Any], kept: dict[str, t.Any], properties: dict, prefix: str, extra: dict) -> None:
    """Each value sent is where the tap settles it, at any depth: in place (a number sent as a
    string as that number, a number or boolean where text is declared as that text), or moved
    to the catch-all under its dotted path."""
    for key, value in sent.items():
        path = f"{prefix}{key}"
        if key not in properties:
            assert kept[key] == value  # a free-form object's own keys pass whole
        elif path in extra:
            assert extra[path] == value
            assert key not in kept
        elif isinstance(value, dict) and properties[key].get("properties"):
            assert_settled(value, kept[key], properties[key]["properties"], f"{path}.", extra)
        else:
            assert_same_value(value, kept[key])


def assert_same_value(value: t.Any, kept: t.Any) -> None:
    if isinstance(value, str) and isinstance(kept, (int, float)) and not isinstance(kept, bool):
        assert kept == float(value)  # a number sent as a string arrives as that number
    elif isinstance(value, str) and isinstance(kept, bool):
        assert kept is (value.strip().lower() in {"true", "1"})
    elif isinstance(kept, str) and not isinstance(value, str):
        assert kept == as_text(value)
    else:
        assert kept == value


def tap_set_fields(stream: EngagementStream) -> set[str]:
    """Fields the tap fills itself: the parent's key, the window's end, gathered variables, the
    period campaign stats count."""
    key = getattr(stream, "parent_key", None)
    return {*([key] if key else []), "event_time_to", "variables", "startDate", "endDate"}
