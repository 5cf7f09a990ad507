"""Smartlead under its hourly cap: the default selection leaves per-lead and per-mailbox detail
out, a first sync reads what the outreach model needs before any detail, and a spent cap says
when requests resume instead of going quiet."""

from __future__ import annotations

import re
import typing as t

from sandbox import smartlead as smartlead_sandbox
from tests.conftest import Account, smartlead_config
from tests.taprun import run_tap

# What transform/models/staging reads: campaigns, their leads, statistics and analytics, the
# categories and the mailboxes.
MODEL_INPUTS = re.compile(
    r"^/api/v1/(campaigns/|campaigns/\d+/(statistics|analytics|leads)|leads/fetch-categories|email-accounts/)$"
)
# Detail the model does not read: campaign settings, agency clients, account-wide days.
DETAIL = re.compile(r"^/api/v1/(campaigns/\d+/(sequences|webhooks|email-accounts)|client/|analytics/.*)$")
OPT_IN = re.compile(r"/(message-history|warmup-stats)$")


def paths_in_order(account: Account) -> list[str]:
    return [str(r["path"]).split("?")[0] for r in sorted(account.requests(), key=lambda r: float(r["t"]))]


def test_a_default_first_sync_reads_the_models_inputs_before_any_detail(
    smartlead_account: t.Callable[..., Account],
) -> None:
    account = smartlead_account(campaigns=20, latency_ms=50, **smartlead_sandbox.FEW_OTHER_OBJECTS)
    run = run_tap("tap-smartlead", smartlead_config(account))
    assert run.returncode == 0, run.stderr[-2000:]
    paths = paths_in_order(account)
    model = [n for n, path in enumerate(paths) if MODEL_INPUTS.match(path)]
    detail = [n for n, path in enumerate(paths) if DETAIL.match(path)]
    assert len(model) >= 3 * 20
    assert len(detail) >= 3 * 20
    assert max(model) < min(detail), [paths[n] for n in range(min(detail), max(model) + 1)]
    # Per-lead threads and per-mailbox days are opt-in: not read, no rows, no table.
    assert not [path for path in paths if OPT_IN.search(path)]
    assert not run.records("lead_message_history")
    assert not run.records("email_account_warmup_stats")
    # Selected, they are read as before.
    chosen = run_tap(
        "tap-smartlead",
        smartlead_config(account),
        streams=["lead_activities", "lead_message_history", "email_accounts", "email_account_warmup_stats"],
    )
    assert chosen.returncode == 0, chosen.stderr[-2000:]
    assert chosen.records("lead_message_history")
    assert chosen.records("email_account_warmup_stats")


def test_a_spent_hourly_cap_says_when_requests_resume_and_a_time_boxed_run_stops_cleanly(
    smartlead_account: t.Callable[..., Account],
) -> None:
    # The sandbox counts the hour on arrival, as Smartlead does: the tap's pacing must keep under it.
    account = smartlead_account(campaigns=5, hourly_limit=12, **smartlead_sandbox.FEW_OTHER_OBJECTS)
    config = smartlead_config(account, max_requests_per_hour=12, max_run_minutes=0.5)
    run = run_tap("tap-smartlead", config)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Traceback" not in run.stderr
    told = [line for line in run.stderr.splitlines() if "is spent: requests resume at" in line]
    assert len(told) == 1, told
    assert "cap of 12 requests an hour (max_requests_per_hour)" in told[0]
    ends = r"at least \d[\d,]* requests left, so the sync ends at the earliest about (\d{4}-\d\d-\d\d )?\d\d:\d\d UTC"
    assert re.search(ends, told[0])
    assert "Stopped at max_run_minutes (0.5)" in run.stderr
    # The cap holds: no request past it, none refused, none waited for past the time box.
    assert len(account.requests()) == 12
    assert not [r for r in account.requests() if r.get("status") == 429]
