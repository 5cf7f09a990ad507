"""Sandbox processes for the whole session, and per-test accounts in them."""

from __future__ import annotations

import os
import subprocess
import sys
import typing as t
import uuid

import pytest

from sandbox.control import SandboxControl
from tests.meltano_project import install_project
from tests.postgres import start_postgres

if t.TYPE_CHECKING:
    from pathlib import Path

    from tests.postgres import Postgres

_sandboxes: dict[str, tuple[subprocess.Popen[str], str]] = {}


def start_sandbox(app: str) -> str:
    """Start ``python -m sandbox app`` on a free port; return its base URL."""
    if app not in _sandboxes:
        process = subprocess.Popen(
            [sys.executable, "-m", "sandbox", app, "--port", "0", "--key", f"{app}-default-{uuid.uuid4().hex}"],
            stdout=subprocess.PIPE,
            text=True,
            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
        )
        assert process.stdout is not None
        line = process.stdout.readline()
        url = line.split(" at ")[1].split(" ")[0]
        _sandboxes[app] = (process, url)
    return _sandboxes[app][1]


def pytest_unconfigure(config: pytest.Config) -> None:
    for process, _ in _sandboxes.values():
        process.terminate()
        process.wait(timeout=10)


class Account:
    """A fresh account of a sandbox, with its own key, data, limit and request log."""

    def __init__(self, app: str, **spec: t.Any) -> None:
        self.app = app
        self.url = start_sandbox(app)
        self.control = SandboxControl(self.url)
        self.name = f"acct-{uuid.uuid4().hex[:12]}"
        self.key = f"key-{uuid.uuid4().hex}"
        self.expected = self.control.put_account(self.name, key=self.key, **spec)

    def requests(self) -> list[dict[str, t.Any]]:
        return self.control.requests(self.name)

    def set_faults(self, **plan: t.Any) -> None:
        self.control.set_faults(self.name, **plan)


@pytest.fixture
def lemlist_account() -> t.Callable[..., Account]:
    """Factory: ``lemlist_account(activities=101, campaigns_shape="envelope")``."""
    return lambda **spec: Account("lemlist", **spec)


def lemlist_config(account: Account, **settings: t.Any) -> dict[str, t.Any]:
    return {"api_key": account.key, "api_url": f"{account.url}/api", **settings}


# The sandbox account gets a larger plan's limit (20 per 2 s) so that tests run at 10/s;
# the default rate, safe on every documented plan, is tested on its own.
SMARTLEAD_TEST_LIMIT = 20


@pytest.fixture
def smartlead_account() -> t.Callable[..., Account]:
    """Factory: ``smartlead_account(campaigns=1, leads_per_campaign=1001)``."""
    return lambda **spec: Account("smartlead", **{"rate_limit": SMARTLEAD_TEST_LIMIT, **spec})


def smartlead_config(account: Account, **settings: t.Any) -> dict[str, t.Any]:
    return {
        "api_key": account.key,
        "api_url": f"{account.url}/api/v1",
        "max_requests_per_second": 10,
        "max_requests_per_hour": 0,
        # all-leads-activities' own 10 a minute would make every test wait; its pacing is tested
        # alone (test_http_policy) and the benchmark runs with it.
        "activities_requests_per_minute": 0,
        **settings,
    }


@pytest.fixture(scope="session")
def postgres() -> t.Iterator[Postgres]:
    """A PostgreSQL server of this worker's, from the machine's binaries."""
    server = start_postgres()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def installed_project() -> Path:
    """The repository's own Meltano project, plugins installed once for the session."""
    return install_project()
