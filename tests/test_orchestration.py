"""The Dagster code location: built from the Meltano project's files, so that an account file
adds its sync; one pool per vendor key, so that two syncs of one key never run at once; and it
loads with no key set."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from orchestration.meltano_project import DEFAULT_CRON, extractors
from tests.meltano_project import AGENCY_ACCOUNTS

ROOT = Path(__file__).resolve().parent.parent
DAGSTER_PYTHON = ROOT / ".venv-dagster" / "bin" / "python"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The repository's Meltano project files, with an account file of four accounts."""
    root = tmp_path / "project"
    root.mkdir()
    shutil.copy(ROOT / "meltano.yml", root / "meltano.yml")
    shutil.copytree(ROOT / "plugins", root / "plugins")
    (root / "accounts").mkdir()
    (root / "accounts" / "customers.meltano.yml").write_text(AGENCY_ACCOUNTS)
    return root


def test_every_extractor_is_a_sync_and_each_key_has_one_pool(project: Path) -> None:
    found = {extractor.name: extractor for extractor in extractors(project)}
    assert set(found) == {
        "tap-lemlist",
        "tap-smartlead",
        "tap-lemlist--acme",
        "tap-lemlist--acme-emea",
        "tap-lemlist--globex",
        "tap-smartlead--client-101",
    }
    # Two accounts on one key share its pool; an agency's client uses the agency key.
    assert found["tap-lemlist--acme"].pool == found["tap-lemlist--acme-emea"].pool
    assert found["tap-smartlead--client-101"].pool == found["tap-smartlead"].pool
    pools = {found[name].pool for name in ("tap-lemlist", "tap-lemlist--acme", "tap-lemlist--globex", "tap-smartlead")}
    assert len(pools) == 4
    # Neither a key nor the name of the variable holding it is shown.
    for extractor in found.values():
        assert "ACME" not in extractor.pool.upper()
        assert "API_KEY" not in extractor.pool.upper()
    assert found["tap-lemlist--globex"].cron == "0 */2 * * *"
    assert found["tap-lemlist--acme"].cron == DEFAULT_CRON


def test_the_dagster_definitions_load_with_no_key_set(project: Path) -> None:
    script = (
        "import json\n"
        "from orchestration.definitions import build\n"
        "defs = build()\n"
        "defs.get_repository_def().get_all_jobs()  # what Dagster checks when it loads them\n"
        "jobs = {job.name: [node.definition.pool for node in job.nodes] for job in defs.jobs}\n"
        "schedules = {s.name: [s.cron_schedule, s.default_status.value] for s in defs.schedules}\n"
        "print(json.dumps({'jobs': jobs, 'schedules': schedules}))\n"
    )
    env = {name: value for name, value in os.environ.items() if "API_KEY" not in name}
    env |= {"MELTANO_PROJECT_ROOT": str(project), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [str(DAGSTER_PYTHON), "-c", script], capture_output=True, text=True, env=env, cwd=project, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    expected = {extractor.job_name: [extractor.pool] for extractor in extractors(project)}
    assert loaded["jobs"] == expected
    assert set(loaded["jobs"]) >= {"tap_lemlist__acme", "tap_smartlead__client_101"}
    assert loaded["schedules"]["tap_lemlist__globex_schedule"] == ["0 */2 * * *", "RUNNING"]
    assert loaded["schedules"]["tap_lemlist__acme_schedule"] == [DEFAULT_CRON, "RUNNING"]
