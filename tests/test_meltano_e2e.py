"""End to end: `meltano run <tap> target-postgres` against the sandboxes, into a real PostgreSQL."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tap_lemlist.tap import TapLemlist
from tap_smartlead.tap import TapSmartlead
from tests.conftest import SMARTLEAD_TEST_LIMIT, Account
from tests.meltano_project import Run, fresh_clone, lemlist_env, requests_to, smartlead_env
from tests.taprun import opt_in_streams

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

# Each stream's primary key, quoted for SQL, from the taps' own stream lists.
LEMLIST_KEYS = {
    stream.name: ", ".join(f'"{key}"' for key in stream.primary_keys or ()) for stream in TapLemlist.stream_types
}
SMARTLEAD_KEYS = {
    stream.name: ", ".join(f'"{key}"' for key in stream.primary_keys or ()) for stream in TapSmartlead.stream_types
}


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
    # Fields live captures show load in their columns: a call's recording, a URL or an object
    # (the URL as {"url": ...}), booleans sent as "true", an activity of no campaign.
    urls = run.sql(
        "select recording->>'url', recording ? 'duration' from tap_lemlist.activities where type = 'aircallDone'"
    )
    assert all(url.startswith("https://") for url, _ in urls)
    assert {detailed for _, detailed in urls} == {True, False}
    assert run.sql('select count(*) from tap_lemlist.activities where "doNotContact" and "unsubEmail"')[0][0] > 0
    assert run.sql('select count(*) from tap_lemlist.activities where "campaignId" is null')[0][0] > 0

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
    # Meltano's selection leaves the opt-in streams out (the definition's select rules): no table.
    opt_in = opt_in_streams("tap-smartlead")
    assert opt_in
    expected = {name: count for name, count in account.expected.items() if name not in opt_in}
    assert run.counts("tap_smartlead") == expected
    assert requests_to(account, "/message-history") == 0
    assert requests_to(account, "/warmup-stats") == 0
    before = dict(run.sql("select email_lead_map_id, activities[1]->>'open_count' from tap_smartlead.lead_activities"))

    touched = account.control.call("POST", f"accounts/{account.name}/touch", {"count": 2})["ids"]
    account.control.clear_requests(account.name)
    second = run("run", "tap-smartlead", "target-postgres")
    assert second.returncode == 0, second.stderr[-3000:]
    assert requests_to(account, "/all-leads-activities") == 1
    assert run.counts("tap_smartlead") == expected  # changed leads upserted, not added
    after = dict(run.sql("select email_lead_map_id, activities[1]->>'open_count' from tap_smartlead.lead_activities"))
    assert {lead for lead in after if after[lead] != before[lead]} == set(touched)
    loaded = {name: keys for name, keys in SMARTLEAD_KEYS.items() if name not in opt_in}
    assert run.duplicate_keys("tap_smartlead", loaded) == {}
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
        # Every stream, the opt-in ones too: warm-up stats come from a route that holds credentials.
        env = {**smartlead_env(account), "TAP_SMARTLEAD_REQUEST_TIMEOUT": "1", "TAP_SMARTLEAD__SELECT": '["*.*"]'}
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
