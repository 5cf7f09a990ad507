"""Time-boxed runs (``max_run_minutes``): a first sync cut into several short runs, each with
the last one's STATE, leaves the same tables as one uninterrupted run, and each run that stops
early exits 0 and says what is left."""

from __future__ import annotations

import typing as t

import pytest

from sandbox import smartlead as smartlead_sandbox
from tests.conftest import Account, lemlist_config, smartlead_config
from tests.taprun import TapRun, run_tap, upserted

# Short enough that a sandbox first sync with real latency needs several runs.
RUN_SECONDS = 4.0
MOST_RUNS = 25
LEFT_LINE = "Stopped at max_run_minutes"

SMARTLEAD_KEYS = {
    "campaigns": ("id",),
    "campaign_sequences": ("campaign_id", "id"),
    "campaign_leads": ("campaign_id", "campaign_lead_map_id"),
    "campaign_statistics": ("stats_id",),
    "campaign_analytics": ("campaign_id",),
    "campaign_webhooks": ("campaign_id", "id"),
    "campaign_email_accounts": ("campaign_id", "id"),
    "lead_activities": ("email_lead_map_id",),
    "email_accounts": ("id",),
    "lead_categories": ("id",),
    "day_wise_stats": ("date",),
}
LEMLIST_KEYS = {
    "campaigns": ("_id",),
    "activities": ("_id",),
    "campaign_stats": ("campaignId",),
    "sequences": ("_id",),
    "campaign_leads": ("campaignId", "_id"),
}


def boxed_runs(executable: str, config: dict[str, t.Any]) -> list[TapRun]:
    """Runs of ``RUN_SECONDS`` each, every one from the last one's STATE, until one ends whole."""
    runs: list[TapRun] = []
    state: dict[str, t.Any] | None = None
    for _ in range(MOST_RUNS):
        run = run_tap(executable, {**config, "max_run_minutes": RUN_SECONDS / 60}, state=state)
        assert run.returncode == 0, run.stderr[-2000:]
        assert "Traceback" not in run.stderr
        runs.append(run)
        if LEFT_LINE not in run.stderr:
            return runs
        state = run.state
    pytest.fail(f"{executable}: still not done after {MOST_RUNS} time-boxed runs")


@pytest.mark.parametrize("vendor", ["lemlist", "smartlead"])
def test_a_first_sync_cut_into_time_boxed_runs_leaves_the_tables_of_one_run(
    vendor: str,
    lemlist_account: t.Callable[..., Account],
    smartlead_account: t.Callable[..., Account],
) -> None:
    if vendor == "lemlist":
        account = lemlist_account(campaigns=12, activities=300, latency_ms=150)
        config, keys, executable = lemlist_config(account), LEMLIST_KEYS, "tap-lemlist"
    else:
        account = smartlead_account(campaigns=10, latency_ms=150, **smartlead_sandbox.FEW_OTHER_OBJECTS)
        config, keys, executable = smartlead_config(account), SMARTLEAD_KEYS, "tap-smartlead"
    runs = boxed_runs(executable, config)
    assert len(runs) >= 3, "the account is too small to cut the sync"
    stopped = runs[0].stderr.splitlines()
    assert any(LEFT_LINE in line and "the next run goes on from there" in line for line in stopped)

    whole = run_tap(executable, config)
    assert whole.returncode == 0, whole.stderr[-2000:]
    assert upserted(runs, keys) == upserted([whole], keys)
