"""tap-smartlead against the sandbox: what the SDK's standard tests do not cover."""

from __future__ import annotations

import collections
import datetime
import json
import re
import typing as t
import urllib.request
import uuid
from urllib.parse import quote, quote_plus, urlencode

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
    "lead_message_history": ("email_lead_map_id", "message_id"),
    "email_account_warmup_stats": ("email_account_id", "date"),
}
CREDENTIALS = ("password", "imap_password", "oauth_refresh_token")
NEW_STREAMS = {"lead_message_history", "email_account_warmup_stats"}
HISTORY_PATH = re.compile(r"/api/v1/campaigns/(\d+)/leads/(\d+)/message-history$")
WARMUP_PATH = re.compile(r"/api/v1/email-accounts/(\d+)/warmup-stats$")


def smartlead(account: Account, **kwargs: object) -> TapRun:
    settings = kwargs.pop("settings", {})
    assert isinstance(settings, dict)
    return run_tap("tap-smartlead", smartlead_config(account, **settings), **kwargs)  # type: ignore[arg-type]


def api_requests(account: Account, path: str) -> list[dict[str, object]]:
    return [r for r in account.requests() if r["path"] == f"/api/v1{path}"]


def matching(account: Account, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    """The ids in the paths of the requests that match ``pattern``, in order."""
    return [tuple(int(i) for i in m.groups()) for r in account.requests() if (m := pattern.search(str(r["path"])))]  # type: ignore[misc]


def keys_anywhere(value: object) -> set[str]:
    """Every object key, at any depth."""
    if isinstance(value, dict):
        return set(value).union(*(keys_anywhere(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(keys_anywhere(v) for v in value))
    return set()


def replied(row: dict[str, t.Any]) -> bool:
    """Whether a lead_activities row shows a reply, as Smartlead's docs describe one."""
    return any(a.get("reply_details") or a.get("thread_replies") for a in row.get("activities") or [])


def all_streams_but(*excluded: str) -> list[str]:
    return [stream for stream in KEYS if stream not in excluded]


def test_full_sync_matches_the_sandbox_with_unique_keys(smartlead_account):
    account = smartlead_account()
    # Every stream, the opt-in ones included.
    run = smartlead(account, settings={"start_date": "2024-01-01"}, streams=all_streams_but())
    assert run.returncode == 0, run.stderr
    # The sandbox serves what the schemas declare: no field moved aside, no warning about drift.
    assert "not in its schema" not in run.stderr
    assert "differs from its schema" not in run.stderr
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
    # No mailbox credential in any record of any stream, at any depth; no webhook URL secret.
    records = [m["record"] for m in run.messages if m["type"] == "RECORD"]
    assert not keys_anywhere(records) & set(CREDENTIALS)
    assert "hook-secret" not in run.stdout
    assert any("secret=***" in str(r["webhook_url"]) for r in run.records("campaign_webhooks"))


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
    assert all(isinstance(r["open_count"], int) for r in statistics)
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
    streams = ["campaigns", "email_accounts", "campaign_email_accounts", "email_account_warmup_stats"]
    run = smartlead(account, streams=streams)
    assert run.returncode == 0, run.stderr
    mailboxes = run.records("email_accounts") + run.records("campaign_email_accounts")
    assert len(run.records("email_accounts")) == 30
    assert run.records("campaign_email_accounts")
    assert len(run.records("email_account_warmup_stats")) == 30 * 7
    for row in mailboxes:
        assert not set(CREDENTIALS) & set(row)
        assert "warmup_details" in row
    assert not keys_anywhere(run.records("email_account_warmup_stats") + mailboxes) & set(CREDENTIALS)
    schemas = [m["schema"] for m in run.messages if m["type"] == "SCHEMA"]
    assert not any(name in json.dumps(schemas) for name in CREDENTIALS)
    assert "c21hcnRsZWFkLXNtdHAt" not in run.stdout  # the sandbox's password values
    assert "aW1hcC1wYXNzd29yZC0" not in run.stdout


def test_key_never_printed_through_resets_and_timeouts_at_debug(smartlead_account):
    account = smartlead_account(campaigns=2, leads_per_campaign=10)
    account.set_faults(script=["reset", "timeout", "ok", "reset", "500", "truncate", "429-bare"], timeout_seconds=2)
    run = smartlead(account, settings={"request_timeout": 1}, env={"LOGLEVEL": "DEBUG"}, streams=all_streams_but())
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
    streams = ["campaigns", "clients", "campaign_sequences", "campaign_webhooks", "campaign_email_accounts"]
    live = smartlead(account := smartlead_account(campaigns=3, email_accounts=6), streams=streams)
    docs = smartlead(smartlead_account(campaigns=3, email_accounts=6, envelopes=True), streams=streams)
    assert live.returncode == docs.returncode == 0, live.stderr + docs.stderr
    expected = {"campaigns": 3, "clients": 3, "campaign_sequences": 9, "campaign_webhooks": 3}
    assert live.counts() == docs.counts() == {**expected, "campaign_email_accounts": 6}
    assert account.expected["campaign_webhooks"] == 3
    # Webhooks came bare, under {success, data}, as one object and under "webhooks": the same rows.
    assert live.rows() == docs.rows()


def test_statistics_and_analytics_read_every_envelope(smartlead_account):
    streams = ["campaigns", "campaign_statistics", "campaign_analytics", "lead_activities"]
    settings = {"start_date": "2024-01-01"}
    live = smartlead(smartlead_account(campaigns=2, leads_per_campaign=12), streams=streams, settings=settings)
    docs_account = smartlead_account(campaigns=2, leads_per_campaign=12, envelopes=True)
    docs = smartlead(docs_account, streams=streams, settings=settings)
    assert live.returncode == docs.returncode == 0, live.stderr + docs.stderr
    # {total_stats, data, offset, limit} and {ok, data, offset, limit}; a bare object, {ok, data:
    # [object]} and {success, data: object}: the same rows.
    for stream in ("campaign_statistics", "campaign_analytics"):
        assert live.records(stream) == docs.records(stream), stream
    assert len(live.records("campaign_statistics")) == docs_account.expected["campaign_statistics"]
    assert len(docs.records("campaign_analytics")) == 2
    # stats_id: a UUID live, the same in activities and statistics; a number in the docs'
    # activities example, loaded as its text.
    stats_ids = {r["stats_id"] for r in live.records("campaign_statistics")}
    assert all(uuid.UUID(i) for i in stats_ids)
    sent = {a["stats_id"] for r in live.records("lead_activities") for a in r["activities"]}
    assert sent == stats_ids
    documented = [a["stats_id"] for r in docs.records("lead_activities") for a in r["activities"]]
    assert documented
    assert all(isinstance(i, str) and i.isdigit() for i in documented)
    assert "differs from its schema" not in docs.stderr  # converted on purpose, not as drift


def sandbox_days(account: Account, first: str, last: str) -> list[str]:
    """The dates the sandbox itself answers for a range, as sent."""
    query = urlencode({"api_key": account.key, "start_date": first, "end_date": last})
    url = f"{account.url}/api/v1/analytics/day-wise-overall-stats?{query}"
    with urllib.request.urlopen(url, timeout=10) as response:
        return [day["date"] for day in json.loads(response.read())["data"]["day_wise_stats"]]


def test_day_wise_dates_without_a_year_get_the_year_of_their_request(smartlead_account):
    live, docs = smartlead_account(campaigns=1), smartlead_account(campaigns=1, envelopes=True)
    # Live days have no year; the request's range (here across New Year) says which.
    assert sandbox_days(live, "2025-12-30", "2026-01-02") == ["30 Dec", "31 Dec", "01 Jan", "02 Jan"]
    assert sandbox_days(docs, "2025-12-30", "2026-01-02")[0] == "2025-12-30"
    live.control.clear_requests(live.name)
    settings = {"start_date": "2025-12-15"}  # the first 30-day request spans New Year
    runs = [smartlead(account, streams=["day_wise_stats"], settings=settings) for account in (live, docs)]
    assert runs[0].returncode == runs[1].returncode == 0, runs[0].stderr + runs[1].stderr
    sent = api_requests(live, "/analytics/day-wise-overall-stats")
    assert (sent[0]["query"]["start_date"], sent[0]["query"]["end_date"]) == ("2025-12-15", "2026-01-13")  # type: ignore[index]
    spans = [
        (
            datetime.date.fromisoformat(r["query"]["end_date"]) - datetime.date.fromisoformat(r["query"]["start_date"])
        ).days  # type: ignore[index]
        for r in sent
    ]
    assert max(spans) == 29  # 30 days a request, both ends included
    fields = ("date", "sent", "opened", "replied", "bounced")
    live_days, docs_days = ([tuple(d[f] for f in fields) for d in run.records("day_wise_stats")] for run in runs)
    assert live_days == docs_days
    today = datetime.datetime.now(datetime.timezone.utc).date()
    first = datetime.date(2025, 12, 15)
    every_day = [str(first + datetime.timedelta(days=n)) for n in range((today - first).days + 1)]
    assert [d[0] for d in live_days] == every_day
    assert {d["day_name"] for d in runs[0].records("day_wise_stats")} >= {"Monday", "Sunday"}
    assert runs[0].bookmark("day_wise_stats") == today.isoformat()


def test_message_history_follows_replies(smartlead_account):
    account = smartlead_account(campaigns=2, leads_per_campaign=60)
    # A new open now on every lead: each shows up in an old window and in the newest one, and
    # again in the next run's lookback, with the same replies.
    account.control.call("POST", f"accounts/{account.name}/touch", {"count": 120})
    streams = ["lead_activities", "lead_message_history"]
    first = smartlead(account, streams=streams, settings={"start_date": "2024-01-01"})
    assert first.returncode == 0, first.stderr
    leads = {r["email_lead_map_id"]: r for r in first.records("lead_activities")}
    assert len(leads) == 120
    assert len(first.records("lead_activities")) > 120  # leads read in two windows
    with_replies = {(r["campaign_id"], r["lead_id"]) for r in leads.values() if replied(r)}
    assert len(with_replies) >= 3
    asked = matching(account, HISTORY_PATH)
    assert sorted(asked) == sorted(with_replies)  # one request per replied lead, none for the others
    rows = first.records("lead_message_history")
    assert len(rows) == account.control.counts(account.name)["lead_message_history"]
    assert len({(r["email_lead_map_id"], r["message_id"]) for r in rows}) == len(rows)
    for row in rows:
        parent = leads[row["email_lead_map_id"]]
        assert (row["campaign_id"], row["lead_id"]) == (parent["campaign_id"], parent["lead_id"])
    assert {r.get("type") for r in rows} >= {"SENT", "REPLY"}
    assert any(r.get("direction") == "inbound" for r in rows)  # one thread came in the docs' shape
    assert all(isinstance(r["stats_id"], str) for r in rows if r.get("type"))

    # Nothing new: the leads come back (lookback), their replies are known, no thread is read.
    account.control.clear_requests(account.name)
    second = smartlead(account, streams=streams, state=first.state, settings={"start_date": "2024-01-01"})
    assert second.returncode == 0, second.stderr
    assert len({r["email_lead_map_id"] for r in second.records("lead_activities")}) == 120
    assert matching(account, HISTORY_PATH) == []
    assert second.records("lead_message_history") == []

    # A new reply, from a lead that had replied and from one that had not: those two are read.
    before = min((r for r in leads.values() if replied(r)), key=lambda r: r["email_lead_map_id"])
    silent = next(r for r in leads.values() if not replied(r))
    ids = [before["email_lead_map_id"], silent["email_lead_map_id"]]
    account.control.call("POST", f"accounts/{account.name}/reply", {"ids": ids})
    account.control.clear_requests(account.name)
    third = smartlead(account, streams=streams, state=second.state, settings={"start_date": "2024-01-01"})
    assert third.returncode == 0, third.stderr
    assert sorted(matching(account, HISTORY_PATH)) == sorted((r["campaign_id"], r["lead_id"]) for r in (before, silent))
    replies = {r["email_lead_map_id"] for r in third.records("lead_message_history") if r.get("type") == "REPLY"}
    assert replies == set(ids)


def test_warmup_stats_one_request_per_mailbox(smartlead_account):
    account = smartlead_account(campaigns=1, email_accounts=9)
    run = smartlead(account, streams=["email_accounts", "email_account_warmup_stats"])
    assert run.returncode == 0, run.stderr
    asked = matching(account, WARMUP_PATH)
    assert sorted(asked) == [(700_000 + i,) for i in range(9)]
    # The route takes nothing but the key: it always answers the last 7 days.
    assert all(set(r["query"]) == {"api_key"} for r in account.requests() if WARMUP_PATH.search(str(r["path"])))
    rows = run.records("email_account_warmup_stats")
    assert len(rows) == 9 * 7 == account.expected["email_account_warmup_stats"]
    today = datetime.datetime.now(datetime.timezone.utc).date()
    assert {r["date"] for r in rows} == {str(today - datetime.timedelta(days=n)) for n in range(7)}
    live = [r for r in rows if r["email_account_id"] != 700_008]
    documented = [r for r in rows if r["email_account_id"] == 700_008]  # the docs' shape
    assert all(isinstance(r["sent_count"], int) and r["mailbox_totals"]["id"] for r in live)
    # The totals come as strings, and are the sum of the days.
    for mailbox in {r["email_account_id"] for r in live}:
        days = [r for r in live if r["email_account_id"] == mailbox]
        assert days[0]["mailbox_totals"]["sent_count"] == sum(d["sent_count"] for d in days)
    assert all(isinstance(r["sent"], int) and r["mailbox_totals"]["total_sent"] for r in documented)


def test_client_id_narrows_to_one_client(smartlead_account):
    account = smartlead_account(campaigns=6, leads_per_campaign=5, clients=3, email_accounts=12)
    streams = ["campaigns", "lead_activities", "clients", "email_accounts", *NEW_STREAMS]
    run = smartlead(account, streams=streams, settings={"client_id": 101})
    assert run.returncode == 0, run.stderr
    campaigns = {c["id"] for c in run.records("campaigns")}
    assert len(campaigns) == 2
    assert {c["client_id"] for c in run.records("campaigns")} == {101}
    assert {r["campaign_id"] for r in run.records("lead_activities")} == campaigns
    assert len({r["email_lead_map_id"] for r in run.records("lead_activities")}) == 10
    assert [c["id"] for c in run.records("clients")] == [101]
    mailboxes = {m["id"] for m in run.records("email_accounts")}
    assert {m["client_id"] for m in run.records("email_accounts")} == {101}
    # Children are asked for the client's parents only, early requests included.
    assert {mailbox for (mailbox,) in matching(account, WARMUP_PATH)} == mailboxes
    assert {campaign for campaign, _ in matching(account, HISTORY_PATH)} <= campaigns


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


def test_a_refused_client_route_skips_clients_alone(smartlead_account):
    account = smartlead_account(campaigns=2, forbidden=["/client"])
    run = smartlead(account, streams=["campaigns", "clients", "lead_categories"])
    assert run.returncode == 0, run.stderr
    assert run.counts() == {"campaigns": 2, "lead_categories": 6}
    assert "Skipping stream 'clients'" in run.stderr


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
    windows = [(w.max_requests, round(w.period)) for w in tap.run.budget.limits]
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


@pytest.mark.parametrize(
    ("spec", "streams"),
    [
        # Many pages of every list (the per-lead and per-mailbox children are left to the next).
        ({"campaigns": 7, "leads_per_campaign": 260, "email_accounts": 230}, all_streams_but(*NEW_STREAMS)),
        # The children of a windowed parent (leads with replies) and of a paged one (mailboxes).
        (
            {"campaigns": 3, "leads_per_campaign": 150, "email_accounts": 12},
            ["lead_activities", "email_accounts", *NEW_STREAMS],
        ),
    ],
)
def test_parallel_requests_emit_exactly_what_one_at_a_time_does(smartlead_account, spec, streams):
    account = smartlead_account(**spec)
    settings = {"start_date": "2025-06-01"}
    one = smartlead(account, streams=streams, settings={"parallel_requests": 1, **settings})
    many = smartlead(account, streams=streams, settings={"parallel_requests": 8, **settings})
    # Each run's event window ends at its own start, so event_time_to alone may differ.
    assert one.returncode == many.returncode == 0, one.stderr + many.stderr
    assert many.rows(ignore={"event_time_to"}) == one.rows(ignore={"event_time_to"})
    assert set(many.counts()) == set(streams)


def test_rerun_with_nothing_new_costs_one_request_per_incremental_stream(smartlead_account):
    # Message histories follow replies: test_message_history_follows_replies.
    account = smartlead_account(campaigns=2, leads_per_campaign=600, email_accounts=6)
    streams, settings = all_streams_but("lead_message_history"), {"start_date": "2024-01-01"}
    first = smartlead(account, streams=streams, settings=settings)
    assert first.returncode == 0, first.stderr
    account.control.clear_requests(account.name)
    second = smartlead(account, streams=streams, state=first.state, settings=settings)
    assert second.returncode == 0, second.stderr
    assert len(api_requests(account, "/campaigns/all-leads-activities")) == 1
    assert len(api_requests(account, "/analytics/day-wise-overall-stats")) == 1
    # No campaign had activity: its children, campaign_statistics among them, are not read.
    assert sum(1 for r in account.requests() if str(r["path"]).endswith("/statistics")) == 0
    # Warm-up stats follow their data: each mailbox once per UTC day, read by the first run
    # (tests/test_smartlead_warmup.py plays days of schedules).
    assert len(matching(account, WARMUP_PATH)) == 0
