"""Re-runs read the children of the campaigns that changed, not of every campaign, and load
what a full re-read would.

Each test: a first sync, a re-run with nothing new (no per-campaign request), then K campaigns
get activity (and one is edited), and the re-run reads those K only. The tables it leaves are
compared with a read of every campaign's children from the same state.
"""

from __future__ import annotations

import json
import typing as t

from sandbox import lemlist as lemlist_sandbox
from sandbox import smartlead as smartlead_sandbox
from tests.conftest import SMARTLEAD_TEST_LIMIT, Account, lemlist_config, smartlead_config
from tests.taprun import TapRun, killed_run, run_tap, upserted

# Requests a re-run may send besides the per-campaign ones, on an account with few other objects.
OTHER_REQUESTS = 25
# Requests a changed campaign may add: one per child route, and a page more here and there.
PER_CHANGED_CAMPAIGN = 6

LEMLIST_CHILDREN = {"campaign_stats": ("campaignId",), "sequences": ("_id",), "campaign_leads": ("campaignId", "_id")}
SMARTLEAD_CHILDREN = {
    "campaign_sequences": ("campaign_id", "id"),
    "campaign_leads": ("campaign_id", "campaign_lead_map_id"),
    "campaign_statistics": ("stats_id",),
    "campaign_analytics": ("campaign_id",),
    "campaign_webhooks": ("campaign_id", "id"),
    "campaign_email_accounts": ("campaign_id", "id"),
}

FEW_LEMLIST_OBJECTS: dict[str, t.Any] = {**lemlist_sandbox.FEW_OTHER_OBJECTS, "activity_days": 2}
FEW_SMARTLEAD_OBJECTS = smartlead_sandbox.FEW_OTHER_OBJECTS


def child_requests(account: Account, campaign_ids: t.Iterable[str]) -> dict[str, int]:
    """Requests for one campaign since the log was cleared, by campaign id: to a per-campaign
    route, or naming it in a batch request's body."""
    wanted = {str(c) for c in campaign_ids}
    counts: dict[str, int] = {}
    for request in account.requests():
        body = request.get("body")
        named = body.get("campaignIds", []) if isinstance(body, dict) else []
        for part in [*request["path"].split("?")[0].split("/"), *map(str, named)]:
            if part in wanted:
                counts[part] = counts.get(part, 0) + 1
    return counts


def rerun(executable: str, config: dict[str, t.Any], account: Account, state: dict[str, t.Any]) -> TapRun:
    account.control.clear_requests(account.name)
    run = run_tap(executable, config, state=state)
    assert run.returncode == 0, run.stderr[-2000:]
    return run


def test_lemlist_rerun_reads_only_changed_campaigns(lemlist_account: t.Callable[..., Account]) -> None:
    campaigns = 30
    account = lemlist_account(campaigns=campaigns, activities=600, **FEW_LEMLIST_OBJECTS)
    config = lemlist_config(account)
    first = run_tap("tap-lemlist", config)
    assert first.returncode == 0, first.stderr[-2000:]
    ids = [row["_id"] for row in first.records("campaigns")]
    assert len(ids) == campaigns
    # The run's last STATE is its final one (large, it may be held back until the run ends):
    # no stream is left half-done, so the re-run reads the team's per-user routes again.
    assert "synced_parents" not in json.dumps(first.state)

    quiet = rerun("tap-lemlist", config, account, first.state)
    assert child_requests(account, ids) == {}
    assert any(request["path"].startswith("/api/users/") for request in account.requests())
    assert len(account.requests()) <= OTHER_REQUESTS
    assert all(not quiet.records(name) for name in LEMLIST_CHILDREN)

    touched, edited = [2, 11, 29], [5]
    account.control.touch_campaigns(account.name, touched, edits=edited)
    changed = rerun("tap-lemlist", config, account, quiet.state)
    read = child_requests(account, ids)
    assert set(read) == {ids[c] for c in touched + edited}
    assert len(account.requests()) <= OTHER_REQUESTS + PER_CHANGED_CAMPAIGN * len(read)

    # The next run reads again from the newest activity (the bookmark): seen already, it marks
    # no campaign.
    again = rerun("tap-lemlist", config, account, changed.state)
    assert again.records("activities")
    assert child_requests(account, ids) == {}

    # The same tables as a sync that reads everything of the account as it is now.
    fresh = run_tap("tap-lemlist", config)
    assert fresh.returncode == 0, fresh.stderr[-2000:]
    keys = {"campaigns": ("_id",), **LEMLIST_CHILDREN}
    assert upserted([first, quiet, changed], keys) == upserted([fresh], keys)
    # The touched campaigns' new counters did arrive (the equality is not of stale tables).
    assert upserted([first], keys)["campaign_stats"] != upserted([fresh], keys)["campaign_stats"]


def test_smartlead_rerun_reads_only_changed_campaigns(smartlead_account: t.Callable[..., Account]) -> None:
    account = smartlead_account(campaigns=30, rate_limit=SMARTLEAD_TEST_LIMIT, **FEW_SMARTLEAD_OBJECTS)
    config = smartlead_config(account)
    first = run_tap("tap-smartlead", config)
    assert first.returncode == 0, first.stderr[-2000:]
    ids = [row["id"] for row in first.records("campaigns")]

    quiet = rerun("tap-smartlead", config, account, first.state)
    assert child_requests(account, ids) == {}
    assert len(account.requests()) <= OTHER_REQUESTS

    # A new open for the first lead of each of the first 4 campaigns.
    account.control.touch_leads(account.name, 4)
    changed = rerun("tap-smartlead", config, account, quiet.state)
    read = child_requests(account, ids)
    assert set(read) == {str(c) for c in ids[:4]}
    assert len(account.requests()) <= OTHER_REQUESTS + PER_CHANGED_CAMPAIGN * len(read)

    # The next run reads the lookback again, these leads among them: unchanged, they mark none.
    again = rerun("tap-smartlead", config, account, changed.state)
    assert again.records("lead_activities")
    assert child_requests(account, ids) == {}

    # From the same state, a run that reads every campaign's children leaves the same tables.
    everything = rerun("tap-smartlead", {**config, "reconcile": True}, account, quiet.state)
    assert len(child_requests(account, ids)) == len(ids)
    keys = {"campaigns": ("id",), **SMARTLEAD_CHILDREN}
    assert upserted([first, quiet, changed], keys) == upserted([first, quiet, everything], keys)
    analytics = upserted([first, quiet, changed], keys)["campaign_analytics"]
    assert upserted([first], keys)["campaign_analytics"] != analytics


def test_reconciliation_reads_every_campaign_when_due_asked_or_unsignalled(
    lemlist_account: t.Callable[..., Account],
) -> None:
    account = lemlist_account(campaigns=8, activities=100, **FEW_LEMLIST_OBJECTS)
    config = lemlist_config(account)
    first = run_tap("tap-lemlist", config)
    assert first.returncode == 0, first.stderr[-2000:]
    ids = [row["_id"] for row in first.records("campaigns")]

    def campaigns_read(run_config: dict[str, t.Any], state: dict[str, t.Any], **kwargs: t.Any) -> set[str]:
        account.control.clear_requests(account.name)
        run = run_tap("tap-lemlist", run_config, state=state, **kwargs)
        assert run.returncode == 0, run.stderr[-2000:]
        return set(child_requests(account, ids))

    # Asked for: every campaign, and the period starts again (the next run skips them all).
    account.control.clear_requests(account.name)
    asked = run_tap("tap-lemlist", {**config, "reconcile": True}, state=first.state)
    assert set(child_requests(account, ids)) == set(ids)
    assert campaigns_read(config, asked.state) == set()
    # Due: the last full read is older than reconcile_every_days.
    assert campaigns_read({**config, "reconcile_every_days": 0}, asked.state) == set(ids)
    old = {**asked.state, "bookmarks": {**asked.state["bookmarks"]}}
    old["bookmarks"]["campaign_stats"] = {**old["bookmarks"]["campaign_stats"], "reconciled_at": "2020-01-01T00:00:00Z"}
    assert campaigns_read(config, old, streams={"activities", "campaigns", "campaign_stats"}) == set(ids)
    # No feed this run (activities not selected): nothing says which campaigns changed.
    assert campaigns_read(config, asked.state, streams={"campaigns", "campaign_stats"}) == set(ids)
    # A feed filtered to some campaigns or types cannot vouch for the others.
    assert campaigns_read({**config, "types": ["emailsOpened"]}, asked.state) == set(ids)


def test_a_rerun_killed_before_the_changed_campaigns_children_reads_them_next_time(
    lemlist_account: t.Callable[..., Account],
) -> None:
    account = lemlist_account(campaigns=14, activities=200, **FEW_LEMLIST_OBJECTS)
    config = lemlist_config(account)
    streams = {"activities", "campaigns", *LEMLIST_CHILDREN}
    first = run_tap("tap-lemlist", config, streams=streams)
    assert first.returncode == 0, first.stderr[-2000:]
    ids = [row["_id"] for row in first.records("campaigns")]

    account.control.touch_campaigns(account.name, [2, 11])
    # The feed's new activities (and the boundary one), campaigns 0 and 1, then campaign 2's
    # first child row: killed there, with campaign 11 not read yet.
    killed = killed_run("tap-lemlist", config, streams, after_records=6, state=first.state)
    assert not [row for row in killed.records("campaign_stats") if row["campaignId"] == ids[11]]
    assert len(killed.records("activities")) >= 2

    account.control.clear_requests(account.name)
    resumed = run_tap("tap-lemlist", config, state=killed.state, streams=streams)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    read = child_requests(account, ids)
    assert ids[11] in read
    assert len(read) <= 2, "the kill's state was lost: every campaign was read again"
    fresh = run_tap("tap-lemlist", config, streams=streams)
    keys = {"campaigns": ("_id",), **LEMLIST_CHILDREN}
    assert upserted([first, killed, resumed], keys) == upserted([fresh], keys)


def test_smartlead_campaigns_edited_without_activity_have_their_children_read(
    smartlead_account: t.Callable[..., Account],
) -> None:
    """A campaign renamed, paused and given a step in the app, with no lead activity: the next
    run reads its children (its row changed), and only its."""
    account = smartlead_account(campaigns=20, rate_limit=SMARTLEAD_TEST_LIMIT, **FEW_SMARTLEAD_OBJECTS)
    config = smartlead_config(account)
    first = run_tap("tap-smartlead", config)
    assert first.returncode == 0, first.stderr[-2000:]
    ids = [row["id"] for row in first.records("campaigns")]
    steps_before = {(row["campaign_id"], row["id"]) for row in first.records("campaign_sequences")}

    edited = [1, 6, 7, 12, 19]
    account.control.edit_campaigns(account.name, edited)
    account.control.clear_requests(account.name)
    changed = rerun("tap-smartlead", config, account, first.state)
    assert set(child_requests(account, ids)) == {str(ids[c]) for c in edited}
    assert len(account.requests()) <= OTHER_REQUESTS + PER_CHANGED_CAMPAIGN * len(edited)
    assert not changed.records("lead_activities") or all(
        row["campaign_id"] not in {ids[c] for c in edited} for row in changed.records("lead_activities")
    )
    renamed = {row["id"]: row for row in changed.records("campaigns")}
    assert all(renamed[ids[c]]["name"].endswith("(edited)") and renamed[ids[c]]["status"] == "PAUSED" for c in edited)
    new_steps = {(row["campaign_id"], row["id"]) for row in changed.records("campaign_sequences")} - steps_before
    assert {campaign for campaign, _ in new_steps} == {ids[c] for c in edited}

    # Read once: the run after reads none of them again.
    rerun("tap-smartlead", config, account, changed.state)
    assert child_requests(account, ids) == {}, [r["path"] for r in account.requests()]
