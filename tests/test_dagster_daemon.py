"""The code location under a real dagster-daemon (queued runs, each launched as a process of its
own) and the webserver, with PostgreSQL as Dagster's storage and as Meltano's system database:
accounts sync into PostgreSQL, and two runs of one key never overlap while two keys do."""

from __future__ import annotations

import contextlib
import copy
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import typing as t
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
import requests
import yaml

from orchestration.meltano_project import extractors, pools
from tests.chromium import FLAGS, chromium
from tests.conftest import SMARTLEAD_TEST_LIMIT, Account
from tests.meltano_project import AGENCY_ACCOUNTS, project_copy

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.postgres import Postgres

ROOT = Path(__file__).resolve().parent.parent
DAGSTER_BIN = ROOT / ".venv-dagster" / "bin"
BIN = Path(sys.executable).parent


def database(postgres: Postgres) -> str:
    name = f"dagster_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres.url(), autocommit=True) as connection:
        connection.execute(f"create database {name}")
    return name


class Dagster:
    """A Dagster instance (PostgreSQL storage) with its daemon and webserver running."""

    def __init__(self, home: Path, project: Path, env: dict[str, str]) -> None:
        self.home = home
        self.project = project
        self.env = {**env, "DAGSTER_HOME": str(home), "MELTANO_PROJECT_ROOT": str(project), "PYTHONPATH": str(ROOT)}
        shutil.copy(ROOT / "orchestration" / "dagster.yaml", home / "dagster.yaml")
        self.port = free_port()
        self.processes: list[subprocess.Popen[bytes]] = []
        self.logs: list[Path] = []

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(DAGSTER_BIN / args[0]), *args[1:]], env=self.env, cwd=ROOT, capture_output=True, text=True, check=False
        )

    def start(self) -> None:
        target = ["-m", "orchestration.definitions", "-d", str(ROOT)]
        for name, command in (
            ("daemon", ["dagster-daemon", "run", *target]),
            ("webserver", ["dagster-webserver", *target, "-h", "127.0.0.1", "-p", str(self.port)]),
        ):
            log = self.home / f"{name}.log"
            self.logs.append(log)
            with log.open("wb") as out:
                self.processes.append(
                    subprocess.Popen(
                        [str(DAGSTER_BIN / command[0]), *command[1:]],
                        env=self.env,
                        cwd=ROOT,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/server_info", timeout=2).ok:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(1)
        pytest.fail("the Dagster webserver did not start: " + self.logs[-1].read_text()[-2000:])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        # Each started its own session: the code servers and run workers it spawned go with it.
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        # A code server that outlived its parent would wait for heartbeats that never come.
        time.sleep(2)
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)

    def ask(self, question: str, timeout: float = 120, **arguments: t.Any) -> t.Any:
        """One question to the instance (``tests.dagster_client``), answered in Dagster's
        environment."""
        done = subprocess.run(
            [str(DAGSTER_BIN / "python"), "-m", "tests.dagster_client", question, json.dumps(arguments)],
            env={**self.env, "DAGSTER_URL_PORT": str(self.port)},
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout + 60,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def schedule(name: str, extractor: str, cron: str) -> dict[str, str]:
    return {"name": name, "extractor": extractor, "loader": "target-postgres", "interval": cron, "transform": "skip"}


# Two more lemlist accounts beside the agency's: one whose every answer on /tasks is lemlist's HTML
# catch-all page (a fault no retry mends), and one scheduled every minute. The other extractors
# get a yearly schedule, so that no hourly tick queues runs beside the test's own.
MORE_ACCOUNTS: dict[str, t.Any] = {
    "plugins": {
        "extractors": [
            {
                "name": f"tap-lemlist--{name}",
                "inherit_from": "tap-lemlist",
                "load_schema": f"lemlist_{name}",
                "config": {"api_key": f"$LEMLIST_{name.upper()}_API_KEY"},
            }
            for name in ("broken", "initech")
        ]
    },
    "schedules": [schedule("initech-every-minute", "tap-lemlist--initech", "* * * * *")],
}
QUIET = ("tap-lemlist", "tap-smartlead", "tap-lemlist--acme", "tap-lemlist--acme-emea", "tap-lemlist--globex",
         "tap-smartlead--client-101", "tap-lemlist--broken")  # fmt: skip
# The syncs submitted together at the start: two of one key, and three other keys.
SUBMITTED = ["tap_lemlist__acme", "tap_lemlist__acme_emea", "tap_lemlist__globex", "tap_smartlead__client_101",
             "tap_lemlist__broken"]  # fmt: skip
LEMLIST_ACCOUNTS = ("acme", "globex", "broken", "initech")
# What each account selects: the model's streams where the model reads the account, a few
# otherwise (a sync of every stream would only make the test slower, not truer).
SELECT = {
    "tap-lemlist--globex": ["activities.*", "campaigns.*", "campaign_leads.*", "campaign_stats.*", "team.*", "users.*"],
    "tap-smartlead--client-101": ["campaigns.*", "campaign_statistics.*", "campaign_leads.*", "campaign_analytics.*",
                                  "lead_categories.*", "email_accounts.*"],
    "tap-lemlist--broken": ["activities.*", "campaigns.*", "tasks.*"],
}  # fmt: skip
FEW = ["activities.*", "campaigns.*"]


@dataclass
class Agency:
    """A running Dagster instance, the sandboxes of its accounts, the runs submitted at start."""

    dagster: Dagster
    accounts: dict[str, Account]
    submitted: dict[str, str]
    warehouse: str
    finished: list[dict[str, t.Any]] = field(default_factory=list)

    def run_of(self, job: str) -> dict[str, t.Any]:
        if not self.finished:
            self.finished = self.dagster.ask("wait", timeout=420, run_ids=list(self.submitted.values()), seconds=420)
        [run] = [run for run in self.finished if run["id"] == self.submitted[job]]
        return run


@pytest.fixture(scope="module")
def agency(postgres: Postgres, installed_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Agency]:
    tmp_path = tmp_path_factory.mktemp("dagster")
    project = project_copy(tmp_path / "project")
    more = {
        **copy.deepcopy(MORE_ACCOUNTS),
        "schedules": MORE_ACCOUNTS["schedules"] + [schedule(f"{name}-quiet", name, "0 0 1 1 *") for name in QUIET],
    }
    for name, document in (("customers", yaml.safe_load(AGENCY_ACCOUNTS)), ("more", more)):
        for plugin in document["plugins"]["extractors"]:
            plugin["select"] = SELECT.get(plugin["name"], FEW)
        (project / "accounts" / f"{name}.meltano.yml").write_text(yaml.safe_dump(document, sort_keys=False))
    # The model reads one lemlist account and the Smartlead client.
    settings = project / "transform" / "dbt_project.yml"
    settings.write_text(
        settings.read_text()
        .replace("lemlist_schema: tap_lemlist", "lemlist_schema: lemlist_globex")
        .replace("smartlead_schema: tap_smartlead", "smartlead_schema: smartlead_client_101")
    )
    accounts = {name: Account("lemlist", activities=200, campaigns=2, latency_ms=50) for name in LEMLIST_ACCOUNTS} | {
        "client_101": Account(
            "smartlead", rate_limit=SMARTLEAD_TEST_LIMIT, campaigns=4, leads_per_campaign=5, clients=2, latency_ms=50
        )
    }
    accounts["broken"].set_faults(rate=1.0, kinds=["html"], paths=["/api/tasks"])
    smartlead = accounts["client_101"]
    warehouse = database(postgres)
    env = {
        **{name: value for name, value in os.environ.items() if "API_KEY" not in name},
        "PATH": f"{BIN}:{os.environ['PATH']}",
        "DAGSTER_PG_HOST": postgres.host,
        "DAGSTER_PG_PORT": str(postgres.port),
        "DAGSTER_PG_USER": postgres.user,
        "DAGSTER_PG_PASSWORD": "",
        "DAGSTER_PG_DB": database(postgres),
        # Meltano's own guard: one system database for every worker.
        "MELTANO_DATABASE_URI": postgres.url(database(postgres)).replace("postgresql://", "postgresql+psycopg://"),
        "MELTANO_BIN": str(BIN / "meltano"),
        "SYNC_RETRY_DELAY_SECONDS": "1",
        "TARGET_POSTGRES_HOST": postgres.host,
        "TARGET_POSTGRES_PORT": str(postgres.port),
        "TARGET_POSTGRES_USER": postgres.user,
        "TARGET_POSTGRES_PASSWORD": "",
        "TARGET_POSTGRES_DATABASE": warehouse,
        "TAP_LEMLIST__ACME_EMEA_API_URL": f"{accounts['acme'].url}/api",
        "TAP_SMARTLEAD__CLIENT_101_API_KEY": smartlead.key,
        "TAP_SMARTLEAD__CLIENT_101_API_URL": f"{smartlead.url}/api/v1",
        "TAP_SMARTLEAD__CLIENT_101_START_DATE": "2024-01-01T00:00:00Z",
        "TAP_SMARTLEAD__CLIENT_101_MAX_REQUESTS_PER_SECOND": "10",
        "TAP_SMARTLEAD__CLIENT_101_MAX_REQUESTS_PER_HOUR": "0",
        "TAP_SMARTLEAD__CLIENT_101_ACTIVITIES_REQUESTS_PER_MINUTE": "0",
    }
    for name in LEMLIST_ACCOUNTS:
        env[f"LEMLIST_{name.upper()}_API_KEY"] = accounts[name].key
        env[f"TAP_LEMLIST__{name.upper()}_API_URL"] = f"{accounts[name].url}/api"
    home = tmp_path / "dagster-home"
    home.mkdir()
    instance = Dagster(home, project, env)
    # A pool's limit must exist before runs queue for it (otherwise the first ones run at once).
    done = instance.cli("python", "-m", "orchestration.pools")
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"{len(pools(project))} pools limited to one run each" in done.stdout
    instance.start()
    try:
        submitted = instance.ask("submit", jobs=SUBMITTED)
        yield Agency(instance, accounts, submitted, warehouse)
    finally:
        instance.stop()


def warehouse_rows(postgres: Postgres, agency: Agency, table: str) -> int:
    with psycopg.connect(postgres.url(agency.warehouse)) as connection:
        [(rows,)] = connection.execute(f"select count(*) from {table}").fetchall()  # type: ignore[arg-type]
        return int(rows)


# The instance starts with the first test, and its runs share two cores with the rest of the suite.
pytestmark = pytest.mark.timeout(600)


def test_runs_of_one_key_queue_while_other_keys_run(agency: Agency, postgres: Postgres) -> None:
    runs = {job: agency.run_of(job) for job in SUBMITTED}
    print("timeline", json.dumps({job: [run["status"], run["start"], run["end"]] for job, run in runs.items()}))
    for job in SUBMITTED[:-1]:
        assert runs[job]["status"] == "SUCCESS", (job, runs[job])
    acme, emea, globex = ((runs[job]["start"], runs[job]["end"]) for job in SUBMITTED[:3])
    # One key: one after the other, in either order.
    assert acme[1] <= emea[0] or emea[1] <= acme[0], runs
    # Another key: alongside one of them.
    assert globex[0] < max(acme[1], emea[1]), runs
    assert min(acme[0], emea[0]) < globex[1], runs
    # Each account loaded into its own schema of the warehouse.
    for schema in ("lemlist_acme", "lemlist_acme_emea", "lemlist_globex"):
        assert warehouse_rows(postgres, agency, f"{schema}.activities") == 200, schema
    client = agency.accounts["client_101"]
    assert warehouse_rows(postgres, agency, "smartlead_client_101.campaigns") == client.expected["campaigns"] // 2


def test_each_load_shows_its_rows_requests_and_state(agency: Agency) -> None:
    run = agency.run_of("tap_lemlist__globex")
    [loaded] = [m for m in agency.dagster.ask("materializations", key="tap_lemlist__globex") if m["run"] == run["id"]]
    metadata = loaded["metadata"]
    account = agency.accounts["globex"]
    assert metadata["rows per stream"]["activities"] == 200
    assert metadata["dagster/row_count"] == sum(metadata["rows per stream"].values())
    # The requests the tap says it charged to the key are the ones the sandbox received.
    assert metadata["requests"] == len(account.requests())
    assert metadata["state id"] == "sandbox:tap-lemlist--globex-to-target-postgres"
    assert metadata["state"]["activities"]  # the activities bookmark reached


def test_an_account_that_keeps_failing_is_retried_and_fails_alone_naming_itself(agency: Agency) -> None:
    run = agency.run_of("tap_lemlist__broken")
    assert run["status"] == "FAILURE"
    events = agency.dagster.ask("events", run_ids=[run["id"]])[run["id"]]
    assert events["retries"] == 2
    [*_, failure] = events["failures"]
    assert failure.startswith("tap-lemlist--broken: meltano run failed:"), failure
    assert "Stream 'tasks' stopped: GET /api/tasks kept failing" in failure, failure
    # The other accounts of the same moment loaded (test_runs_of_one_key_queue_while_other_keys_run).
    for job in SUBMITTED[:-1]:
        assert agency.run_of(job)["status"] == "SUCCESS"


def test_the_model_builds_after_the_loads_it_reads(agency: Agency, postgres: Postgres) -> None:
    loads_ended = max(agency.run_of(job)["end"] for job in ("tap_lemlist__globex", "tap_smartlead__client_101"))
    built = agency.dagster.ask("materializations", timeout=240, key="outreach_campaign_funnel", at_least=1, seconds=240)
    assert built, "the automation sensor built no model after the loads"
    [run] = agency.dagster.ask("runs", run_ids=[built[-1]["run"]])
    assert run["status"] in {"STARTED", "SUCCESS"}
    assert run["start"] >= loads_ended
    globex, client = agency.accounts["globex"], agency.accounts["client_101"]
    campaigns = warehouse_rows(postgres, agency, "outreach.outreach_campaign_funnel")
    assert campaigns == globex.expected["campaigns"] + client.expected["campaigns"] // 2


def test_a_second_scheduled_tick_reads_only_what_is_new(agency: Agency) -> None:
    account = agency.accounts["initech"]
    ticks = agency.dagster.ask("finished_runs", timeout=240, job="tap_lemlist__initech", at_least=2, seconds=240)
    assert len(ticks) >= 2, ticks
    first, second = ticks[:2]
    for tick in (first, second):
        assert tick["status"] == "SUCCESS"
        assert tick["tags"]["dagster/schedule_name"] == "tap_lemlist__initech_schedule"
    # The sandbox's clock is monotonic; the runs' are epoch seconds.
    offset = time.time() - time.monotonic()
    sent = [r for r in account.requests() if second["start"] <= float(r["t"]) + offset <= second["end"]]
    activities = [r for r in sent if str(r["path"]).endswith("/activities")]
    assert len(activities) == 1, activities
    [loaded] = [
        m for m in agency.dagster.ask("materializations", key="tap_lemlist__initech") if m["run"] == second["id"]
    ]
    assert loaded["metadata"]["requests"] == len(sent)
    assert loaded["metadata"]["rows per stream"].get("activities", 0) == 0


def test_the_dagster_ui_shows_every_account(agency: Agency, tmp_path: Path) -> None:
    dom = subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=30000",
         "--dump-dom", f"{agency.dagster.url}/jobs"],
        capture_output=True, text=True, timeout=180, check=False,
    ).stdout  # fmt: skip
    for extractor in extractors(agency.dagster.project):
        assert extractor.job_name in dom, (extractor.job_name, dom[-3000:])


def test_no_key_reaches_dagster(agency: Agency) -> None:
    keys = [account.key for account in agency.accounts.values()]
    runs = agency.dagster.ask("events", run_ids=[run["id"] for run in agency.dagster.ask("runs")])
    assert len(runs) > len(SUBMITTED)  # the scheduled ones and the model's too
    for run in runs.values():
        for message in run["messages"]:
            assert not any(key in message for key in keys)
    for path in agency.dagster.home.rglob("*"):
        if path.is_file():
            text = path.read_bytes().decode(errors="replace")
            assert not any(key in text for key in keys), path
