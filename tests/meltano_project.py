"""The repository's Meltano project driven from tests: a PostgreSQL database and a Meltano state
store per run, and everything Meltano printed (for the leak checks)."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import typing as t
import uuid
from pathlib import Path

import psycopg

if t.TYPE_CHECKING:
    from tests.conftest import Account
    from tests.postgres import Postgres

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def install_project() -> Path:
    """``meltano install`` in the repository. Test workers share its plugin venvs, and an install
    clears the run folders of the plugins, so it waits for every other Meltano command there."""
    done = meltano(ROOT, "install")
    assert done.returncode == 0, done.stderr[-3000:]
    return ROOT


def meltano(project: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    (project / ".meltano").mkdir(exist_ok=True)
    with (project / ".meltano" / "tests.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX if args[:1] == ("install",) else fcntl.LOCK_SH)
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


def fresh_clone(destination: Path) -> Path:
    """The repository's tracked files, as a fresh checkout of this tree would have them."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for name in filter(None, files.split("\0")):
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        # A tracked link (a tap's _core) stays a link, as git checks it out.
        shutil.copy2(ROOT / name, target, follow_symlinks=False)
    return destination


def project_copy(destination: Path) -> Path:
    """A fresh copy of the project that uses the repository's installed plugins: Meltano writes a
    run's catalog and state under the project, so two test workers must not share one."""
    project = fresh_clone(destination)
    (project / ".meltano").mkdir()
    for kind in ("extractors", "loaders", "utilities"):
        (project / ".meltano" / kind).symlink_to(install_project() / ".meltano" / kind)
    return project


# An agency's account file: two lemlist accounts on one key, one on another, a Smartlead client on the
# agency key, and a schedule of its own for one of them.
AGENCY_ACCOUNTS = """
plugins:
  extractors:
  - name: tap-lemlist--acme
    inherit_from: tap-lemlist
    load_schema: lemlist_acme
    config:
      api_key: $LEMLIST_ACME_API_KEY
  - name: tap-lemlist--acme-emea
    inherit_from: tap-lemlist
    load_schema: lemlist_acme_emea
    config:
      api_key: $LEMLIST_ACME_API_KEY
  - name: tap-lemlist--globex
    inherit_from: tap-lemlist
    load_schema: lemlist_globex
    config:
      api_key: $LEMLIST_GLOBEX_API_KEY
  - name: tap-smartlead--client-101
    inherit_from: tap-smartlead
    load_schema: smartlead_client_101
    config:
      client_id: 101
schedules:
- name: globex-every-two-hours
  extractor: tap-lemlist--globex
  loader: target-postgres
  interval: 0 */2 * * *
  transform: skip
"""
