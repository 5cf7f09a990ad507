"""Both taps under injected faults: every record still arrives, or one clear line says why not."""

from __future__ import annotations

import pytest

from tests.conftest import SMARTLEAD_TEST_LIMIT, Account, lemlist_config, smartlead_config
from tests.taprun import TapRun, batch_config, opt_in_streams, run_tap

# Every kind the sandboxes inject: 429 with and without Retry-After, 5xx, resets, read
# timeouts, truncated bodies, HTML and broken JSON with a 200.
FAULTS = ["429", "429-bare", "500", "502", "503", "reset", "timeout", "truncate", "html", "garbage"]
# Fields that hold the sync's own start time, which differs between two runs.
RUN_TIME_FIELDS = {"endDate", "event_time_to"}


# Streams read per record of another: they stop with it.
CHILDREN = {"email_accounts": {"email_account_warmup_stats"}}


def records(run: TapRun) -> list[tuple[str, str]]:
    return sorted(run.rows(ignore=RUN_TIME_FIELDS))


TAPS = {
    "tap-lemlist": (lambda: Account("lemlist", activities=900, campaigns=4, contacts=700), lemlist_config, {}),
    "tap-smartlead": (
        lambda: Account("smartlead", rate_limit=SMARTLEAD_TEST_LIMIT, campaigns=4, leads_per_campaign=260),
        smartlead_config,
        {"start_date": "2025-01-01"},
    ),
}


@pytest.mark.parametrize("batched", [False, True], ids=["records", "batch-mode"])
@pytest.mark.parametrize("tap", sorted(TAPS))
def test_ten_percent_of_requests_faulted_changes_no_record(tap, batched, tmp_path):
    make_account, make_config, settings = TAPS[tap]
    account = make_account()
    config = make_config(account, request_timeout=1, **settings)
    clean = run_tap(tap, config)
    assert clean.returncode == 0, clean.stderr
    account.set_faults(rate=0.1, kinds=FAULTS, seed=7, retry_after=1, timeout_seconds=1.5)
    # In BATCH mode the records come in files (read back as RECORDs): the same rows either way.
    mode = {"batch_config": batch_config(tmp_path, 500)} if batched else {}
    faulted = run_tap(tap, {**config, **mode}, env={"LOGLEVEL": "DEBUG"})
    assert faulted.returncode == 0, faulted.stderr[-3000:]
    injected = [r["status"] for r in account.requests() if str(r["status"]).startswith("fault:")]
    assert len(injected) >= 5, "the plan injected too few faults to mean anything"
    assert records(faulted) == records(clean)
    for text in (faulted.stdout, faulted.stderr):
        assert account.key not in text


@pytest.mark.parametrize(("tap", "stream", "path", "endpoint"), [
    ("tap-lemlist", "hooks", "/api/hooks", "GET /api/hooks"),
    ("tap-smartlead", "email_accounts", "/api/v1/email-accounts", "GET /api/v1/email-accounts/"),
])  # fmt: skip
def test_a_fault_that_persists_stops_its_stream_alone_with_one_line(tap, stream, path, endpoint):
    make_account, make_config, _ = TAPS[tap]
    account = make_account()
    account.set_faults(rate=1.0, kinds=["429"], retry_after=0.2, paths=[path])
    # The whole history, so that every other stream's count is the account's.
    run = run_tap(tap, make_config(account), timeout=300)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith(f"{tap}: error:")]
    assert len(errors) == 1
    assert errors[0] == run.stderr.strip().splitlines()[-1]
    assert errors[0].startswith(
        f"{tap}: error: Stream '{stream}' stopped: {endpoint} kept failing after 8 attempts; "
        f"last: {endpoint} answered 429"
    )
    assert f"meltano select {tap} --exclude {stream} '*'" in errors[0]
    # Every other stream finished, with all its records and its bookmark.
    stopped = {stream, *CHILDREN.get(stream, ())}  # a stopped stream's children have no parents to read
    skipped = stopped | opt_in_streams(tap)  # opt-in streams are not selected by default
    expected = {name: count for name, count in account.expected.items() if name not in skipped and count}
    counts = run.counts()
    if tap == "tap-smartlead":  # a lead with events in two date windows is read (and upserted) twice
        counts["lead_activities"] = len({r["email_lead_map_id"] for r in run.records("lead_activities")})
    assert {name: count for name, count in counts.items() if name not in stopped} == expected
    bookmarks = run.state.get("bookmarks", {})
    incremental = "activities" if tap == "tap-lemlist" else "day_wise_stats"
    assert bookmarks.get(incremental, {}).get("replication_key_value")
    assert "progress_markers" not in bookmarks.get(stream, {})
