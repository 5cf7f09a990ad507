"""The Dagster code location: built from the Meltano project's files, so that an account file
adds its sync; one pool per vendor key, so that two syncs of one key never run at once; and it
loads with no key set."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import typing as t
from pathlib import Path

import pytest

from orchestration import meltano_log
from orchestration.meltano_project import DEFAULT_CRON, extractors
from tests.meltano_project import AGENCY_ACCOUNTS

ROOT = Path(__file__).resolve().parent.parent
DAGSTER_PYTHON = ROOT / ".venv-dagster" / "bin" / "python"


def project_files(root: Path) -> Path:
    """The repository's Meltano project files, with an account file of four accounts."""
    root.mkdir()
    shutil.copy(ROOT / "meltano.yml", root / "meltano.yml")
    shutil.copytree(ROOT / "plugins", root / "plugins")
    shutil.copytree(ROOT / "transform", root / "transform", ignore=shutil.ignore_patterns("target", "logs"))
    (root / "accounts").mkdir()
    (root / "accounts" / "customers.meltano.yml").write_text(AGENCY_ACCOUNTS)
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return project_files(tmp_path / "project")


# The project as it is, with the model pointed at two accounts' schemas, and with a dbt file that
# does not parse.
VARIANTS = ("as_is", "accounts_read", "model_broken")


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict[str, t.Any]]]:
    """Each variant's code location as Dagster loads it, all in one process of its environment."""
    roots = {name: project_files(tmp_path_factory.mktemp(name) / "project") for name in VARIANTS}
    settings = roots["accounts_read"] / "transform" / "dbt_project.yml"
    settings.write_text(
        settings.read_text()
        .replace("lemlist_schema: tap_lemlist", "lemlist_schema: lemlist_globex")
        .replace("smartlead_schema: tap_smartlead", "smartlead_schema: smartlead_client_101")
    )
    (roots["model_broken"] / "transform" / "models" / "broken.yml").write_text("version: 2\nmodels: [\n")
    definitions = load_definitions(list(roots.values()))
    return {name: (root, definitions[str(root)]) for name, root in roots.items()}


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


def load_definitions(roots: list[Path]) -> dict[str, dict[str, t.Any]]:
    """Each project's code location as Dagster loads it, in its own environment, with no key set."""
    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from orchestration.definitions import build\n"
        "found = {}\n"
        "for root in sys.argv[1:]:\n"
        "    defs = build(Path(root))\n"
        "    repository = defs.get_repository_def()\n"
        "    repository.get_all_jobs()  # what Dagster checks when it loads them\n"
        "    graph = repository.asset_graph\n"
        "    jobs = {job.name: [node.definition.pool for node in job.nodes]\n"
        "            for job in repository.get_all_jobs() if not job.name.startswith('__')}\n"
        "    schedules = {s.name: [s.cron_schedule, s.default_status.value] for s in defs.schedules}\n"
        "    parents = {k.to_user_string(): sorted(p.to_user_string() for p in graph.get(k).parent_keys)\n"
        "               for k in graph.get_all_asset_keys()}\n"
        "    sensors = [s.name for s in defs.sensors]\n"
        "    found[root] = {'jobs': jobs, 'schedules': schedules, 'parents': parents, 'sensors': sensors}\n"
        "print(json.dumps(found))\n"
    )
    env = {name: value for name, value in os.environ.items() if "API_KEY" not in name}
    env |= {"PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [str(DAGSTER_PYTHON), "-c", script, *map(str, roots)], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return t.cast("dict[str, dict[str, t.Any]]", json.loads(done.stdout.strip().splitlines()[-1]))


def test_the_dagster_definitions_load_with_no_key_set(loaded: dict[str, tuple[Path, dict[str, t.Any]]]) -> None:
    project, definitions = loaded["as_is"]
    expected = {extractor.job_name: [extractor.pool] for extractor in extractors(project)}
    assert definitions["jobs"] == expected
    assert set(definitions["jobs"]) >= {"tap_lemlist__acme", "tap_smartlead__client_101"}
    assert definitions["schedules"]["tap_lemlist__globex_schedule"] == ["0 */2 * * *", "RUNNING"]
    assert definitions["schedules"]["tap_lemlist__acme_schedule"] == [DEFAULT_CRON, "RUNNING"]
    # Each extractor's load is an asset named as its job is.
    for job in expected:
        assert definitions["parents"][job] == []
    assert definitions["sensors"] == ["outreach_model_after_loads"]


def test_the_model_builds_after_the_loads_whose_schemas_it_reads(
    loaded: dict[str, tuple[Path, dict[str, t.Any]]],
) -> None:
    # By default the model reads the base taps' schemas.
    parents = loaded["as_is"][1]["parents"]
    assert parents["staging/stg_lemlist__activities"] == ["tap_lemlist"]
    assert parents["staging/stg_smartlead__emails"] == ["tap_smartlead"]
    assert "staging/stg_lemlist__activities" in parents["outreach_events"]
    # Pointed at two accounts' schemas, it reads their loads and no other.
    parents = loaded["accounts_read"][1]["parents"]
    assert parents["staging/stg_lemlist__activities"] == ["tap_lemlist__globex"]
    assert parents["staging/stg_smartlead__emails"] == ["tap_smartlead__client_101"]
    models = {key for key, up in parents.items() if any(p.startswith("tap_") for p in up)}
    assert all(key.startswith("staging/") for key in models)


def test_the_syncs_load_without_the_model_when_dbt_cannot_parse_it(
    loaded: dict[str, tuple[Path, dict[str, t.Any]]],
) -> None:
    project, definitions = loaded["model_broken"]
    assert set(definitions["jobs"]) == {extractor.job_name for extractor in extractors(project)}
    assert definitions["sensors"] == []
    assert not any(key.startswith("outreach") for key in definitions["parents"])


def json_line(**fields: t.Any) -> str:
    return json.dumps({"level": "info", "timestamp": "2026-12-07T20:01:36Z", **fields})


def test_a_meltano_log_gives_rows_per_stream_requests_state_id_and_the_tap_s_error() -> None:
    job = {"job_name": "prod:tap-lemlist--acme-to-target-postgres", "cmd_type": "elb"}
    tap = {**job, "producer": True, "consumer": False, "string_id": "tap-lemlist--acme"}
    target = {**job, "producer": False, "consumer": True, "string_id": "target-postgres"}

    def metric(stream: str, value: int, name: str = "record_count") -> str:
        point = {"type": "counter", "metric": name, "value": value, "tags": {"stream": stream}}
        return json_line(**target, event="METRIC: " + json.dumps(point))

    text = "\n".join(
        [
            json_line(event="Environment 'prod' is active"),
            json_line(**tap, event="Beginning sync of 'activities' in incremental mode"),
            metric("activities", 100),
            metric("activities", 23),
            metric("campaigns", 2),
            metric("activities", 9, name="batch_processing_time"),
            json_line(**tap, event="tap-lemlist--acme: error: Stream 'tasks' stopped: GET /api/tasks kept failing"),
            json_line(**tap, event="Requests sent: 41 to the lemlist API, retries included"),
            json_line(level="error", event="Extractor failed"),
            json_line(level="error", event="Block run completed"),
            "not JSON at all",
        ]
    )
    log = meltano_log.read(text)
    assert log.rows == {"activities": 123, "campaigns": 2}
    assert log.requests == 41
    assert log.state_id == "prod:tap-lemlist--acme-to-target-postgres"
    failure = log.failure()
    assert "Stream 'tasks' stopped" in failure
    assert failure.endswith("Block run completed")
    assert meltano_log.read("").failure() == "no output"
    assert meltano_log.read("plain\nlines").failure() == "plain | lines"


def test_the_state_summary_keeps_one_bookmark_per_stream() -> None:
    state = {
        "singer_state": {
            "bookmarks": {
                "activities": {"replication_key": "createdAt", "replication_key_value": "2026-12-07T10:00:00Z"},
                "campaign_leads": {
                    "partitions": [
                        {"context": {"campaignId": "a"}, "replication_key_value": "2026-12-01"},
                        {"context": {"campaignId": "b"}, "replication_key_value": "2026-12-05"},
                        {"context": {"campaignId": "c"}},
                    ]
                },
                "campaigns": {},
            }
        }
    }
    assert meltano_log.state_summary(state) == {
        "activities": "2026-12-07T10:00:00Z",
        "campaign_leads": {"parents": 3, "latest": "2026-12-05"},
    }
