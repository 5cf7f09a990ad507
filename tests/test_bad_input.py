"""Bad input, both taps, through the real command line: one line saying what to fix, exit 1,
no traceback, no record, and the state it was given handed back untouched."""

from __future__ import annotations

import copy
import tempfile
import typing as t
from pathlib import Path

import pytest

from tests.conftest import SMARTLEAD_TEST_LIMIT, Account, lemlist_config, smartlead_config
from tests.taprun import TapRun, run_tap, select_streams, write_json


def bookmark(key: str) -> dict[str, str]:
    return {"replication_key": key, "replication_key_value": "2025-01-01T00:00:00.000Z"}


TAPS: dict[str, dict[str, t.Any]] = {
    "tap-lemlist": {
        "app": "lemlist",
        "config": lemlist_config,
        "spec": {"activities": 30, "campaigns": 2},
        "no_access": {"gates": {"/": 403}},
        "no_access_says": "lemlist refused every selected stream (last: GET /api/",
        "state": {"bookmarks": {"activities": bookmark("createdAt")}},
    },
    "tap-smartlead": {
        "app": "smartlead",
        "config": smartlead_config,
        "spec": {"campaigns": 2, "leads_per_campaign": 5, "rate_limit": SMARTLEAD_TEST_LIMIT},
        "no_access": {"api_access": False},
        "no_access_says": "Smartlead denied access (403 on GET /api/v1/",
        "state": {"bookmarks": {"lead_activities": bookmark("event_time_to")}},
    },
}

# (case, what to change in the config, what the line must say)
CASES: list[tuple[str, dict[str, t.Any] | None, str]] = [
    ("missing key", None, "setting 'api_key'"),
    ("empty key", {"api_key": "   "}, "'api_key' is empty"),
    ("malformed start_date", {"start_date": "last tuesday"}, "'start_date' is not an ISO 8601"),
    ("future start_date", {"start_date": "2999-01-01"}, "'start_date' is in the future"),
    ("api_url not http(s)", {"api_url": "ftp://api.example.com"}, "'api_url' must be an http(s) URL"),
    ("unknown stream selected", {}, "not a stream of"),
    ("wrong key", {"api_key": "wrong-key-0123456789"}, "rejected the API key (401 on GET"),
    ("no API access", {}, ""),
]


def unknown_stream_catalog(tap: str, config: dict[str, t.Any], folder: Path) -> str:
    catalog = select_streams(tap, config, set())
    entry = copy.deepcopy(catalog["streams"][0])
    entry["tap_stream_id"] = entry["stream"] = "activitiez"
    for metadata in entry["metadata"]:
        if metadata["breadcrumb"] == []:
            metadata["metadata"]["selected"] = True
    catalog["streams"].append(entry)
    return write_json(folder / "catalog.json", catalog)


@pytest.mark.parametrize("tap", sorted(TAPS))
@pytest.mark.parametrize(("case", "change", "says"), CASES, ids=[case for case, _, _ in CASES])
def test_bad_input_is_one_line_and_leaves_state_untouched(tap, case, change, says):
    plan = TAPS[tap]
    account = Account(plan["app"], **plan["spec"], **(plan["no_access"] if case == "no API access" else {}))
    config = plan["config"](account)
    key = account.key
    if change is None:
        del config["api_key"]
    else:
        config.update(change)
    state = copy.deepcopy(plan["state"])
    with tempfile.TemporaryDirectory() as folder:
        unknown = case == "unknown stream selected"
        args = ["--catalog", unknown_stream_catalog(tap, config, Path(folder))] if unknown else []
        run = run_tap(tap, config, state=state, args=args)
    says = says or plan["no_access_says"]

    assert run.returncode == 1, f"{case}: {run.stderr[-2000:]}"
    assert "Traceback" not in run.stderr, case
    errors = [line for line in run.stderr.splitlines() if "error" in line.lower()]
    assert len(errors) == 1, f"{case}: {errors}"
    assert errors[0].startswith(f"{tap}: error: "), errors[0]
    assert says in errors[0], errors[0]
    assert_nothing_leaks_or_changes(run, key, state)


def assert_nothing_leaks_or_changes(run: TapRun, key: str, state: dict[str, t.Any]) -> None:
    assert key not in run.stdout
    assert key not in run.stderr
    assert not [m for m in run.messages if m["type"] == "RECORD"]
    # The SDK lists every stream it visited, with nothing in it: no bookmark moves.
    for message in (m for m in run.messages if m["type"] == "STATE"):
        bookmarks = {name: entry for name, entry in message["value"]["bookmarks"].items() if entry}
        assert {**message["value"], "bookmarks": bookmarks} == state
