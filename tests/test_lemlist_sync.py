"""tap-lemlist against the sandbox: what the SDK's standard tests do not cover."""

from __future__ import annotations

import base64
import collections
import datetime
import itertools
import json
import math
import tempfile
import typing as t
from pathlib import Path

import pytest

from tap_core.dates import iso_ms
from tap_lemlist.tap import TapLemlist
from tests.conftest import Account, lemlist_config
from tests.taprun import TapRun, run_tap

ALL_STREAMS_KEYS = {stream_type.name: tuple(stream_type.primary_keys or ()) for stream_type in TapLemlist.stream_types}


def lemlist(account: Account, **kwargs: object) -> TapRun:
    settings = kwargs.pop("settings", {})
    assert isinstance(settings, dict)
    return run_tap("tap-lemlist", lemlist_config(account, **settings), **kwargs)  # type: ignore[arg-type]


def api_requests(account: Account, path: str | None = None) -> list[dict[str, object]]:
    return [r for r in account.requests() if path is None or r["path"] == f"/api{path}"]


def test_full_sync_matches_the_sandbox_with_unique_keys(lemlist_account):
    account = lemlist_account()
    run = lemlist(account)
    assert run.returncode == 0, run.stderr
    # The sandbox serves what the schemas declare: no field moved aside, no warning about drift.
    assert "not in its schema" not in run.stderr
    assert "differs from its schema" not in run.stderr
    assert run.counts() == account.expected
    for stream, keys in ALL_STREAMS_KEYS.items():
        seen = collections.Counter(tuple(r[k] for k in keys) for r in run.records(stream))
        duplicates = [key for key, n in seen.items() if n > 1]
        assert not duplicates, f"{stream} repeats primary keys {duplicates[:3]}"


def by_window(sent: list[dict[str, t.Any]]) -> dict[tuple[str | None, str], list[dict[str, t.Any]]]:
    """The requests of each date window, windows in the order they were first asked for."""
    windows: dict[tuple[str | None, str], list[dict[str, t.Any]]] = {}
    for request in sent:
        query = request["query"]
        windows.setdefault((query.get("minDate"), query["maxDate"]), []).append(request)
    return windows


def in_window(created: str, window: tuple[str | None, str]) -> bool:
    low, high = window
    return (low is None or created >= low) and created <= high


def assert_windows_chain(windows: list[tuple[str | None, str]], start: str | None) -> None:
    """Windows go oldest first, each starting where the last ended, up to the sync's start."""
    assert windows[0][0] == start
    for (_, high), (low, _) in itertools.pairwise(windows):
        assert low == high
    assert all(low is None or low < high for low, high in windows)


# Activities packed into the last 5 days of the sandbox's history, all inside the first
# 30-day window after START, so page boundaries fall inside one window.
PACKED = {"activity_days": 5}
START = "2025-12-20T00:00:00.000Z"


@pytest.mark.parametrize("activities", [0, 1, 100, 101, 250])
def test_activity_page_boundaries(lemlist_account, activities):
    account = lemlist_account(activities=activities, **PACKED)
    settings = {"start_date": START, "parallel_requests": 1}
    run = lemlist(account, streams=["activities"], settings=settings)
    assert run.returncode == 0, run.stderr
    created = [r["createdAt"] for r in run.records("activities")]
    assert len(created) == len({r["_id"] for r in run.records("activities")}) == activities
    windows = by_window(api_requests(account, "/activities"))
    assert_windows_chain(list(windows), START)
    first = next(iter(windows))
    assert sum(in_window(c, first) for c in created) == activities
    for window, sent in windows.items():
        # A short page ends paging; only an exact multiple of 100 costs one empty page.
        inside = sum(in_window(c, window) for c in created)
        assert len(sent) == math.floor(inside / 100) + 1
        assert all(r["query"]["limit"] == "100" and r["query"]["version"] == "v2" for r in sent)
        assert [int(r["query"]["offset"]) for r in sent] == [100 * i for i in range(len(sent))]

    # Fetching ahead gives the same records in the same order and never asks for a page twice.
    # A first page that is short costs one request; past a full page, the pages already in
    # flight when the short one arrives are never more than the pages before it.
    account.control.clear_requests(account.name)
    ahead = lemlist(account, streams=["activities"], settings={**settings, "parallel_requests": 8})
    assert [r["_id"] for r in ahead.records("activities")] == [r["_id"] for r in run.records("activities")]
    for window, sent in by_window(api_requests(account, "/activities")).items():
        offsets = sorted(int(r["query"]["offset"]) for r in sent)
        assert offsets == [100 * i for i in range(len(offsets))]
        needed = math.floor(sum(in_window(c, window) for c in created) / 100) + 1
        assert needed <= len(offsets) <= (1 if needed == 1 else 2 * needed)


def test_second_run_reads_only_new_activities(lemlist_account):
    account = lemlist_account(activities=180)
    first = lemlist(account, streams=["activities"])
    assert first.returncode == 0, first.stderr
    bookmark = first.bookmark("activities")
    # The newest activity, or the start of the last window when that window was quiet.
    assert max(r["createdAt"] for r in first.records("activities")) <= bookmark < now_iso()
    assert "window_checkpoint" not in first.state["bookmarks"]["activities"]

    new_ids = account.control.add_activities(account.name, 7)
    account.control.clear_requests(account.name)
    second = lemlist(account, streams=["activities"], state=first.state)
    assert second.returncode == 0, second.stderr
    emitted = {r["_id"] for r in second.records("activities")}
    # The new activities, plus at most the boundary one (minDate is inclusive, upserted).
    assert set(new_ids) <= emitted
    old_ids = {r["_id"] for r in first.records("activities")}
    assert len(emitted - set(new_ids)) <= 1
    assert emitted - set(new_ids) <= old_ids
    # One request per window from the bookmark on: windows widen (up to a year) while
    # they stay quiet, so even a long pause costs a handful of requests.
    windows = by_window(api_requests(account, "/activities"))
    assert_windows_chain(list(windows), bookmark)
    assert all(len(sent) == 1 for sent in windows.values())
    assert len(windows) <= 3
    assert second.bookmark("activities") > bookmark

    # Nothing new since: the window from the newest activity to now is one request.
    account.control.clear_requests(account.name)
    third = lemlist(account, streams=["activities"], state=second.state)
    assert len(api_requests(account, "/activities")) == 1
    assert len(third.records("activities")) <= 1


def test_activity_windows_are_pinned_and_date_filters_reach_the_server(lemlist_account):
    account = lemlist_account(activities=300)
    before = now_iso()
    run = lemlist(account, streams=["activities"], settings={"start_date": "2025-06-01T00:00:00Z"})
    after = now_iso()
    assert run.returncode == 0, run.stderr
    records = run.records("activities")
    assert records
    assert all(r["createdAt"] >= "2025-06-01T00:00:00" for r in records)
    windows = list(by_window(api_requests(account, "/activities")))
    assert_windows_chain(windows, "2025-06-01T00:00:00.000Z")
    # The last window ends at the sync's start: pages of a newest-first list stay put.
    assert before <= windows[-1][1] <= after


def now_iso() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def test_type_and_campaign_filters_partition_activities(lemlist_account):
    account = lemlist_account(activities=400)
    full = lemlist(account, streams=["activities", "campaigns"])
    campaigns = [c["_id"] for c in full.records("campaigns")[:2]]
    types = ["emailsOpened", "emailsReplied"]
    account.control.clear_requests(account.name)
    run = lemlist(account, streams=["activities"], settings={"types": types, "campaign_ids": campaigns})
    assert run.returncode == 0, run.stderr
    # Where the history starts is asked once, not once per partition.
    assert len(api_requests(account, "/team")) == 1
    expected = {r["_id"] for r in full.records("activities") if r["type"] in types and r.get("campaignId") in campaigns}
    assert {r["_id"] for r in run.records("activities")} == expected
    partitions = run.state["bookmarks"]["activities"]["partitions"]
    assert len(partitions) == len(campaigns) * len(types)


def test_rate_limit_429_waits_for_retry_after(lemlist_account):
    account = lemlist_account(activities=150, **PACKED)
    account.set_faults(script=["ok", "429"], retry_after=2)
    run = lemlist(account, streams=["activities"], settings={"parallel_requests": 1, "start_date": START})
    assert run.returncode == 0, run.stderr
    assert len(run.records("activities")) == 150
    sent = api_requests(account, "/activities")
    statuses = [r["status"] for r in sent]
    assert statuses[:3] == [200, "fault:429", 200]
    assert set(statuses[3:]) <= {200}
    assert sent[2]["t"] - sent[1]["t"] >= 2.0  # type: ignore[operator]
    assert "Retrying /activities" in run.stderr
    # The run's count of what it charged to the key includes the retried send.
    assert f"Requests sent: {len(account.requests())} to the lemlist API" in run.stderr


def test_pacing_stays_under_20_requests_per_2_seconds(lemlist_account):
    account = lemlist_account(activities=30_000)
    run = lemlist(account, streams=["activities"])
    assert run.returncode == 0, run.stderr
    assert len(run.records("activities")) == 30_000
    arrivals = sorted(float(r["t"]) for r in api_requests(account))  # type: ignore[arg-type]
    # 300 full pages and the empty one after them, plus what was already in flight then.
    assert 301 <= len(arrivals) <= 301 + 7
    assert all(r["status"] == 200 for r in api_requests(account))
    busiest = max(sum(1 for b in arrivals[i:] if b - a < 2.0) for i, a in enumerate(arrivals))
    assert busiest <= 20
    rate = (len(arrivals) - 1) / (arrivals[-1] - arrivals[0])
    print(f"lemlist pacing: {len(arrivals)} requests at {rate:.2f}/s, busiest 2 s window {busiest}")
    assert rate > 9.0  # paced, not throttled into slowness


def test_key_travels_only_in_the_basic_header_and_never_in_output(lemlist_account):
    account = lemlist_account(activities=120)
    account.set_faults(script=["500", "reset"])
    run = lemlist(account, env={"LOGLEVEL": "DEBUG"})
    assert run.returncode == 0, run.stderr
    for request in account.requests():
        assert account.key not in str(request["target"])
        assert "access_token" not in request["query"]  # type: ignore[operator]
    encoded = base64.b64encode(f":{account.key}".encode()).decode()
    for text in (run.stdout, run.stderr):
        assert account.key not in text
        assert encoded not in text
    assert "DEBUG" in run.stderr


@pytest.mark.parametrize("shape", ["array", "envelope"])
def test_campaigns_accept_both_shapes(lemlist_account, shape):
    account = lemlist_account(campaigns=130, campaigns_shape=shape, activities=0)
    run = lemlist(account, streams=["campaigns"], settings={"parallel_requests": 1})
    assert run.returncode == 0, run.stderr
    ids = [c["_id"] for c in run.records("campaigns")]
    assert len(ids) == len(set(ids)) == 130
    assert len(api_requests(account, "/campaigns")) == 2


def test_campaigns_paging_stops_when_offset_is_ignored(lemlist_account):
    account = lemlist_account(campaigns=130, campaigns_ignore_offset=True, activities=0)
    run = lemlist(account, streams=["campaigns"], settings={"parallel_requests": 1})
    assert run.returncode == 0, run.stderr
    ids = [c["_id"] for c in run.records("campaigns")]
    assert len(set(ids)) == 100  # all the endpoint will give; no endless loop
    assert len(api_requests(account, "/campaigns")) == 2


def test_campaign_children_rows(lemlist_account):
    account = lemlist_account(activities=0, campaigns=4, leads_per_campaign=9)
    run = lemlist(account, streams=["campaigns", "campaign_stats", "sequences", "campaign_leads"])
    assert run.returncode == 0, run.stderr
    campaign_ids = {c["_id"] for c in run.records("campaigns")}
    assert {s["campaignId"] for s in run.records("campaign_stats")} == campaign_ids
    steps = run.records("sequences")
    assert len(steps) == account.expected["sequences"]
    assert all(s["_id"].startswith("stp_") and s["sequenceId"] and s["campaignId"] in campaign_ids for s in steps)
    leads = run.records("campaign_leads")
    assert len(leads) == 4 * 9
    # Custom variables survive, grouped, whatever their names; the export's own columns are columns.
    assert all({"industry", "Company name"} <= set(lead["variables"]) for lead in leads)
    assert all(lead["jobTitle"] and lead["icebreaker"] and not lead["extra_fields"] for lead in leads)
    assert all(lead["email"] and lead["campaignId"] in campaign_ids for lead in leads)
    stats_requests = [r for r in account.requests() if str(r["path"]).endswith("/stats")]
    assert all({"startDate", "endDate"} <= set(r["query"]) for r in stats_requests)  # type: ignore[arg-type]


def test_team_and_users_never_emit_credentials(lemlist_account):
    account = lemlist_account(activities=0)
    run = lemlist(account, streams=["team", "users", "team_credits"])
    assert run.returncode == 0, run.stderr
    [team] = run.records("team")
    assert "apiKey" not in team
    assert "team-level-api-key-must-never-be-emitted" not in run.stdout
    users = run.records("users")
    assert sorted(user["_id"] for user in users) == sorted(team["userIds"])
    assert all(user["teamId"] == team["_id"] and user["mailboxes"][0]["email"] for user in users)
    assert "mailbox-password-must-never-be-emitted" not in run.stdout
    assert [credits["teamId"] for credits in run.records("team_credits")] == [team["_id"]]
    schema = next(m for m in run.messages if m["type"] == "SCHEMA" and m["stream"] == "team")
    assert "apiKey" not in schema["schema"]["properties"]


def test_plan_gated_stream_is_skipped_with_a_warning(lemlist_account):
    account = lemlist_account(activities=20, gates={"/tasks": 402, "/watchlist": 403})
    run = lemlist(account)
    assert run.returncode == 0, run.stderr
    counts = run.counts()
    assert "tasks" not in counts
    assert "watchlist_signals" not in counts
    assert counts["activities"] == 20
    assert counts["contacts"] == account.expected["contacts"]
    warnings = [line for line in run.stderr.splitlines() if "Skipping stream" in line]
    assert any("'tasks'" in line and "402" in line for line in warnings)
    assert any("'watchlist_signals'" in line and "403" in line for line in warnings)


def test_html_200_is_an_error_naming_the_endpoint(lemlist_account):
    account = lemlist_account(activities=10)
    # A wrong base path: every route falls into lemlist's HTML catch-all with a 200.
    run = run_tap(
        "tap-lemlist",
        {"api_key": account.key, "api_url": f"{account.url}/wrong"},
        streams=["team"],
    )
    assert run.returncode != 0
    assert not run.records("team")
    last = run.stderr.strip().splitlines()[-1]
    assert "GET /wrong/team" in last
    assert "not JSON (text/html" in last
    assert "Traceback" not in run.stderr


def test_rejected_key_is_one_line_without_traceback(lemlist_account):
    account = lemlist_account(activities=10)
    config = lemlist_config(account)
    config["api_key"] = "not-the-key"
    run = run_tap("tap-lemlist", config)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    errors = [line for line in run.stderr.splitlines() if "error" in line.lower()]
    assert errors == [
        "tap-lemlist: error: lemlist rejected the API key (401 on GET /api/team). "
        "Check the api_key setting (TAP_LEMLIST_API_KEY)."
    ]
    assert not [m for m in run.messages if m["type"] == "RECORD"]


def test_parallel_requests_emit_exactly_what_one_at_a_time_does(lemlist_account):
    account = lemlist_account(activities=730, campaigns=9, contacts=1100)
    one = lemlist(account, settings={"parallel_requests": 1})
    account.control.clear_requests(account.name)
    many = lemlist(account, settings={"parallel_requests": 8})
    # Sends from 8 threads are all counted.
    assert f"Requests sent: {len(account.requests())} to the lemlist API" in many.stderr
    # Each run's stats window ends at its own start, so endDate alone may differ.
    assert one.returncode == many.returncode == 0, one.stderr + many.stderr
    assert many.rows(ignore={"endDate"}) == one.rows(ignore={"endDate"})
    assert many.counts() == account.expected


def test_deselected_fields_are_not_emitted_and_unknown_ones_land_in_extra_fields(lemlist_account):
    account = lemlist_account(activities=150, new_activity_field=True)
    config = lemlist_config(account)
    from tests.taprun import select_streams  # noqa: PLC0415

    catalog = select_streams("tap-lemlist", config, {"activities"})
    for entry in catalog["streams"]:
        for item in entry["metadata"]:
            if entry["tap_stream_id"] == "activities" and item["breadcrumb"] == ["properties", "leadEmail"]:
                item["metadata"]["selected"] = False
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "catalog.json"
        path.write_text(json.dumps(catalog))
        run = run_tap("tap-lemlist", config, args=["--catalog", str(path)])
    assert run.returncode == 0, run.stderr
    records = run.records("activities")
    assert len(records) == 150
    assert not any("leadEmail" in r or "aiSummary" in r for r in records)
    assert any("leadFirstName" in r for r in records)
    # A field lemlist adds before any schema knows it is kept, not dropped: one warning says so.
    assert all(r["extra_fields"]["aiSummary"].startswith("summary ") for r in records if r.get("leadId"))
    warnings = [line for line in run.stderr.splitlines() if "aiSummary" in line]
    assert len(warnings) == 1
    assert "is not in its schema: kept in extra_fields" in warnings[0]


def test_rerun_with_nothing_new_costs_one_request_per_incremental_stream(lemlist_account):
    account = lemlist_account(activities=420, signals=260)
    first = lemlist(account)
    assert first.returncode == 0, first.stderr
    account.control.clear_requests(account.name)
    second = lemlist(account, state=first.state)
    assert second.returncode == 0, second.stderr
    assert len(api_requests(account, "/activities")) == 1
    assert len(api_requests(account, "/watchlist/signals")) == 1
    assert len(second.records("activities")) <= 1  # the boundary activity, upserted


@pytest.mark.parametrize(("tasks", "pages"), [(0, 1), (49, 2), (50, 2), (120, 3)])
def test_tasks_pages_are_lemlists_own_length(lemlist_account, tasks, pages):
    # /tasks takes no page size (the sandbox serves 50 a page): the tap sends none, and a page
    # shorter than the longest one seen, or an empty one, is the last. A lone first page cannot
    # tell whether it was short, so it costs one empty request more.
    account = lemlist_account(activities=0, tasks=tasks)
    run = lemlist(account, streams=["tasks"], settings={"parallel_requests": 1})
    assert run.returncode == 0, run.stderr
    assert len({task["_id"] for task in run.records("tasks")}) == tasks
    sent = api_requests(account, "/tasks")
    assert [r["query"].get("page") for r in sent] == [str(n) for n in range(pages)]  # type: ignore[union-attr]
    assert not any("limit" in r["query"] for r in sent)  # type: ignore[operator]


def test_request_metrics_are_logged_only_on_request(lemlist_account):
    account = lemlist_account(activities=30, campaigns=1, leads_per_campaign=2)
    quiet = lemlist(account, streams=["activities", "hooks"])
    assert quiet.returncode == 0, quiet.stderr[-2000:]
    assert "METRIC" not in quiet.stderr
    loud = lemlist(account, streams=["activities", "hooks"], settings={"log_request_metrics": True})
    assert loud.returncode == 0, loud.stderr[-2000:]
    assert '"metric":"http_request_count"' in loud.stderr.replace(" ", "")
    # The SDK's own switch still works: LOGLEVEL=DEBUG shows them too.
    debug = lemlist(account, streams=["hooks"], env={"LOGLEVEL": "DEBUG"})
    assert "METRIC" in debug.stderr


STATS_BATCH = "/v2/campaigns/stats/batch"


def stats_rows(run: TapRun) -> dict[str, dict[str, t.Any]]:
    """Each campaign's stats row, without the run-dependent end of its period."""
    rows = run.records("campaign_stats")
    return {row["campaignId"]: {k: v for k, v in row.items() if k != "endDate"} for row in rows}


def test_campaign_stats_come_100_campaigns_a_request(lemlist_account):
    account = lemlist_account(activities=0, campaigns=230, leads_per_campaign=1)
    run = lemlist(account, streams=["campaigns", "campaign_stats"])
    assert run.returncode == 0, run.stderr
    campaigns = {c["_id"]: c for c in run.records("campaigns")}
    batches = [r for r in api_requests(account, STATS_BATCH) if r["method"] == "POST"]
    asked = [body["campaignIds"] for body in (t.cast("dict[str, t.Any]", r["body"]) for r in batches)]
    assert [len(ids) for ids in asked] == [100, 100, 30]
    assert sorted(itertools.chain(*asked)) == sorted(campaigns)
    assert not [r for r in account.requests() if str(r["path"]).endswith("/stats")]
    rows = stats_rows(run)
    assert set(rows) == set(campaigns)
    assert len(run.records("campaign_stats")) == 230
    # Each row says its own campaign's period, though one request counted a shared one.
    assert all(rows[i]["startDate"] == campaigns[i]["createdAt"] for i in campaigns)
    assert all(
        body["startDate"] == min(campaigns[i]["createdAt"] for i in body["campaignIds"])
        for body in (t.cast("dict[str, t.Any]", r["body"]) for r in batches)
    )


def test_refused_stats_batch_falls_back_to_one_campaign_a_request(lemlist_account):
    batched = lemlist_account(activities=0, campaigns=12, leads_per_campaign=1)
    refused = lemlist_account(activities=0, campaigns=12, leads_per_campaign=1, gates={STATS_BATCH: 402})
    streams = ["campaigns", "campaign_stats"]
    runs = [lemlist(account, streams=streams) for account in (batched, refused)]
    assert [run.returncode for run in runs] == [0, 0], runs[1].stderr
    assert stats_rows(runs[1]) == stats_rows(runs[0])
    assert len(stats_rows(runs[0])) == 12
    assert len(api_requests(refused, STATS_BATCH)) == 1  # refused once, then never asked again
    assert len([r for r in refused.requests() if str(r["path"]).endswith("/stats")]) == 12
    [warning] = [line for line in runs[1].stderr.splitlines() if "batch route refused" in line]
    assert "'campaign_stats'" in warning
    assert "402" in warning
    assert "Skipping stream" not in runs[1].stderr


def test_campaign_the_stats_batch_cannot_answer_is_read_alone(lemlist_account):
    account = lemlist_account(activities=0, campaigns=8, leads_per_campaign=1, stats_batch_errors=[2, 5])
    run = lemlist(account, streams=["campaigns", "campaign_stats"])
    assert run.returncode == 0, run.stderr
    ids = [c["_id"] for c in run.records("campaigns")]
    assert set(stats_rows(run)) == set(ids)
    assert len(run.records("campaign_stats")) == 8
    alone = [str(r["path"]).split("/")[-2] for r in account.requests() if str(r["path"]).endswith("/stats")]
    assert sorted(alone) == sorted([ids[2], ids[5]])
    assert all(ids[i] in run.stderr and "Stats could not be computed" in run.stderr for i in (2, 5))


def test_a_team_user_deleted_since_the_team_listed_it_is_skipped_with_one_warning(lemlist_account):
    """``GET /users/{id}`` of a user the team still lists answers 200 with no user: ``{}`` (seen
    live) or an error body. That user is no row and one warning; the stream and run go on."""
    account = lemlist_account(activities=0, senders=4)
    account.control.delete(account.name, users=[1, 2])
    run = lemlist(account, streams=["team", "users", "team_credits"])
    assert run.returncode == 0, run.stderr
    [team] = run.records("team")
    assert [user["_id"] for user in run.records("users")] == [team["userIds"][0], team["userIds"][3]]
    assert all(user["firstName"] and user["lastName"] for user in run.records("users"))
    warnings = [line for line in run.stderr.splitlines() if "with no user" in line]
    assert len(warnings) == 2
    assert any("an empty object" in line for line in warnings)
    assert any("keys error" in line for line in warnings)
    assert f"GET /api/users/{team['userIds'][1]}" in "\n".join(warnings)
    assert "Traceback" not in run.stderr


def test_fields_seen_live_arrive_in_their_columns_and_offsets_do_not_move_the_bookmark(lemlist_account):
    # A day of activities, so that one sent with a +02:00 offset sorts, as text, after newer ones.
    account = lemlist_account(activities=400, activity_days=1)
    run = lemlist(account, streams=["activities"])
    assert run.returncode == 0, run.stderr
    assert "not in its schema" not in run.stderr
    assert "differs from its schema" not in run.stderr
    rows = run.records("activities")
    calls = [row for row in rows if row["type"] == "aircallDone"]
    # A URL on some rows, an object on others: one JSON column, the URL as {"url": ...}.
    assert all(row["recording"]["url"].startswith("https://") for row in calls)
    assert {len(row["recording"]) for row in calls} == {1, 2}
    assert all(isinstance(row["duration"], (int, float)) and row["callSid"] for row in calls)
    unsubscribed = [row for row in rows if row["type"] == "emailsUnsubscribed"]
    assert unsubscribed
    assert all(row["doNotContact"] is True and row["unsubEmail"] is True for row in unsubscribed)
    assert any(row.get("campaignId") is None for row in rows)
    assert any(row["createdAt"].endswith("+02:00") for row in rows)

    # Activities of the last moments, some written with +02:00: as text those sort after the
    # newer ones written in UTC. The bookmark is the newest instant all the same.
    account.control.add_activities(account.name, 20)
    recent = lemlist(account, streams=["activities"], state=run.state)
    assert recent.returncode == 0, recent.stderr
    stamps = [row["createdAt"] for row in recent.records("activities")]
    assert max(s for s in stamps if s.endswith("+02:00")) > max(s for s in stamps if s.endswith("Z"))
    newest = max(datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00")) for stamp in stamps)
    assert recent.bookmark("activities") == iso_ms(newest)

    # The next run starts from that instant: the newest activity again (upserted), nothing older.
    again = lemlist(account, streams=["activities"], state=recent.state)
    assert again.returncode == 0, again.stderr
    assert [row["createdAt"] for row in again.records("activities")] == [
        stamp for stamp in stamps if datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00")) == newest
    ]
