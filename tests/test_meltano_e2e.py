"""End to end: `meltano run <tap> target-postgres` against the sandboxes, into a real PostgreSQL."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import typing as t
import uuid
from pathlib import Path

import psycopg
import pytest

from tap_lemlist.tap import TapLemlist
from tap_smartlead.tap import TapSmartlead
from tests.conftest import SMARTLEAD_TEST_LIMIT, Account
from tests.postgres import Postgres, start_postgres

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

# Each stream's primary key, quoted for SQL, from the taps' own stream lists.
LEMLIST_KEYS = {
    stream.name: ", ".join(f'"{key}"' for key in stream.primary_keys or ()) for stream in TapLemlist.stream_types
}
SMARTLEAD_KEYS = {
    stream.name: ", ".join(f'"{key}"' for key in stream.primary_keys or ()) for stream in TapSmartlead.stream_types
}


@pytest.fixture(scope="session")
def postgres() -> t.Iterator[Postgres]:
    server = start_postgres()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def installed_project() -> Path:
    """The repository's own Meltano project, plugins installed once for the session."""
    done = meltano(ROOT, "install")
    assert done.returncode == 0, done.stderr[-3000:]
    return ROOT


def meltano(project: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "meltano"), *args],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", **(env or {})},
        timeout=600,
        check=False,
    )


class Run:
    """One project, one PostgreSQL database, one Meltano state store, and everything printed."""

    def __init__(self, project: Path, postgres: Postgres, tmp: Path, **env: str) -> None:
        self.project = project
        self.database = f"e2e_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(postgres.url(), autocommit=True) as connection:
            connection.execute(f"create database {self.database}")
        self.url = postgres.url(self.database)
        self.env = {
            "MELTANO_DATABASE_URI": f"sqlite:///{tmp / 'meltano.db'}",
            "TARGET_POSTGRES_HOST": postgres.host,
            "TARGET_POSTGRES_PORT": str(postgres.port),
            "TARGET_POSTGRES_USER": postgres.user,
            "TARGET_POSTGRES_PASSWORD": "",
            "TARGET_POSTGRES_DATABASE": self.database,
            **env,
        }
        self.printed: list[str] = []

    def __call__(self, *args: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        done = meltano(self.project, *args, env={**self.env, **(env_extra or {})})
        self.printed += [done.stdout, done.stderr]
        return done

    def sql(self, query: str) -> list[tuple[t.Any, ...]]:
        with psycopg.connect(self.url) as connection:
            return connection.execute(query).fetchall()  # type: ignore[arg-type]

    def counts(self, schema: str) -> dict[str, int]:
        tables = [
            row[0]
            for row in self.sql(f"select table_name from information_schema.tables where table_schema = '{schema}'")
        ]
        return {table: self.sql(f'select count(*) from {schema}."{table}"')[0][0] for table in tables}

    def duplicate_keys(self, schema: str, keys: dict[str, str]) -> dict[str, int]:
        found = {}
        for table, key in keys.items():
            rows = self.sql(
                f'select count(*) from (select {key} from {schema}."{table}" group by {key} having count(*) > 1) d'
            )
            if rows[0][0]:
                found[table] = rows[0][0]
        return found


def lemlist_env(account: Account) -> dict[str, str]:
    return {"TAP_LEMLIST_API_KEY": account.key, "TAP_LEMLIST_API_URL": f"{account.url}/api"}


def smartlead_env(account: Account) -> dict[str, str]:
    return {
        "TAP_SMARTLEAD_API_KEY": account.key,
        "TAP_SMARTLEAD_API_URL": f"{account.url}/api/v1",
        "TAP_SMARTLEAD_START_DATE": "2024-01-01T00:00:00Z",
    }


def requests_to(account: Account, path: str) -> int:
    return sum(1 for r in account.requests() if str(r["path"]).endswith(path))


def test_lemlist_to_postgres_twice(installed_project, postgres, tmp_path):
    account = Account("lemlist", activities=450)
    run = Run(installed_project, postgres, tmp_path, **lemlist_env(account))

    first = run("run", "tap-lemlist", "target-postgres")
    assert first.returncode == 0, first.stderr[-3000:]
    assert run.counts("tap_lemlist") == account.expected

    new = account.control.add_activities(account.name, 5)
    account.control.clear_requests(account.name)
    second = run("run", "tap-lemlist", "target-postgres")
    assert second.returncode == 0, second.stderr[-3000:]
    assert requests_to(account, "/activities") == 1  # incremental: one request for the new ones
    assert run.counts("tap_lemlist") == {**account.expected, "activities": 455}
    assert (
        run.sql(f"select count(*) from tap_lemlist.activities where _id in ({','.join(repr(i) for i in new)})")[0][0]
        == 5
    )
    assert run.duplicate_keys("tap_lemlist", LEMLIST_KEYS) == {}

    states = run("state", "list")
    assert "sandbox:tap-lemlist-to-target-postgres" in states.stdout
    state = run("state", "get", "sandbox:tap-lemlist-to-target-postgres")
    assert json.loads(state.stdout)["singer_state"]["bookmarks"]["activities"]["replication_key_value"]

    tested = run("config", "test", "tap-lemlist")
    assert tested.returncode == 0, tested.stderr[-2000:]
    assert "Plugin configuration is valid" in tested.stdout + tested.stderr
    listed = run("config", "list", "tap-lemlist")
    assert listed.returncode == 0

    for text in run.printed:
        assert account.key not in text


def test_a_broken_stream_stops_alone_and_the_others_keep_their_state(installed_project, postgres, tmp_path):
    account = Account("lemlist", activities=300, campaigns=3, leads_per_campaign=5)
    # Every answer of /tasks is lemlist's HTML catch-all page: a shape no retry mends.
    account.set_faults(rate=1.0, kinds=["html"], paths=["/api/tasks"])
    run = Run(installed_project, postgres, tmp_path, **lemlist_env(account))

    broken = run("run", "tap-lemlist", "target-postgres")
    assert broken.returncode != 0
    lines = [line for line in broken.stderr.splitlines() if "tap-lemlist: error:" in line]
    assert len(lines) == 1, broken.stderr[-3000:]
    assert "Stream 'tasks' stopped: GET /api/tasks kept failing after 3 attempts" in lines[0]
    assert "a body that is not JSON (text/html" in lines[0]
    assert "Traceback" not in broken.stderr
    # Every other stream loaded all its rows, and its bookmark is in Meltano's state.
    assert run.counts("tap_lemlist") == {**account.expected, "tasks": 0}  # its table exists, empty
    state = json.loads(run("state", "get", "sandbox:tap-lemlist-to-target-postgres").stdout)
    bookmarks = state["singer_state"]["bookmarks"]
    assert bookmarks["activities"]["replication_key_value"]
    assert bookmarks["watchlist_signals"]["replication_key_value"]

    account.set_faults(rate=0.0)
    account.control.clear_requests(account.name)
    mended = run("run", "tap-lemlist", "target-postgres")
    assert mended.returncode == 0, mended.stderr[-3000:]
    assert requests_to(account, "/activities") == 1  # it went on from the kept bookmark
    assert run.counts("tap_lemlist") == account.expected
    for text in run.printed:
        assert account.key not in text


def test_smartlead_to_postgres_twice(installed_project, postgres, tmp_path):
    account = Account("smartlead", rate_limit=SMARTLEAD_TEST_LIMIT, campaigns=3, leads_per_campaign=30)
    run = Run(installed_project, postgres, tmp_path, **smartlead_env(account))

    first = run("run", "tap-smartlead", "target-postgres")
    assert first.returncode == 0, first.stderr[-3000:]
    assert run.counts("tap_smartlead") == account.expected
    before = dict(run.sql("select email_lead_map_id, activities[1]->>'open_count' from tap_smartlead.lead_activities"))

    touched = account.control.call("POST", f"accounts/{account.name}/touch", {"count": 2})["ids"]
    account.control.clear_requests(account.name)
    second = run("run", "tap-smartlead", "target-postgres")
    assert second.returncode == 0, second.stderr[-3000:]
    assert requests_to(account, "/all-leads-activities") == 1
    assert run.counts("tap_smartlead") == account.expected  # changed leads upserted, not added
    after = dict(run.sql("select email_lead_map_id, activities[1]->>'open_count' from tap_smartlead.lead_activities"))
    assert {lead for lead in after if after[lead] != before[lead]} == set(touched)
    assert run.duplicate_keys("tap_smartlead", SMARTLEAD_KEYS) == {}
    columns = {
        row[0]
        for row in run.sql("select column_name from information_schema.columns where table_schema = 'tap_smartlead'")
    }
    assert not {"password", "imap_password"} & columns

    assert "sandbox:tap-smartlead-to-target-postgres" in run("state", "list").stdout
    tested = run("config", "test", "tap-smartlead")
    assert tested.returncode == 0, tested.stderr[-2000:]
    for text in run.printed:
        assert account.key not in text


def live_ids(run: Run, schema: str, table: str, key: str) -> set[t.Any]:
    return {row[0] for row in run.sql(f'select "{key}" from {schema}."{table}" where _sdc_deleted_at is null')}


def retired_ids(run: Run, schema: str, table: str, key: str) -> set[t.Any]:
    return {row[0] for row in run.sql(f'select "{key}" from {schema}."{table}" where _sdc_deleted_at is not null')}


def test_deletions_reach_postgres_as_the_readme_says(installed_project, postgres, tmp_path):
    """A campaign, a lead and a contact deleted in lemlist: the next run marks the campaign and the
    contact deleted (full-table streams carry deletions on every run); the lead, a campaign's
    child, is marked with the next reconciliation, which reads every campaign, and so are the
    deleted campaign's leads. Nothing else is marked."""
    account = Account("lemlist", activities=60, campaigns=3, leads_per_campaign=4, contacts=30)
    run = Run(installed_project, postgres, tmp_path, **lemlist_env(account))
    first = run("run", "tap-lemlist", "target-postgres")
    assert first.returncode == 0, first.stderr[-3000:]
    campaigns = run.sql('select "_id" from tap_lemlist.campaigns order by "createdAt"')
    gone_campaign = campaigns[2][0]
    kept_campaign = campaigns[0][0]
    leads_of = dict(
        run.sql('select "campaignId", array_agg("_id" order by "_id") from tap_lemlist.campaign_leads group by 1')
    )
    contacts = sorted(live_ids(run, "tap_lemlist", "contacts", "_id"))
    assert not retired_ids(run, "tap_lemlist", "campaigns", "_id")

    # The sandbox deletes by position: campaign 2 (by creation), lead 1 of campaign 0, contact 5.
    account.control.delete(account.name, campaigns=[2], leads=[(0, 1)], contacts=[5])
    second = run("run", "tap-lemlist", "target-postgres")
    assert second.returncode == 0, second.stderr[-3000:]
    assert retired_ids(run, "tap_lemlist", "campaigns", "_id") == {gone_campaign}
    (gone_contact,) = retired_ids(run, "tap_lemlist", "contacts", "_id")
    assert gone_contact in contacts
    assert len(live_ids(run, "tap_lemlist", "contacts", "_id")) == len(contacts) - 1
    # Children wait for a run that reads every campaign: nothing of them is marked yet.
    assert not retired_ids(run, "tap_lemlist", "campaign_leads", "_id")

    third = run("run", "tap-lemlist", "target-postgres", env_extra={"TAP_LEMLIST_RECONCILE": "true"})
    assert third.returncode == 0, third.stderr[-3000:]
    retired_leads = retired_ids(run, "tap_lemlist", "campaign_leads", "_id")
    assert set(leads_of[gone_campaign]) <= retired_leads
    (gone_lead,) = retired_leads - set(leads_of[gone_campaign])
    assert gone_lead in leads_of[kept_campaign]
    assert retired_ids(run, "tap_lemlist", "campaign_stats", "campaignId") == {gone_campaign}
    assert {
        row[0]
        for row in run.sql('select distinct "campaignId" from tap_lemlist.sequences where _sdc_deleted_at is not null')
    } == {gone_campaign}
    assert retired_ids(run, "tap_lemlist", "campaigns", "_id") == {gone_campaign}
    # Events are history: an activity of a deleted campaign stays.
    assert not retired_ids(run, "tap_lemlist", "activities", "_id")


def test_the_embedded_duckdb_default_keeps_every_row_when_deletions_are_announced(
    installed_project, postgres, tmp_path
):
    """target-duckdb ignores ACTIVATE_VERSION: with deletions on by default, it loads every row
    and retires none (the README says so), and a run after a deletion still succeeds."""
    account = Account("lemlist", activities=40, campaigns=3, leads_per_campaign=3, contacts=20)
    warehouse = tmp_path / "warehouse.duckdb"
    run = Run(installed_project, postgres, tmp_path, **lemlist_env(account), TARGET_DUCKDB_FILEPATH=str(warehouse))
    first = run("run", "tap-lemlist", "target-duckdb")
    assert first.returncode == 0, first.stderr[-3000:]
    account.control.delete(account.name, campaigns=[2], contacts=[5])
    second = run("run", "tap-lemlist", "target-duckdb")
    assert second.returncode == 0, second.stderr[-3000:]
    python = installed_project / ".meltano" / "loaders" / "target-duckdb" / "venv" / "bin" / "python"
    counted = subprocess.run(
        [
            str(python),
            "-c",
            "import duckdb, json, sys; c = duckdb.connect(sys.argv[1], read_only=True); "
            "print(json.dumps({t: c.execute(f'select count(*) from tap_lemlist.{t}').fetchone()[0] "
            "for t in ('campaigns', 'contacts')}))",
            str(warehouse),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(counted.stdout) == {"campaigns": 3, "contacts": 20}


def test_smartlead_deletions_reach_postgres(installed_project, postgres, tmp_path):
    account = Account("smartlead", rate_limit=SMARTLEAD_TEST_LIMIT, campaigns=3, leads_per_campaign=5)
    run = Run(installed_project, postgres, tmp_path, **smartlead_env(account))
    first = run("run", "tap-smartlead", "target-postgres")
    assert first.returncode == 0, first.stderr[-3000:]
    campaigns = [row[0] for row in run.sql("select id from tap_smartlead.campaigns order by id")]
    leads_of = dict(
        run.sql("select campaign_id, array_agg(campaign_lead_map_id) from tap_smartlead.campaign_leads group by 1")
    )

    account.control.delete(account.name, campaigns=[1], leads=[(0, 2)])
    second = run("run", "tap-smartlead", "target-postgres")
    assert second.returncode == 0, second.stderr[-3000:]
    assert retired_ids(run, "tap_smartlead", "campaigns", "id") == {campaigns[1]}
    assert not retired_ids(run, "tap_smartlead", "campaign_leads", "campaign_lead_map_id")

    third = run("run", "tap-smartlead", "target-postgres", env_extra={"TAP_SMARTLEAD_RECONCILE": "true"})
    assert third.returncode == 0, third.stderr[-3000:]
    retired = retired_ids(run, "tap_smartlead", "campaign_leads", "campaign_lead_map_id")
    assert set(leads_of[campaigns[1]]) <= retired
    (gone_lead,) = retired - set(leads_of[campaigns[1]])
    assert gone_lead in leads_of[campaigns[0]]


def fresh_clone(destination: Path) -> Path:
    """The repository's tracked files, as a fresh checkout of this tree would have them."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for name in filter(None, files.split("\0")):
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        # A tracked link (a tap's _core) stays a link, as git checks it out.
        shutil.copy2(ROOT / name, target, follow_symlinks=False)
    return destination


def test_accounts_and_clients_run_separately(postgres, tmp_path):
    project = fresh_clone(tmp_path / "project")
    shutil.copy(project / "accounts" / "example.meltano.yml.sample", project / "accounts" / "example.meltano.yml")
    acme = Account("lemlist", activities=120, contacts=10)
    globex = Account("lemlist", activities=230, contacts=20)
    agency = Account("smartlead", rate_limit=SMARTLEAD_TEST_LIMIT, campaigns=6, leads_per_campaign=5, clients=3)
    run = Run(
        project,
        postgres,
        tmp_path,
        LEMLIST_ACME_API_KEY=acme.key,
        LEMLIST_GLOBEX_API_KEY=globex.key,
        TAP_LEMLIST__ACME_API_URL=f"{acme.url}/api",
        TAP_LEMLIST__GLOBEX_API_URL=f"{globex.url}/api",
        **{
            f"TAP_SMARTLEAD__CLIENT_101_{k.removeprefix('TAP_SMARTLEAD_')}": v for k, v in smartlead_env(agency).items()
        },
    )
    assert run("install").returncode == 0
    done = run("run", "tap-lemlist--acme", "target-postgres", "tap-lemlist--globex", "target-postgres",
               "tap-smartlead--client-101", "target-postgres")  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert run.counts("lemlist_acme") == acme.expected
    assert run.counts("lemlist_globex") == globex.expected
    client_campaigns = run.sql("select distinct client_id from smartlead_client_101.campaigns")
    assert client_campaigns == [(101,)]
    assert run.counts("smartlead_client_101")["lead_activities"] == 2 * 5
    states = run("state", "list").stdout
    for state_id in ("tap-lemlist--acme-to-target-postgres", "tap-lemlist--globex-to-target-postgres",
                     "tap-smartlead--client-101-to-target-postgres"):  # fmt: skip
        assert f"sandbox:{state_id}" in states


def test_scheduled_runs_share_only_the_state_backend(postgres, tmp_path):
    """Two runs of the scheduled job, each from its own fresh clone, as two CI runners would."""
    account = Account("lemlist", activities=300)
    backend = tmp_path / "state-backend"
    backend.mkdir()
    env = {
        **lemlist_env(account),
        "MELTANO_STATE_BACKEND_URI": f"file://{backend}",
        "SYNC_JOBS": "tap-lemlist target-postgres",
    }
    runs = []
    for runner in ("first-runner", "second-runner"):
        project = fresh_clone(tmp_path / runner)
        run = Run(project, postgres, tmp_path / runner, **env)
        if runs:  # both runners load the same warehouse
            run.url, run.env["TARGET_POSTGRES_DATABASE"] = runs[0].url, runs[0].env["TARGET_POSTGRES_DATABASE"]
        account.control.clear_requests(account.name)
        done = subprocess.run(
            [str(project / "scripts" / "scheduled-sync")],
            cwd=project,
            capture_output=True,
            text=True,
            env={**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", **run.env},
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        assert account.key not in done.stdout + done.stderr
        runs.append(run)
        if runner == "first-runner":
            assert 4 <= requests_to(account, "/activities") <= 8  # 3 full pages, a short one, pages in flight
            assert run.counts("tap_lemlist")["activities"] == 300
            account.control.add_activities(account.name, 3)
    assert requests_to(account, "/activities") == 1
    assert runs[1].counts("tap_lemlist")["activities"] == 303
    assert list(backend.rglob("*.json"))  # the state lives in the backend, not on a runner


FAULTS = ["429", "429-bare", "500", "503", "reset", "timeout", "truncate", "html", "garbage"]


@pytest.mark.parametrize("tap", ["tap-lemlist", "tap-smartlead"])
def test_no_secret_leaks_through_meltano_under_faults_at_debug(installed_project, postgres, tmp_path, tap):
    if tap == "tap-lemlist":
        account = Account("lemlist", activities=300, campaigns=3, leads_per_campaign=20)
        env = {**lemlist_env(account), "TAP_LEMLIST_REQUEST_TIMEOUT": "1"}
    else:
        account = Account("smartlead", rate_limit=SMARTLEAD_TEST_LIMIT, campaigns=3, leads_per_campaign=30)
        env = {**smartlead_env(account), "TAP_SMARTLEAD_REQUEST_TIMEOUT": "1"}
    account.set_faults(rate=0.15, kinds=FAULTS, seed=11, retry_after=1, timeout_seconds=1.5)
    run = Run(installed_project, postgres, tmp_path, LOGLEVEL="DEBUG", **env)

    done = run("--log-level=debug", "run", tap, "target-postgres")
    assert done.returncode == 0, done.stderr[-3000:]
    assert sum(str(r["status"]).startswith("fault:") for r in account.requests()) >= 3
    schema = tap.replace("-", "_")
    tables = run.counts(schema)
    assert tables == account.expected
    state = run("state", "get", f"sandbox:{tap}-to-target-postgres")
    rows = [str(row) for table in tables for row in run.sql(f'select row_to_json(t) from {schema}."{table}" t')]
    # The key, and the stems of the mailbox passwords the Smartlead sandbox serves.
    secrets = [account.key, "c21hcnRsZWFkLXNtdHAt", "aW1hcC1wYXNzd29yZC0"]
    for text in [*run.printed, state.stdout, *rows]:
        for secret in secrets:
            assert secret not in text
