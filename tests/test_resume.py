"""kill -9 at a random point of a first sync, then a re-run with the last STATE: nothing lost,
at most one window (or one campaign) read again."""

from __future__ import annotations

import os
import random
import re
import signal
import typing as t

import pytest

from tests.conftest import SMARTLEAD_TEST_LIMIT, Account, lemlist_config, smartlead_config
from tests.taprun import TapRun, batch_config, killed_run, run_tap

# A failing draw can be replayed: RESUME_SEED=<seed from the failure message>.
SEED = int(os.environ.get("RESUME_SEED") or random.SystemRandom().randrange(10**6))


def kill_point(records: int) -> int:
    """A record count in [1, records): where the kill lands."""
    return random.Random(SEED).randrange(1, records)  # noqa: S311 (a test's draw, not a secret)


def ids(run: TapRun, stream: str, key: str) -> list[t.Any]:
    return [r[key] for r in run.records(stream)]


def test_lemlist_activities_resume_from_the_last_completed_window(lemlist_account):
    account = lemlist_account(activities=3000)
    config = lemlist_config(account)
    clean = run_tap("tap-lemlist", config, streams=["activities"])
    assert clean.returncode == 0, clean.stderr
    expected = set(ids(clean, "activities", "_id"))
    point = kill_point(len(expected))
    why = f"kill after {point} records (RESUME_SEED={SEED})"

    account.control.clear_requests(account.name)
    killed = killed_run("tap-lemlist", config, {"activities"}, point)
    assert killed.returncode == -signal.SIGKILL, why
    asked = [r["query"]["maxDate"] for r in account.requests() if r["path"] == "/api/activities"]
    first_end, in_progress_end = min(asked), max(asked)
    checkpoint = killed.bookmark("activities")

    account.control.clear_requests(account.name)
    resumed = run_tap("tap-lemlist", config, streams=["activities"], state=killed.state)
    assert resumed.returncode == 0, resumed.stderr

    before, after = set(ids(killed, "activities", "_id")), ids(resumed, "activities", "_id")
    assert before | set(after) == expected, why
    sent = [r["query"] for r in account.requests() if r["path"] == "/api/activities"]
    if checkpoint is None:
        # Killed inside the first window: it is read again, and only it.
        assert all(r["createdAt"] <= first_end for r in killed.records("activities")), why
        return
    assert killed.state["bookmarks"]["activities"]["window_checkpoint"] is True, why
    assert min(q["minDate"] for q in sent) == checkpoint, why
    again = [r for r in resumed.records("activities") if r["_id"] in before]
    # Read twice: only the window in progress at the kill (and the boundary activity).
    assert all(checkpoint <= r["createdAt"] <= in_progress_end for r in again), why
    assert "window_checkpoint" not in resumed.state["bookmarks"]["activities"]


def test_smartlead_lead_activities_resume_without_lookback(smartlead_account):
    account = smartlead_account(campaigns=4, leads_per_campaign=750)
    config = smartlead_config(account, lookback_days=7)
    clean = run_tap("tap-smartlead", config, streams=["lead_activities"])
    assert clean.returncode == 0, clean.stderr
    expected = set(ids(clean, "lead_activities", "email_lead_map_id"))
    total = len(clean.records("lead_activities"))
    point = kill_point(total)
    why = f"kill after {point} records (RESUME_SEED={SEED})"

    killed = killed_run("tap-smartlead", config, {"lead_activities"}, point)
    assert killed.returncode == -signal.SIGKILL, why
    checkpoint = killed.bookmark("lead_activities")

    account.control.clear_requests(account.name)
    resumed = run_tap("tap-smartlead", config, streams=["lead_activities"], state=killed.state)
    assert resumed.returncode == 0, resumed.stderr
    found = set(ids(killed, "lead_activities", "email_lead_map_id")) | set(
        ids(resumed, "lead_activities", "email_lead_map_id")
    )
    assert found == expected, why
    if checkpoint is not None:
        sent = [r["query"] for r in account.requests() if r["path"] == "/api/v1/campaigns/all-leads-activities"]
        # A checkpoint is exact: the lookback is for finished syncs, not for resuming one.
        assert min(q["event_time_from"] for q in sent) == checkpoint, why


LEADS_PATH = re.compile(r"/campaigns/([^/]+)/(?:export/)?leads$")


@pytest.mark.parametrize(
    ("tap", "make_account", "make_config"),
    [
        ("tap-lemlist", lambda: Account("lemlist", campaigns=24, leads_per_campaign=60), lemlist_config),
        (
            "tap-smartlead",
            lambda: Account("smartlead", rate_limit=SMARTLEAD_TEST_LIMIT, campaigns=24, leads_per_campaign=60),
            smartlead_config,
        ),
    ],
)
def test_campaign_leads_resume_per_campaign(tap, make_account, make_config):
    account = make_account()
    config = make_config(account)
    streams = {"campaigns", "campaign_leads"}
    clean = run_tap(tap, config, streams=streams)
    assert clean.returncode == 0, clean.stderr
    key = ("campaignId", "_id") if tap == "tap-lemlist" else ("campaign_id", "campaign_lead_map_id")
    expected = {tuple(r[k] for k in key) for r in clean.records("campaign_leads")}
    point = kill_point(len(expected))
    why = f"kill after {point} records (RESUME_SEED={SEED})"

    killed = killed_run(tap, config, streams, point)
    assert killed.returncode == -signal.SIGKILL, why
    finished = set(killed.state.get("bookmarks", {}).get("campaign_leads", {}).get("synced_parents", []))

    account.control.clear_requests(account.name)
    resumed = run_tap(tap, config, streams=streams, state=killed.state)
    assert resumed.returncode == 0, resumed.stderr
    before = {tuple(r[k] for k in key) for r in killed.records("campaign_leads")}
    after = [tuple(r[k] for k in key) for r in resumed.records("campaign_leads")]
    assert before | set(after) == expected, why
    # No request for a campaign whose leads were all emitted; at most one campaign read twice.
    asked = {match[1] for r in account.requests() if (match := LEADS_PATH.search(r["path"]))}
    assert asked, "the re-run read no campaign's leads at all"
    assert not {str(c) for c in finished} & asked, why
    if before == expected:
        # The kill landed after the last record, once the stream had ended whole: its STATE says
        # so, and the re-run is a new full read of every campaign, as any next run is.
        assert not finished, why
        return
    assert len({campaign for campaign, _ in set(after) & before}) <= 1, why
    assert "synced_parents" not in resumed.state["bookmarks"].get("campaign_leads", {})


def test_lemlist_activities_resume_in_batch_mode_after_a_kill_after_any_state(lemlist_account, tmp_path):
    """In BATCH mode no RECORD line comes: the kill lands after a STATE, where a STATE ahead of
    its records' BATCH would skip them."""
    account = lemlist_account(activities=3000)
    config = lemlist_config(account, batch_config=batch_config(tmp_path, 250))
    clean = run_tap("tap-lemlist", config, streams=["activities"])
    expected = {r["_id"] for r in clean.records("activities")}
    states = sum(1 for m in clean.messages if m["type"] == "STATE")
    point = kill_point(states)
    why = f"kill after STATE {point} of {states} (RESUME_SEED={SEED})"

    killed = killed_run("tap-lemlist", config, {"activities"}, point, counting="STATE")
    assert killed.returncode == -signal.SIGKILL, why
    # What a loader took from the killed run: the batches announced before the kill.
    before = {r["_id"] for r in killed.records("activities")}
    resumed = run_tap("tap-lemlist", config, streams=["activities"], state=killed.state)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert before | {r["_id"] for r in resumed.records("activities")} == expected, why
