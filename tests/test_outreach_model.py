"""The outreach model (transform/), end to end: both sandboxes synced by Meltano into PostgreSQL and
DuckDB, the model built there by the dbt-postgres and dbt-duckdb utilities, and its numbers checked
against the statistics the vendors' APIs serve."""

from __future__ import annotations

import datetime
import html
import json
import math
import re
import shutil
import subprocess
import sys
import time
import typing as t
from dataclasses import dataclass

import duckdb
import psycopg
import pytest
import requests

from tests.chromium import FLAGS
from tests.chromium import chromium as find_chromium
from tests.conftest import Account
from tests.meltano_project import ROOT, Run, lemlist_env, project_copy, smartlead_env

if t.TYPE_CHECKING:
    from pathlib import Path

    from tests.postgres import Postgres


def source_tables() -> dict[str, list[str]]:
    """The tables the model reads, per vendor, from its dbt sources."""
    found = {}
    for vendor in ("lemlist", "smartlead"):
        text = (ROOT / "transform" / "models" / "staging" / vendor / f"_{vendor}__sources.yml").read_text()
        found[vendor] = re.findall(r"^\s+- name: (\w+)$", text.split("tables:", 1)[1], re.M)
    return found


# The vendor's counter for each count of the model: (event type, what is counted). Messages count
# once however often they were opened, and leave out what a mail scanner did; leads likewise.
LEMLIST_COUNTERS = {
    "messagesSent": ("sent", "messages"),
    "opened": ("opened", "messages"),
    "clicked": ("clicked", "messages"),
    "replied": ("replied", "messages"),
    "messagesBounced": ("bounced", "messages"),
    "meetingBooked": ("meeting_booked", "events"),
    "nbLeadsInterested": ("interested", "leads"),
    "nbLeadsNotInterested": ("not_interested", "leads"),
    "nbLeadsUnsubscribed": ("unsubscribed", "leads"),
}
SMARTLEAD_COUNTERS = {
    "sent_count": ("sent", "messages"),
    "unique_sent_count": ("sent", "leads"),
    "unique_open_count": ("opened", "leads"),
    "unique_click_count": ("clicked", "leads"),
    # Smartlead counts out-of-office answers as replies; the model counts them apart.
    "reply_count": ("replied out_of_office", "messages"),
    "bounce_count": ("bounced", "messages"),
    "unsubscribed_count": ("unsubscribed", "leads"),
    "interested": ("interested", "leads"),  # campaign_lead_stats.interested
}


@dataclass
class Built:
    """Both sandboxes loaded and modelled in both databases."""

    lemlist: Account
    smartlead: Account
    run: Run
    warehouse: Path
    project: Path

    def duckdb(self, sql: str, path: Path | None = None) -> list[tuple[t.Any, ...]]:
        with duckdb.connect(str(path or self.warehouse), read_only=True) as connection:
            return connection.execute(sql).fetchall()

    def results(self, adapter: str, target: Path | None = None) -> list[dict[str, t.Any]]:
        folder = target or self.project / ".meltano" / "dbt" / adapter / "target"
        return json.loads((folder / "run_results.json").read_text())["results"]


def failed(results: list[dict[str, t.Any]]) -> list[tuple[str, str]]:
    return [(r["unique_id"], r["status"]) for r in results if r["status"] not in ("success", "pass")]


# The share of leads that answer variant B (variant A: the sandbox's usual 5%).
VARIANT_B_REPLY_RATE = 0.75


@pytest.fixture(scope="module")
def built(postgres: Postgres, tmp_path_factory: pytest.TempPathFactory) -> Built:
    tmp = tmp_path_factory.mktemp("outreach")
    # Smartlead's first steps are A/B tested: variant B is answered far more often than A.
    lemlist, smartlead = Account("lemlist"), Account("smartlead", variant_b_reply_rate=VARIANT_B_REPLY_RATE)
    warehouse = tmp / "warehouse.duckdb"
    project = project_copy(tmp / "project")
    streams = source_tables()
    run = Run(
        project,
        postgres,
        tmp,
        **lemlist_env(lemlist),
        **smartlead_env(smartlead),
        # The streams the model reads, as a user who loads only these would select them.
        TAP_LEMLIST__SELECT=json.dumps([f"{stream}.*" for stream in streams["lemlist"]]),
        TAP_SMARTLEAD__SELECT=json.dumps([f"{stream}.*" for stream in streams["smartlead"]]),
        TARGET_DUCKDB_FILEPATH=str(warehouse),
        DBT_DUCKDB_PATH=str(warehouse),
    )
    # The README's command, then the same into the embedded default.
    into_postgres = run(
        "run", "tap-lemlist", "target-postgres", "tap-smartlead", "target-postgres", "dbt-postgres:build"
    )
    assert into_postgres.returncode == 0, into_postgres.stderr[-3000:]
    into_duckdb = run("run", "tap-lemlist", "target-duckdb", "tap-smartlead", "target-duckdb", "dbt-duckdb:build")
    assert into_duckdb.returncode == 0, into_duckdb.stderr[-3000:]
    return Built(lemlist, smartlead, run, warehouse, project)


@pytest.mark.parametrize("adapter", ["postgres", "duckdb"])
def test_every_model_builds_and_every_dbt_test_passes(built, adapter):
    results = built.results(adapter)
    assert failed(results) == []
    names = {r["unique_id"].split(".")[2] for r in results}
    models = {"outreach_events", "outreach_campaign_daily", "outreach_mailbox_health", "outreach_leads"}
    assert models <= names
    tests = [r for r in results if r["unique_id"].startswith("test.")]
    kinds = {
        kind
        for kind in ("unique", "not_null", "accepted_values", "relationships")
        for r in tests
        if r["unique_id"].split(".")[2].startswith(kind)
    }
    assert kinds == {"unique", "not_null", "accepted_values", "relationships"}
    assert "model_counts_match_vendor_statistics" in {r["unique_id"].split(".")[2] for r in tests}


def lemlist_stats(account: Account, campaign_id: str) -> dict[str, int]:
    """The campaign's statistics as lemlist's API serves them, over its whole life."""
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    reply = requests.get(
        f"{account.url}/api/v2/campaigns/{campaign_id}/stats",
        params={"startDate": "2015-01-01T00:00:00.000Z", "endDate": now},
        auth=("", account.key),
        timeout=30,
    )
    assert reply.status_code == 200, (campaign_id, reply.status_code)  # no URL: it would name the key
    return {name: int(reply.json()[name]) for name in LEMLIST_COUNTERS}


def smartlead_stats(account: Account, campaign_id: str) -> dict[str, int]:
    for _ in range(20):  # the sandbox keeps Smartlead's rate limit: tests reading it at once wait their turn
        reply = requests.get(
            f"{account.url}/api/v1/campaigns/{campaign_id}/analytics", params={"api_key": account.key}, timeout=30
        )
        if reply.status_code != 429:
            break
        time.sleep(float(reply.headers.get("Retry-After") or 1))
    assert reply.status_code == 200, (campaign_id, reply.status_code)  # no URL: it holds the key
    body = reply.json() | {"interested": reply.json()["campaign_lead_stats"]["interested"]}
    return {name: int(body[name]) for name in SMARTLEAD_COUNTERS}


def smartlead_statistics(account: Account, campaign_id: str) -> list[dict[str, t.Any]]:
    """Every email the campaign sent, as Smartlead's statistics route serves them."""
    rows: list[dict[str, t.Any]] = []
    while True:
        for _ in range(20):
            reply = requests.get(
                f"{account.url}/api/v1/campaigns/{campaign_id}/statistics",
                params={"api_key": account.key, "offset": len(rows), "limit": 100},
                timeout=30,
            )
            if reply.status_code != 429:
                break
            time.sleep(float(reply.headers.get("Retry-After") or 1))
        assert reply.status_code == 200, (campaign_id, reply.status_code)  # no URL: it holds the key
        page = reply.json()["data"]
        rows += page
        if len(page) < 100:
            return rows


def counts_sql(vendor: str, counters: dict[str, tuple[str, str]]) -> str:
    """Per campaign, each counter counted straight from outreach_events (of the event types it
    names, space-separated)."""
    what = {
        "messages": "count(distinct case when event_type in ({0}) and not is_bot then message_key end)",
        "leads": "count(distinct case when event_type in ({0}) and not is_bot then lead_key end)",
        "events": "count(case when event_type in ({0}) then 1 end)",
    }
    columns = ", ".join(
        what[unit].format(", ".join(f"'{name}'" for name in event_types.split()))
        for event_types, unit in counters.values()
    )
    return f"select campaign_id, {columns} from outreach.outreach_events where vendor = '{vendor}' group by 1"


@pytest.mark.parametrize("database", ["postgres", "duckdb"])
def test_each_campaign_counts_what_the_vendor_api_reports(built, database):
    query = built.run.sql if database == "postgres" else built.duckdb
    for vendor, account, counters, stats in (
        ("lemlist", built.lemlist, LEMLIST_COUNTERS, lemlist_stats),
        ("smartlead", built.smartlead, SMARTLEAD_COUNTERS, smartlead_stats),
    ):
        model = {
            campaign_id: dict(zip(counters, map(int, values), strict=True))
            for campaign_id, *values in query(counts_sql(vendor, counters))
        }
        assert len(model) == account.expected["campaigns"], vendor
        served = {campaign_id: stats(account, campaign_id) for campaign_id in model}
        assert model == served, vendor
        # Not a comparison of zeros: every counter counts something in some campaign.
        assert all(any(counts[name] for counts in served.values()) for name in counters), (vendor, served)


VENDOR_RATES = ("lemlist_open_rate", "lemlist_click_rate", "lemlist_reply_rate", "smartlead_open_rate",
                "smartlead_click_rate", "smartlead_positive_reply_rate")  # fmt: skip


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@pytest.mark.parametrize("database", ["postgres", "duckdb"])
def test_each_vendor_rate_is_the_vendors_own_counters_divided_as_its_screen_does(built, database):
    query = built.run.sql if database == "postgres" else built.duckdb
    rows = query(f"select vendor, campaign_id, {', '.join(VENDOR_RATES)} from outreach.outreach_campaign_funnel")
    assert rows
    for vendor, campaign_id, *rates in rows:
        if vendor == "lemlist":
            c = lemlist_stats(built.lemlist, campaign_id)
            # help.lemlist.com: opened / (sent - bounced); clicked and replied on opened
            expected = [share(c["opened"], c["messagesSent"] - c["messagesBounced"]), share(c["clicked"], c["opened"]),
                        share(c["replied"], c["opened"]), None, None, None]  # fmt: skip
        else:
            c = smartlead_stats(built.smartlead, campaign_id)
            # Smartlead's dashboard: unique opens / leads reached, unique clicks / unique opens,
            # positive answers / replies
            expected = [None, None, None, share(c["unique_open_count"], c["unique_sent_count"]),
                        share(c["unique_click_count"], c["unique_open_count"]),
                        share(c["interested"], c["reply_count"])]  # fmt: skip
        assert rates == pytest.approx(expected), (vendor, campaign_id, dict(zip(VENDOR_RATES, rates, strict=True)))
    # Not a comparison of empties: each rate has a value for some campaign.
    assert all(any(row[2 + i] for row in rows) for i in range(len(VENDOR_RATES)))


def test_out_of_office_answers_are_counted_apart_from_replies(built):
    [(ooo_leads, ooo_messages, replied, smartlead_replies)] = built.run.sql(
        "select sum(leads_out_of_office), sum(messages_out_of_office), sum(messages_replied),"
        " sum(messages_replied + messages_out_of_office) from outreach.outreach_campaign_funnel"
        " where vendor = 'smartlead'"
    )
    assert ooo_leads > 0
    assert ooo_messages > 0
    served = sum(
        smartlead_stats(built.smartlead, campaign_id)["reply_count"]
        for (campaign_id,) in built.run.sql(
            "select campaign_id from outreach.outreach_campaigns where vendor = 'smartlead'"
        )
    )
    # Smartlead's reply count has both; the model's replies leave the out-of-office ones out.
    assert smartlead_replies == served
    assert replied == served - ooo_messages
    # Positive answers per lead contacted: a share of every campaign that sent, zero included.
    shares = built.run.sql("select positive_replies_per_lead_contacted from outreach.outreach_campaign_funnel")
    assert all(share is not None and 0 <= share <= 1 for (share,) in shares)


def test_an_ab_test_s_known_difference_is_found_and_its_test_named(built):
    rows = built.run.sql(
        "select campaign_id, sequence_step, variant, messages_sent, messages_replied, baseline_variant,"
        " reply_rate_difference, z_score, p_value, is_significant, test_name"
        " from outreach.outreach_step_variants join outreach.outreach_campaigns using (campaign_key)"
        " where outreach_step_variants.vendor = 'smartlead' order by campaign_id, variant"
    )
    campaigns = {row[0] for row in rows}
    assert len(campaigns) == built.smartlead.expected["campaigns"]
    for campaign_id in campaigns:
        a, b = (row for row in rows if row[0] == campaign_id)
        assert (a[1], a[2], b[1], b[2]) == (1, "A", 1, "B")
        # The vendor's own rows: each email sent as a variant, and its reply.
        served = smartlead_statistics(built.smartlead, campaign_id)
        for row in (a, b):
            emails = [e for e in served if e["seq_variant_id"] is not None and e["sequence_number"] == 1]
            first = min(e["seq_variant_id"] for e in emails)  # Smartlead's A: the step's first variant
            mine = [e for e in emails if (e["seq_variant_id"] == first) == (row[2] == "A")]
            # a reply from a lead in the Out Of Office category is not a reply to the model
            replies = sum(1 for e in mine if e["reply_time"] and e["lead_category"] != "Out Of Office")
            assert (row[3], row[4]) == (len(mine), replies), row
        # The test, recomputed: B's known lift is found significant.
        n1, r1, n0, r0 = b[3], b[4], a[3], a[4]
        pooled = (r1 + r0) / (n1 + n0)
        z = (r1 / n1 - r0 / n0) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
        assert b[5:9] == pytest.approx(["A", r1 / n1 - r0 / n0, z, math.erfc(abs(z) / math.sqrt(2))], abs=1e-6)
        assert b[9] is True
        assert b[10] == "two-proportion z-test, pooled, two-sided"
        # The baseline is not tested against itself.
        assert a[6] is None
        assert a[8] is None
        assert a[9] is False


def test_mailbox_health_is_split_by_sender_provider(built):
    mailboxes = built.run.sql(
        "select vendor, provider, mailbox_email, sender_provider, sent, bounced, replied"
        " from outreach.outreach_mailbox_health"
    )
    own = {"google": "google", "gmail": "google", "microsoft": "microsoft", "outlook": "microsoft"}
    for vendor, provider, email, sender_provider, *_ in mailboxes:
        # The vendor's own field; an SMTP mailbox on a domain of neither provider is `other`.
        assert sender_provider == own.get((provider or "").lower(), "other"), (vendor, provider, email)
    assert {(row[0], row[3]) for row in mailboxes} == {
        (vendor, provider) for vendor in ("lemlist", "smartlead") for provider in ("google", "microsoft", "other")
    }
    rollup = built.run.sql(
        "select vendor, sender_provider, mailboxes, sent, bounced, replied from outreach.outreach_mailbox_providers"
    )
    expected: dict[tuple[str, str], list[int]] = {}
    for vendor, _, _, sender_provider, sent, bounced, replied in mailboxes:
        totals = expected.setdefault((vendor, sender_provider), [0, 0, 0, 0])
        for i, value in enumerate((1, sent, bounced, replied)):
            totals[i] += value
    assert {(row[0], row[1]): list(row[2:]) for row in rollup} == expected


DAILY_SQL = (
    "select campaign_day_key, sent, opened, clicked, replied, bounced, unsubscribed, interested, not_interested,"
    " meeting_booked, other, messages_sent, messages_opened, messages_replied, open_rate, reply_rate, bounce_rate"
    " from outreach.outreach_campaign_daily"
)
FUNNEL_SQL = "select * from outreach.outreach_campaign_funnel"
LEADS_SQL = "select campaign_lead_key, lead_key, current_state, sent, replied from outreach.outreach_leads"
MAILBOX_SQL = (
    "select mailbox_key, sent, bounced, replied, bounce_rate, reply_rate, warmup_status, warmup_reputation,"
    " daily_limit from outreach.outreach_mailbox_health"
)


def comparable(rows: list[tuple[t.Any, ...]]) -> list[tuple[t.Any, ...]]:
    """Rows in one order (here: the databases' collations differ), rates to 12 places."""
    return sorted(tuple(round(v, 12) if isinstance(v, float) else v for v in row) for row in rows)


def test_postgres_and_duckdb_build_the_same_numbers(built):
    for sql in (DAILY_SQL, FUNNEL_SQL, LEADS_SQL, MAILBOX_SQL):
        in_postgres = comparable(built.run.sql(sql))
        assert in_postgres, sql
        assert in_postgres == comparable(built.duckdb(sql)), sql
    # Rates are 64-bit on both: a float of 32 bits would not round to the same 12 places.
    [(rate,)] = built.duckdb("select typeof(open_rate) from outreach.outreach_campaign_funnel limit 1")
    assert rate == "DOUBLE"
    states = {row[2] for row in built.duckdb(LEADS_SQL)}
    assert len(states) >= 3, states


def test_a_lost_activity_fails_the_reconciliation(built, tmp_path):
    """Three lemlist sends missing from the warehouse: the dbt build says which campaign is short."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(built.warehouse, copy)
    with duckdb.connect(str(copy)) as connection:
        [(campaign_id,)] = connection.execute(
            "select campaignid from tap_lemlist.activities where type = 'emailsSent' group by 1 order by 1 limit 1"
        ).fetchall()
        # Every send of three messages (a lead's step) of that campaign.
        connection.execute(
            "delete from tap_lemlist.activities where type = 'emailsSent' and leadid || ':' || sequencestep in"
            " (select distinct leadid || ':' || sequencestep from tap_lemlist.activities"
            f"  where type = 'emailsSent' and campaignid = '{campaign_id}' order by 1 limit 3)"
        )
    target = tmp_path / "target"
    done = built.run(
        "invoke", "dbt-duckdb", "build", "--vars", "{reconciliation_severity: error}",
        env_extra={"DBT_DUCKDB_PATH": str(copy), "DBT_DUCKDB_TARGET_PATH": str(target)},
    )  # fmt: skip
    assert done.returncode != 0
    assert failed(built.results("duckdb", target)) == [("test.outreach.model_counts_match_vendor_statistics", "fail")]
    short = built.duckdb(
        "select campaign_key, measure, model_count, vendor_count from outreach.outreach_campaign_reconciliation"
        " where model_count <> vendor_count",
        copy,
    )
    assert [(key, measure, int(vendor) - int(model)) for key, measure, model, vendor in short] == [
        (f"lemlist:{campaign_id}", "messages_sent", 3)
    ]


def test_a_warehouse_with_one_vendor_builds_with_the_vendors_variable(built, tmp_path):
    """A team on Smartlead alone: no lemlist tables at all, and the model builds from the other."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(built.warehouse, copy)
    with duckdb.connect(str(copy)) as connection:
        connection.execute("drop schema tap_lemlist cascade")
        connection.execute("drop schema outreach cascade")
    target = tmp_path / "target"
    done = built.run(
        "invoke", "dbt-duckdb", "build", "--vars", "{vendors: [smartlead], reconciliation_severity: error}",
        env_extra={"DBT_DUCKDB_PATH": str(copy), "DBT_DUCKDB_TARGET_PATH": str(target)},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:]
    assert failed(built.results("duckdb", target)) == []
    vendors = built.duckdb("select distinct vendor from outreach.outreach_events", copy)
    assert vendors == [("smartlead",)]
    assert built.duckdb("select count(*) from outreach.outreach_events", copy) == built.duckdb(
        "select count(*) from outreach.outreach_events where vendor = 'smartlead'"
    )


def test_deleted_rows_leave_the_model_and_a_row_loaded_twice_counts_once(built, postgres, tmp_path):
    """target-postgres marks a deleted campaign's row with _sdc_deleted_at: the model drops it. A
    loader that appends (no primary key) can hold an activity twice: the last loaded counts."""
    copy = f"{built.run.database}_deleted"
    with psycopg.connect(postgres.url(), autocommit=True) as connection:
        connection.execute(f"create database {copy} template {built.run.database}")
    url = postgres.url(copy)
    with psycopg.connect(url, autocommit=True) as connection:
        [(campaign_id,)] = connection.execute('select min("_id") from tap_lemlist.campaigns').fetchall()
        connection.execute(f"update tap_lemlist.campaigns set _sdc_deleted_at = now() where \"_id\" = '{campaign_id}'")
        [(twice,)] = connection.execute(
            'select min("_id") from tap_lemlist.activities'
            f" where type = 'emailsSent' and \"campaignId\" <> '{campaign_id}'"
        ).fetchall()
        connection.execute("alter table tap_lemlist.activities drop constraint activities_pkey")
        connection.execute(
            f"insert into tap_lemlist.activities select * from tap_lemlist.activities where \"_id\" = '{twice}'"
        )
        connection.execute(
            'update tap_lemlist.activities set "createdAt" = "createdAt" + interval \'1 minute\','
            " _sdc_batched_at = _sdc_batched_at + interval '1 hour'"
            f" where ctid = (select max(ctid) from tap_lemlist.activities where \"_id\" = '{twice}')"
        )
    target = tmp_path / "target"
    done = built.run(
        "invoke",
        "dbt-postgres",
        "build",
        env_extra={"DBT_POSTGRES_DBNAME": copy, "DBT_POSTGRES_TARGET_PATH": str(target)},
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert failed(built.results("postgres", target)) == []
    key = f"lemlist:{campaign_id}"
    tables = ("outreach_campaigns", "outreach_events", "outreach_campaign_daily", "outreach_leads")
    with psycopg.connect(url) as connection:
        for table in (*tables, "outreach_campaign_reconciliation"):
            left = connection.execute(f"select count(*) from outreach.{table} where campaign_key = '{key}'").fetchone()
            assert left == (0,), table
        after = connection.execute("select count(*) from outreach.outreach_events").fetchone()
        loaded_twice = connection.execute(
            f"select occurred_at from outreach.outreach_events where event_key = 'lemlist:{twice}'"
        ).fetchall()
    before = built.run.sql(f"select count(*) from outreach.outreach_events where campaign_key <> '{key}'")[0]
    assert after == before
    [(first_load,)] = built.run.sql(f'select "createdAt" from tap_lemlist.activities where "_id" = \'{twice}\'')
    assert loaded_twice == [(first_load + datetime.timedelta(minutes=1),)]


def test_the_report_renders_every_campaign_in_headless_chromium(built, tmp_path):
    page = tmp_path / "report.html"
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "outreach_report.py"), str(built.warehouse), "--html", str(page)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    # The same table from the PostgreSQL build of the same accounts.
    from_postgres = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "outreach_report.py"), built.run.url],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert from_postgres.returncode == 0, from_postgres.stderr
    assert from_postgres.stdout.strip() == done.stdout.split("\n\nReport:")[0].strip()
    campaigns = built.duckdb("select campaign_key, campaign_name, messages_sent from outreach.outreach_campaign_funnel")
    assert len(campaigns) == built.lemlist.expected["campaigns"] + built.smartlead.expected["campaigns"]
    # The funnel table: a line per campaign with its sends.
    for _, name, sent in campaigns:
        assert re.search(rf"{re.escape(name)}\s+{int(sent)}\s", done.stdout), (name, done.stdout)
    # Self-contained: nothing to fetch.
    text = page.read_text()
    assert not re.search(r"(src|href)=\"?https?:", text)
    chromium = find_chromium()
    profile = tmp_path / "profile"
    dom = subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    ).stdout  # fmt: skip
    # The page's script counted the charts the browser laid out with a size: two per campaign.
    assert f'data-charts="{2 * len(campaigns)}"' in dom, dom[:2000]
    for key, name, _ in campaigns:
        section = re.search(rf'<section class="campaign" data-campaign="{re.escape(key)}">(.*?)</section>', dom, re.S)
        assert section, key
        assert html.escape(name) in section.group(1)
        assert section.group(1).count("<svg") == 2
    assert "Mailbox health" in dom
    assert dom.count("<tr>") > 1
    shot = tmp_path / "report.png"
    subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={profile}", f"--screenshot={shot}", "--window-size=1300,1400",
         page.as_uri()],
        capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    assert shot.stat().st_size > 20_000  # a drawn page, not a blank one


def test_the_readme_column_reference_is_written_from_the_dbt_docs(built):
    done = built.run("invoke", "dbt-duckdb:docs-generate")
    assert done.returncode == 0, done.stdout[-3000:]
    target = built.project / ".meltano" / "dbt" / "duckdb" / "target"
    check = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "model_reference.py"), "--check", "--target", str(target)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert check.returncode == 0, check.stderr


def test_the_report_says_in_one_line_when_there_is_no_model(tmp_path):
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    for source in (str(tmp_path / "missing.duckdb"), str(empty)):
        done = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "outreach_report.py"), source],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == 1
        [line] = done.stderr.strip().splitlines()
        assert source in line
        assert "dbt build" in line
        assert "Traceback" not in done.stderr


def test_the_readme_names_every_stream_the_model_reads():
    readme = (ROOT / "README.md").read_text()
    paragraph = readme.split("The model reads these streams", 1)[1].split("(the dbt sources", 1)[0]
    lemlist, smartlead = paragraph.split("Smartlead", 1)
    assert re.findall(r"`(\w+)`", lemlist) == source_tables()["lemlist"]
    assert re.findall(r"`(\w+)`", smartlead) == source_tables()["smartlead"]
