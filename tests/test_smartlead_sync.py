"""tap-smartlead against the sandbox: what the SDK's standard tests do not cover."""

from __future__ import annotations

import collections
import datetime
import json
import typing as t
from urllib.parse import quote, quote_plus

import pytest

from tap_smartlead.tap import TapSmartlead
from tests.conftest import Account, smartlead_config
from tests.taprun import TapRun, run_tap

KEYS = {
    "lead_activities": ("email_lead_map_id",),
    "campaigns": ("id",),
    "campaign_sequences": ("id",),
    "campaign_leads": ("campaign_id", "campaign_lead_map_id"),
    "campaign_statistics": ("stats_id",),
    "campaign_analytics": ("campaign_id",),
    "email_accounts": ("id",),
    "campaign_email_accounts": ("campaign_id", "id"),
    "clients": ("id",),
    "lead_categories": ("id",),
    "campaign_webhooks": ("campaign_id", "id"),
    "day_wise_stats": ("date",),
}
CREDENTIALS = ("password", "imap_password", "oauth_refresh_token")


def smartlead(account: Account, **kwargs: object) -> TapRun:
    settings = kwargs.pop("settings", {})
    assert isinstance(settings, dict)
    return run_tap("tap-smartlead", smartlead_config(account, **settings), **kwargs)  # type: ignore[arg-type]


def api_requests(account: Account, path: str) -> list[dict[str, object]]:
    return [r for r in account.requests() if r["path"] == f"/api/v1{path}"]


def test_full_sync_matches_the_sandbox_with_unique_keys(smartlead_account):
    account = smartlead_account()
    run = smartlead(account, settings={"start_date": "2024-01-01"})
    assert run.returncode == 0, run.stderr
    distinct = {stream: len({tuple(r[k] for k in KEYS[stream]) for r in run.records(stream)}) for stream in KEYS}
    assert distinct == account.expected
    for stream, keys in KEYS.items():
        seen = collections.Counter(tuple(r[k] for k in keys) for r in run.records(stream))
        if stream != "lead_activities":
            assert not [key for key, n in seen.items() if n > 1], f"{stream} repeats primary keys"
    # A lead with events in two windows is read in both; the later read comes later, stamped
    # with a later window end, so an upsert on the key keeps the newest.
    last_stamp: dict[int, str] = {}
    for row in run.records("lead_activities"):
        key = row["email_lead_map_id"]
        assert row["event_time_to"] > last_stamp.get(key, "")
        last_stamp[key] = row["event_time_to"]


def test_counters_sent_as_strings_arrive_as_integers(smartlead_account):
    account = smartlead_account(campaigns=2, leads_per_campaign=10)
    raw = account.control.call("GET", f"accounts/{account.name}/counts")  # the account exists
    assert raw["campaign_analytics"] == 2
    run = smartlead(
        account,
        streams=["campaigns", "campaign_analytics", "campaign_statistics", "day_wise_stats"],
        settings={"start_date": "2025-01-01"},
    )
    assert run.returncode == 0, run.stderr
    for row in run.records("campaign_analytics"):
        assert isinstance(row["sent_count"], int)
        assert isinstance(row["unique_open_count"], int)
        assert row["campaign_id"] == row["id"]
    statistics = run.records("campaign_statistics")
    assert statistics
    assert all(isinstance(r["stats_id"], int) and isinstance(r["open_count"], int) for r in statistics)
    days = run.records("day_wise_stats")
    assert days
    assert all(isinstance(d["sent"], int) and "email_engagement_metrics" not in d for d in days)


def test_ids_past_32_bits_survive(smartlead_account):
    account = smartlead_account(campaigns=1, leads_per_campaign=5)
    run = smartlead(account, streams=["lead_activities"])
    rows = run.records("lead_activities")
    assert rows
    assert min(r["email_lead_map_id"] for r in rows) > 2**31  # past a signed 32-bit column
    assert min(r["lead_id"] for r in rows) > 2**32


# First sends packed into the last days of the sandbox's history, so that every lead has an
# event in the first 30-day window after PACKED_START and page boundaries fall inside it.
PACKED = {"activity_days": 2}
PACKED_START = "2025-12-15"


def by_window(sent: list[dict[str, t.Any]]) -> dict[tuple[str, str], list[dict[str, t.Any]]]:
    windows: dict[tuple[str, str], list[dict[str, t.Any]]] = {}
    for request in sent:
        query = request["query"]
        windows.setdefault((query["event_time_from"], query["event_time_to"]), []).append(request)
    return windows


@pytest.mark.parametrize(("rows", "requests"), [(999, 1), (1000, 1), (1001, 2), (2500, 3)])
def test_lead_activity_pages_follow_has_more(smartlead_account, rows, requests):
    account = smartlead_account(campaigns=1, leads_per_campaign=rows, **PACKED)
    settings = {"parallel_requests": 1, "start_date": PACKED_START}
    run = smartlead(account, streams=["lead_activities"], settings=settings)
    assert run.returncode == 0, run.stderr
    stamps = collections.Counter(r["event_time_to"] for r in run.records("lead_activities"))
    windows = by_window(api_requests(account, "/campaigns/all-leads-activities"))  # type: ignore[arg-type]
    first_window, *later = windows
    assert first_window[0].startswith(PACKED_START)
    assert len({r["email_lead_map_id"] for r in run.records("lead_activities")}) == rows
    assert stamps[first_window[1]] == rows
    # hasMore is false on the last page, so an exact 1000 costs no empty page.
    sent = windows[first_window]
    assert len(sent) == requests
    assert [int(str(r["query"]["offset"])) for r in sent] == [1000 * i for i in range(requests)]
    assert {r["query"]["limit"] for r in sent} == {"1000"}
    for window in later:
        assert len(windows[window]) == max(1, -(-stamps[window[1]] // 1000))


def test_incremental_lead_activities_reread_only_the_new_window(smartlead_account):
    account = smartlead_account(campaigns=3, leads_per_campaign=50)
    first = smartlead(account, streams=["lead_activities"])
    assert first.returncode == 0, first.stderr
    assert len({r["email_lead_map_id"] for r in first.records("lead_activities")}) == 150
    bookmark = first.bookmark("lead_activities")
    assert bookmark

    touched = account.control.call("POST", f"accounts/{account.name}/touch", {"count": 4})["ids"]
    account.control.clear_requests(account.name)
    second = smartlead(account, streams=["lead_activities"], state=first.state)
    assert second.returncode == 0, second.stderr
    rows = {r["email_lead_map_id"]: r for r in second.records("lead_activities")}
    # Only the leads with new events come back, with their updated counters.
    assert set(rows) == set(touched)
    before = {r["email_lead_map_id"]: r for r in first.records("lead_activities")}
    for lead in touched:
        assert rows[lead]["activities"][0]["open_count"] == before[lead]["activities"][0]["open_count"] + 1
    [request] = api_requests(account, "/campaigns/all-leads-activities")
    window_from = datetime.datetime.fromisoformat(str(request["query"]["event_time_from"]).replace("Z", "+00:00"))  # type: ignore[index]
    mark = datetime.datetime.fromisoformat(bookmark.replace("Z", "+00:00"))
    assert mark - window_from == datetime.timedelta(days=7)  # the lookback
    assert second.bookmark("lead_activities") > bookmark


def test_changed_counters_upsert_on_the_key_in_a_warehouse_view(smartlead_account):
    account = smartlead_account(campaigns=2, leads_per_campaign=20)
    first = smartlead(account, streams=["lead_activities"])
    account.control.call("POST", f"accounts/{account.name}/touch", {"count": 3})
    second = smartlead(account, streams=["lead_activities"], state=first.state)
    table: dict[int, dict[str, object]] = {}
    for run in (first, second):
        for row in run.records("lead_activities"):
            table[row["email_lead_map_id"]] = row  # what an upserting target keeps
    assert len(table) == 40
    opens = sum(r["activities"][0]["open_count"] for r in table.values())  # type: ignore[index]
    first_table = {r["email_lead_map_id"]: r for r in first.records("lead_activities")}
    first_opens = sum(r["activities"][0]["open_count"] for r in first_table.values())
    assert opens == first_opens + 3


def test_statistics_reread_the_lookback_per_campaign(smartlead_account):
    account = smartlead_account(campaigns=2, leads_per_campaign=10)
    first = smartlead(account, streams=["campaigns", "campaign_statistics"], settings={"start_date": "2024-01-01"})
    assert first.returncode == 0, first.stderr
    partitions = first.state["bookmarks"]["campaign_statistics"]["partitions"]
    assert len(partitions) == 2
    account.control.clear_requests(account.name)
    smartlead(
        account, streams=["campaigns", "campaign_statistics"], state=first.state, settings={"start_date": "2024-01-01"}
    )
    for partition in partitions:
        campaign = partition["context"]["campaign_id"]
        [request] = api_requests(account, f"/campaigns/{campaign}/statistics")
        mark = datetime.date.fromisoformat(partition["replication_key_value"][:10])
        assert request["query"]["sent_time_start_date"] == (mark - datetime.timedelta(days=7)).isoformat()  # type: ignore[index]


def test_mailbox_credentials_never_leave_the_tap(smartlead_account):
    account = smartlead_account(campaigns=2, email_accounts=30)
    run = smartlead(account, streams=["campaigns", "email_accounts", "campaign_email_accounts"])
    assert run.returncode == 0, run.stderr
    mailboxes = run.records("email_accounts") + run.records("campaign_email_accounts")
    assert len(run.records("email_accounts")) == 30
    assert run.records("campaign_email_accounts")
    for row in mailboxes:
        assert not set(CREDENTIALS) & set(row)
        assert "warmup_details" in row
    schemas = [m["schema"] for m in run.messages if m["type"] == "SCHEMA"]
    assert not any(name in json.dumps(schemas) for name in CREDENTIALS)
    assert "c21hcnRsZWFkLXNtdHAt" not in run.stdout  # the sandbox's password values
    assert "aW1hcC1wYXNzd29yZC0" not in run.stdout


def test_key_never_printed_through_resets_and_timeouts_at_debug(smartlead_account):
    account = smartlead_account(campaigns=2, leads_per_campaign=10)
    account.set_faults(script=["reset", "timeout", "ok", "reset", "500", "truncate", "429-bare"], timeout_seconds=2)
    run = smartlead(account, settings={"request_timeout": 1}, env={"LOGLEVEL": "DEBUG"})
    assert run.returncode == 0, run.stderr
    assert run.counts() == account.expected
    assert "Retrying" in run.stderr
    assert "timed out" in run.stderr
    assert "DEBUG" in run.stderr
    assert "api_key=***" in run.stderr  # urllib3's debug lines do appear, masked
    for form in {account.key, quote(account.key, safe=""), quote_plus(account.key)}:
        assert form not in run.stdout
        assert form not in run.stderr
        assert form not in json.dumps(run.state)


def test_retry_after_from_the_429_body(smartlead_account):
    account = smartlead_account(campaigns=1, leads_per_campaign=3, **PACKED)
    account.set_faults(script=["429-bare"], retry_after=2)
    run = smartlead(account, streams=["lead_activities"], settings={"start_date": PACKED_START})
    assert run.returncode == 0, run.stderr
    sent = api_requests(account, "/campaigns/all-leads-activities")
    assert [r["status"] for r in sent][:2] == ["fault:429-bare", 200]
    assert {r["status"] for r in sent[2:]} <= {200}
    assert sent[1]["t"] - sent[0]["t"] >= 1.0  # type: ignore[operator]


def test_both_documented_and_live_shapes(smartlead_account):
    live = smartlead(
        account := smartlead_account(campaigns=3),
        streams=["campaigns", "clients", "campaign_sequences", "campaign_webhooks"],
    )
    docs = smartlead(
        smartlead_account(campaigns=3, envelopes=True),
        streams=["campaigns", "clients", "campaign_sequences", "campaign_webhooks"],
    )
    assert live.returncode == docs.returncode == 0, live.stderr + docs.stderr
    assert (
        live.counts()
        == docs.counts()
        == {
            "campaigns": 3,
            "clients": 3,
            "campaign_sequences": 9,
            "campaign_webhooks": 3,
        }
    )
    assert account.expected["campaign_webhooks"] == 3


def test_client_id_narrows_to_one_client(smartlead_account):
    account = smartlead_account(campaigns=6, leads_per_campaign=5, clients=3, email_accounts=12)
    run = smartlead(
        account, streams=["campaigns", "lead_activities", "clients", "email_accounts"], settings={"client_id": 101}
    )
    assert run.returncode == 0, run.stderr
    campaigns = {c["id"] for c in run.records("campaigns")}
    assert len(campaigns) == 2
    assert {c["client_id"] for c in run.records("campaigns")} == {101}
    assert {r["campaign_id"] for r in run.records("lead_activities")} == campaigns
    assert len(run.records("lead_activities")) == 10
    assert [c["id"] for c in run.records("clients")] == [101]
    assert {m["client_id"] for m in run.records("email_accounts")} == {101}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({}, "Smartlead rejected the API key (401 on GET /api/v1/"),
        ({"api_access": False}, "Smartlead denied access (403 on GET /api/v1/"),
    ],
)
def test_auth_failures_are_one_line(smartlead_account, spec, expected):
    account = smartlead_account(**spec)
    config = smartlead_config(account)
    if not spec:
        config["api_key"] = "wrong-key"
    run = run_tap("tap-smartlead", config)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    errors = [line for line in run.stderr.splitlines() if "error" in line.lower()]
    assert len(errors) == 1
    assert errors[0].startswith(f"tap-smartlead: error: {expected}")


def test_422_names_the_parameter(smartlead_account):
    account = smartlead_account(activities_max_limit=500)
    run = smartlead(account, streams=["lead_activities"])
    assert run.returncode == 1
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith(
        "tap-smartlead: error: Stream 'lead_activities' stopped: "
        "GET /api/v1/campaigns/all-leads-activities refused parameter 'limit' (422)"
    )
    assert account.key not in run.stderr


def test_redirects_are_refused_not_followed(smartlead_account):
    account = smartlead_account(redirects={"/leads/fetch-categories": "https://login.elsewhere.example/next"})
    run = smartlead(account, streams=["lead_categories"])
    assert run.returncode == 1
    last = run.stderr.strip().splitlines()[-1]
    assert "redirected (302) to login.elsewhere.example" in last
    assert account.key not in run.stderr
    assert len(api_requests(account, "/leads/fetch-categories")) == 1


def test_default_rate_is_safe_under_every_documented_limit():
    tap = TapSmartlead(config={"api_key": "k"}, validate_config=True)
    windows = [(w.max_requests, round(w.period)) for w in tap.budget.windows]
    # 2 per 2 s is under 10 per 2 s and 60 per minute; 1,000 per hour is the Standard plan's cap.
    assert windows == [(2, 2), (1000, 3600)]


def test_default_rate_paces_a_real_sync(smartlead_account):
    account = smartlead_account(campaigns=3, leads_per_campaign=5)
    config = smartlead_config(account)
    del config["max_requests_per_second"], config["max_requests_per_hour"]
    run = run_tap("tap-smartlead", config, streams=["campaigns", "campaign_sequences", "campaign_analytics"])
    assert run.returncode == 0, run.stderr
    arrivals = sorted(float(r["t"]) for r in account.requests())  # type: ignore[arg-type]
    assert len(arrivals) == 7
    assert max(sum(1 for b in arrivals[i:] if b - a < 2.0) for i, a in enumerate(arrivals)) <= 2


def test_day_wise_stats_rerun_reads_the_lookback_and_keeps_today(smartlead_account):
    account = smartlead_account(campaigns=1)
    first = smartlead(account, streams=["day_wise_stats"], settings={"start_date": "2026-01-01"})
    assert first.returncode == 0, first.stderr
    today = datetime.datetime.now(datetime.timezone.utc).date()
    assert first.bookmark("day_wise_stats") == today.isoformat()
    account.control.clear_requests(account.name)
    second = smartlead(account, streams=["day_wise_stats"], state=first.state, settings={"start_date": "2026-01-01"})
    assert second.returncode == 0, second.stderr
    [request] = api_requests(account, "/analytics/day-wise-overall-stats")
    assert request["query"]["start_date"] == (today - datetime.timedelta(days=7)).isoformat()  # type: ignore[index]
    assert [d["date"] for d in second.records("day_wise_stats")][-1] == today.isoformat()
    assert second.bookmark("day_wise_stats") == today.isoformat()


def test_parallel_requests_emit_exactly_what_one_at_a_time_does(smartlead_account):
    account = smartlead_account(campaigns=7, leads_per_campaign=260, email_accounts=230)
    one = smartlead(account, settings={"parallel_requests": 1, "start_date": "2025-06-01"})
    many = smartlead(account, settings={"parallel_requests": 8, "start_date": "2025-06-01"})
    # Each run's event window ends at its own start, so event_time_to alone may differ.
    assert one.returncode == many.returncode == 0, one.stderr + many.stderr
    assert many.rows(ignore={"event_time_to"}) == one.rows(ignore={"event_time_to"})


def test_rerun_with_nothing_new_costs_one_request_per_incremental_stream(smartlead_account):
    account = smartlead_account(campaigns=2, leads_per_campaign=1500)
    first = smartlead(account, settings={"start_date": "2024-01-01"})
    assert first.returncode == 0, first.stderr
    account.control.clear_requests(account.name)
    second = smartlead(account, state=first.state, settings={"start_date": "2024-01-01"})
    assert second.returncode == 0, second.stderr
    assert len(api_requests(account, "/campaigns/all-leads-activities")) == 1
    assert len(api_requests(account, "/analytics/day-wise-overall-stats")) == 1
    # campaign_statistics is incremental per campaign: one request each.
    assert sum(1 for r in account.requests() if str(r["path"]).endswith("/statistics")) == 2
