"""Warm-up stats on the cadence of their data: each mailbox once per UTC day, and no day lost.

The runs here play days of a schedule in one process, each with a clock the test sets, against a
sandbox whose own clock is set to the same instant: warm-up counts of the current day grow with
its hours, as the warm-up network sends, so a day read before it ended is incomplete until a
later read.
"""

from __future__ import annotations

import datetime
import json
import logging
import typing as t
import urllib.request

import pytest

from tap_core import io
from tap_smartlead.tap import TapSmartlead
from tests.conftest import Account, smartlead_config

WARMUP = "email_account_warmup_stats"
MAILBOXES = 12
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.timezone.utc)
WARMUP_PATH = "/warmup-stats"


class Run(t.NamedTuple):
    rows: list[dict[str, t.Any]]
    state: dict[str, t.Any]
    warmup_requests: int
    activate_versions: int


@pytest.fixture
def mailboxes(smartlead_account: t.Callable[..., Account]) -> Account:
    return smartlead_account(campaigns=2, email_accounts=MAILBOXES, leads_per_campaign=2, rate_limit=10_000)


def run_at(
    now: datetime.datetime,
    account: Account,
    state: dict[str, t.Any],
    capsysbinary: pytest.CaptureFixture[bytes],
    streams: set[str] | None = None,
) -> Run:
    """One run of the tap whose clock says ``now``, against the account's sandbox set to ``now``,
    with ``streams`` selected (None: every stream, the opt-in ones included)."""

    class ClockedTap(TapSmartlead):
        @classmethod
        def clock(cls) -> datetime.datetime:
            return now

    account.control.set_clock(account.name, now.isoformat())
    account.control.clear_requests(account.name)
    config = smartlead_config(account)
    catalog = TapSmartlead(config=config).catalog_dict
    for entry in catalog["streams"]:
        for item in entry["metadata"]:
            if not item["breadcrumb"]:
                item["metadata"]["selected"] = streams is None or entry["tap_stream_id"] in streams
    capsysbinary.readouterr()
    ClockedTap(config=config, state=state, catalog=catalog).sync_all()
    io.write_held_states()  # as the command does when it ends
    messages = [json.loads(line) for line in capsysbinary.readouterr().out.splitlines() if line.startswith(b"{")]
    states = [m["value"] for m in messages if m["type"] == "STATE"]
    return Run(
        rows=[m["record"] for m in messages if m["type"] == "RECORD" and m["stream"] == WARMUP],
        state=states[-1] if states else state,
        warmup_requests=sum(1 for r in account.requests() if r["path"].endswith(WARMUP_PATH)),
        activate_versions=sum(1 for m in messages if m["type"] == "ACTIVATE_VERSION" and m["stream"] == WARMUP),
    )


def sent(row: dict[str, t.Any]) -> int:
    """A day's sent count: ``sent_count`` live, ``sent`` in the docs' shape."""
    return int(row.get("sent_count", row.get("sent")) or 0)


def final_counts(account: Account, day: datetime.date) -> dict[int, int]:
    """Each mailbox's sent count for ``day`` as the sandbox serves it once the day is over."""
    account.control.set_clock(account.name, f"{day + datetime.timedelta(days=1)}T12:00:00+00:00")
    counts = {}
    for mailbox in range(700_000, 700_000 + MAILBOXES):
        url = f"{account.url}/api/v1/email-accounts/{mailbox}/warmup-stats?api_key={account.key}"
        with urllib.request.urlopen(url, timeout=30) as response:
            body = json.loads(response.read())
        days = body.get("stats_by_date") or body.get("daily_stats")
        for entry in days:
            if entry["date"] == day.isoformat():
                counts[mailbox] = sent(entry)
    return counts


def test_each_mailbox_is_read_by_the_first_run_of_each_day_alone(mailboxes: Account, capsysbinary) -> None:
    first = run_at(START, mailboxes, {}, capsysbinary)
    assert first.warmup_requests == MAILBOXES
    assert first.activate_versions == 0, "days older than the route's week are history, never retired"
    # Later that day: nothing; every stream selected or warm-up alone, the same.
    for hours, streams in ((1, None), (5, {WARMUP}), (14, {"email_accounts", WARMUP})):
        later = run_at(START + datetime.timedelta(hours=hours), mailboxes, first.state, capsysbinary, streams)
        assert later.warmup_requests == 0, (hours, streams)
        assert later.rows == []
    # Just past midnight (UTC): every mailbox again, warm-up selected alone.
    past_midnight = datetime.datetime(2026, 3, 3, 0, 5, tzinfo=datetime.timezone.utc)
    next_day = run_at(past_midnight, mailboxes, first.state, capsysbinary, {WARMUP})
    assert next_day.warmup_requests == MAILBOXES
    again = run_at(
        datetime.datetime(2026, 3, 3, 23, 55, tzinfo=datetime.timezone.utc), mailboxes, next_day.state, capsysbinary
    )
    assert again.warmup_requests == 0


@pytest.mark.parametrize(
    "schedule_hours",
    [
        pytest.param([1] * 40, id="hourly"),
        pytest.param([24] * 9, id="daily"),
        pytest.param([24, 24, 6 * 24 - 1, 24, 5 * 24 + 3, 24], id="runs-missed-for-days"),
    ],
)
def test_no_day_is_lost_whatever_the_schedule(
    mailboxes: Account, capsysbinary, caplog: pytest.LogCaptureFixture, schedule_hours: list[int]
) -> None:
    """What the warehouse holds (rows upserted on mailbox and day) has every day from the first
    run's week to the day before the last run, each with the day's final counts."""
    now, state = START, {}
    held: dict[tuple[int, str], int] = {}
    with caplog.at_level(logging.WARNING):
        for step in [0, *schedule_hours]:
            now += datetime.timedelta(hours=step)
            run = run_at(now, mailboxes, state, capsysbinary, {"email_accounts", WARMUP})
            state = run.state
            for row in run.rows:
                held[(row["email_account_id"], row["date"])] = sent(row)
    assert not [r for r in caplog.records if "last read more than" in r.getMessage()]
    first_day = START.date() - datetime.timedelta(days=6)
    day = first_day
    while day < now.date():
        final = final_counts(mailboxes, day)
        assert len(final) == MAILBOXES
        assert {m: held.get((m, day.isoformat())) for m in final} == final, day
        day += datetime.timedelta(days=1)


def test_a_gap_longer_than_the_routes_week_is_named(mailboxes: Account, capsysbinary, caplog) -> None:
    first = run_at(START, mailboxes, {}, capsysbinary, {WARMUP})
    with caplog.at_level(logging.WARNING):
        late = run_at(START + datetime.timedelta(days=9), mailboxes, first.state, capsysbinary, {WARMUP})
    assert late.warmup_requests == MAILBOXES
    [warning] = [r.getMessage() for r in caplog.records if "last read more than" in r.getMessage()]
    assert f"{MAILBOXES} mailbox(es)" in warning
    assert "the oldest on 2026-03-02" in warning
    assert "to 2026-03-04 is incomplete or missing" in warning
