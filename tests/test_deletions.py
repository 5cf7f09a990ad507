"""Deletions: ACTIVATE_VERSION goes out once per full-table stream, after its last record, and
only when the run read that stream whole (see tap_core.deletions)."""

from __future__ import annotations

import typing as t

import pytest

from tap_lemlist.tap import TapLemlist
from tap_smartlead.tap import TapSmartlead
from tests.conftest import SMARTLEAD_TEST_LIMIT, Account, lemlist_config, smartlead_config
from tests.taprun import TapRun, run_tap

# Streams read per campaign, which a change-driven re-run reads for changed campaigns only.
LEMLIST_CHILDREN = {"campaign_leads", "campaign_stats", "sequences"}


def read_whole_each_run(tap_class: type[TapLemlist] | type[TapSmartlead], config: dict[str, t.Any]) -> set[str]:
    """Full-table streams whose parent, if any, is full-table too: a child of an incremental
    stream (a replied lead's thread) is read for the parents that changed only."""
    streams = tap_class(config=config, parse_env_config=False, validate_config=False).streams
    # A route that answers a recent period only (warm-up stats) keeps older rows: it retires none.
    full = {name for name, stream in streams.items() if not stream.replication_key and stream.retires_rows}
    return {
        name for name in full if not streams[name].parent_stream_type or streams[name].parent_stream_type.name in full
    }


def announced(run: TapRun) -> dict[str, list[int]]:
    """Each stream's ACTIVATE_VERSION messages, by position in the output."""
    found: dict[str, list[int]] = {}
    for position, message in enumerate(run.messages):
        if message["type"] == "ACTIVATE_VERSION":
            found.setdefault(message["stream"], []).append(position)
    return found


def check_after_records(run: TapRun) -> dict[str, int]:
    """Each stream's one ACTIVATE_VERSION comes after every RECORD of it, with the RECORDs' version."""
    versions: dict[str, int] = {}
    last: dict[str, int] = {}
    for position, message in enumerate(run.messages):
        if message["type"] == "RECORD":
            last[message["stream"]] = position
    for stream, positions in announced(run).items():
        assert len(positions) == 1, f"{stream}: {len(positions)} ACTIVATE_VERSION messages"
        assert positions[0] > last.get(stream, -1), f"{stream}: ACTIVATE_VERSION before a RECORD"
        versions[stream] = run.messages[positions[0]]["version"]
    for message in run.messages:
        if message["type"] == "RECORD" and message["stream"] in versions:
            assert message["version"] == versions[message["stream"]]
    return versions


def lemlist_first_sync() -> tuple[type[TapLemlist], dict[str, t.Any]]:
    return TapLemlist, lemlist_config(Account("lemlist", activities=120))


def smartlead_first_sync() -> tuple[type[TapSmartlead], dict[str, t.Any]]:
    account = Account("smartlead", rate_limit=SMARTLEAD_TEST_LIMIT, campaigns=2, leads_per_campaign=5)
    return TapSmartlead, smartlead_config(account, start_date="2024-01-01")


@pytest.mark.parametrize(
    ("tap", "make"), [("tap-lemlist", lemlist_first_sync), ("tap-smartlead", smartlead_first_sync)]
)
def test_a_first_sync_retires_unsent_rows_of_every_full_table_stream_after_its_records(tap, make):
    tap_class, config = make()
    run = run_tap(tap, config)
    assert run.returncode == 0, run.stderr[-2000:]
    versions = check_after_records(run)
    synced = {m["stream"] for m in run.messages if m["type"] == "RECORD"}
    # Every full-table stream that synced announces, once for the run; no incremental one
    # does, and its rows carry no version (they are events, never retired).
    assert set(versions) == read_whole_each_run(tap_class, config) & synced
    assert len(set(versions.values())) == 1
    events = [m for m in run.messages if m["type"] == "RECORD" and m["stream"] in {"activities", "lead_activities"}]
    assert events
    assert all(m.get("version") is None for m in events)


def test_a_change_driven_rerun_retires_nothing_of_the_children_and_a_reconciliation_does(lemlist_account):
    account = lemlist_account(activities=120, campaigns=4)
    config = lemlist_config(account)
    first = run_tap("tap-lemlist", config)
    assert set(check_after_records(first)) >= LEMLIST_CHILDREN

    account.control.touch_campaigns(account.name, [1])
    rerun = run_tap("tap-lemlist", config, state=first.state)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    versions = check_after_records(rerun)
    assert rerun.records("campaign_leads"), "the touched campaign's leads are read"
    # Its leads came again, but the others' did not: announcing would retire them.
    assert not LEMLIST_CHILDREN & set(versions)
    assert {"campaigns", "contacts"} <= set(versions)

    reconciled = run_tap("tap-lemlist", {**config, "reconcile": True}, state=rerun.state)
    assert set(check_after_records(reconciled)) >= LEMLIST_CHILDREN


def test_a_stream_that_stops_part_way_retires_nothing(lemlist_account):
    account = lemlist_account(activities=60, campaigns=3)
    config = lemlist_config(account, reconcile=True)
    first = run_tap("tap-lemlist", config)
    second_campaign = sorted(r["_id"] for r in first.records("campaigns"))[1]
    # Every answer for the second campaign's leads is an HTML page: campaign_leads stops after
    # the leads of the campaigns before it went out.
    account.set_faults(rate=1.0, kinds=["html"], paths=[f"/api/campaigns/{second_campaign}/export"])
    broken = run_tap("tap-lemlist", config, state=first.state)
    assert broken.returncode == 1
    assert "Stream 'campaign_leads' stopped" in broken.stderr
    versions = check_after_records(broken)
    assert "campaign_leads" not in versions
    assert {"campaigns", "campaign_stats", "sequences", "contacts"} <= set(versions)


def test_deletions_can_be_turned_off(lemlist_account):
    account = lemlist_account(activities=60, campaigns=2)
    run = run_tap("tap-lemlist", lemlist_config(account, emit_activate_version_messages=False))
    assert run.returncode == 0, run.stderr[-2000:]
    assert not announced(run)
    assert all(m.get("version") is None for m in run.messages if m["type"] == "RECORD")
