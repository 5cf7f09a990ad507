"""The code location under a real dagster-daemon (queued runs, each launched as a process of its
own) and the webserver, with PostgreSQL as Dagster's storage and as Meltano's system database:
accounts sync into PostgreSQL, and two runs of one key never overlap while two keys do."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
import typing as t
import uuid
from pathlib import Path

import psycopg
import pytest
import requests

from orchestration.meltano_project import extractors
from tests.conftest import Account
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
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()

    def client(self, script: str) -> t.Any:
        """Run a Python script in Dagster's environment; its last line of output, as JSON."""
        done = subprocess.run(
            [str(DAGSTER_BIN / "python"), "-c", textwrap.dedent(script)],
            env={**self.env, "DAGSTER_URL_PORT": str(self.port)},
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def dagster(
    postgres: Postgres, installed_project: Path, tmp_path: Path
) -> Iterator[tuple[Dagster, dict[str, Account]]]:
    project = project_copy(tmp_path / "project")
    (project / "accounts" / "customers.meltano.yml").write_text(AGENCY_ACCOUNTS)
    accounts = {
        "acme": Account("lemlist", activities=200, campaigns=2, latency_ms=200),
        "globex": Account("lemlist", activities=200, campaigns=2, latency_ms=200),
    }
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
        "TARGET_POSTGRES_HOST": postgres.host,
        "TARGET_POSTGRES_PORT": str(postgres.port),
        "TARGET_POSTGRES_USER": postgres.user,
        "TARGET_POSTGRES_PASSWORD": "",
        "TARGET_POSTGRES_DATABASE": warehouse,
        "LEMLIST_ACME_API_KEY": accounts["acme"].key,
        "LEMLIST_GLOBEX_API_KEY": accounts["globex"].key,
        "TAP_LEMLIST__ACME_API_URL": f"{accounts['acme'].url}/api",
        "TAP_LEMLIST__ACME_EMEA_API_URL": f"{accounts['acme'].url}/api",
        "TAP_LEMLIST__GLOBEX_API_URL": f"{accounts['globex'].url}/api",
    }
    home = tmp_path / "dagster-home"
    home.mkdir()
    instance = Dagster(home, project, env)
    # A pool's limit must exist before runs queue for it (otherwise the first ones run at once).
    for extractor in extractors(project):
        done = instance.cli("dagster", "instance", "concurrency", "set", extractor.pool, "1")
        assert done.returncode == 0, done.stderr[-2000:]
    instance.start()
    try:
        yield instance, accounts
    finally:
        instance.stop()


def test_runs_of_one_key_queue_while_other_keys_run(
    dagster: tuple[Dagster, dict[str, Account]], postgres: Postgres
) -> None:
    instance, _ = dagster
    timeline = instance.client(
        """
        import json, os, time
        from dagster import DagsterInstance, RunsFilter
        from dagster_graphql import DagsterGraphQLClient
        client = DagsterGraphQLClient("127.0.0.1", port_number=int(os.environ["DAGSTER_URL_PORT"]))
        jobs = ["tap_lemlist__acme", "tap_lemlist__acme_emea", "tap_lemlist__globex"]
        ids = {job: client.submit_job_execution(job) for job in jobs}
        instance = DagsterInstance.get()
        deadline = time.monotonic() + 480
        while time.monotonic() < deadline:
            records = instance.get_run_records(filters=RunsFilter(run_ids=list(ids.values())))
            if all(r.dagster_run.is_finished for r in records):
                break
            time.sleep(2)
        out = {}
        for job, run_id in ids.items():
            [record] = instance.get_run_records(filters=RunsFilter(run_ids=[run_id]))
            out[job] = [record.dagster_run.status.value, record.start_time, record.end_time]
        print(json.dumps(out))
        """
    )
    print("timeline", json.dumps(timeline))
    for job, (status, start, end) in timeline.items():
        assert status == "SUCCESS", (job, status)
        assert start is not None
        assert end is not None
    acme, emea, globex = (
        timeline[job][1:] for job in ("tap_lemlist__acme", "tap_lemlist__acme_emea", "tap_lemlist__globex")
    )
    # One key: one after the other, in either order.
    assert acme[1] <= emea[0] or emea[1] <= acme[0], timeline
    # Another key: alongside one of them.
    assert globex[0] < max(acme[1], emea[1]), timeline
    assert min(acme[0], emea[0]) < globex[1], timeline
    # Each account loaded into its own schema of the warehouse.
    with psycopg.connect(postgres.url(instance.env["TARGET_POSTGRES_DATABASE"])) as connection:
        for schema in ("lemlist_acme", "lemlist_acme_emea", "lemlist_globex"):
            [(rows,)] = connection.execute(f"select count(*) from {schema}.activities").fetchall()
            assert rows == 200, schema
