"""Dagster definitions built from the Meltano project: one load asset, job and schedule per
extractor (base taps and every account under ``accounts/``), each running
``meltano run <extractor> target-postgres`` as Meltano itself would, with its own state id; and
the outreach dbt model as assets downstream of the loads it reads.

A load belongs to its key's concurrency pool (``Extractor.pool``): with the pool's limit at 1, a
second sync of one key waits while other keys run. Keys are read by Meltano when a run starts;
these definitions load without any. A plain subprocess step rather than ``dagster-meltano``: its
last release does not import with this Dagster, and it forces ``--force`` on every run, which
turns off Meltano's own guard against two runs of one state id.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
from dagster import AssetExecutionContext

from orchestration import meltano_log
from orchestration.meltano_project import LOADER, Extractor, extractors
from orchestration.model import ModelNotParsedError, model_assets

ROOT = Path(os.environ.get("MELTANO_PROJECT_ROOT") or Path(__file__).resolve().parent.parent)
# The project's own meltano, which installs and runs the plugins.
MELTANO = os.environ.get("MELTANO_BIN") or str(ROOT / ".venv" / "bin" / "meltano")
# A failed sync is tried again twice, after 30 s then 60 s (a vendor outage, a worker lost).
RETRY_DELAY_SECONDS = float(os.environ.get("SYNC_RETRY_DELAY_SECONDS") or 30)
RETRIES = dg.RetryPolicy(max_retries=2, delay=RETRY_DELAY_SECONDS, backoff=dg.Backoff.EXPONENTIAL)
# Loads of the project's extractors, in the asset graph.
LOADS_GROUP = "meltano_loads"


def meltano(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # The project's meltano, with an extractor named by the project's own files.
    return subprocess.run([MELTANO, *args], cwd=root, capture_output=True, text=True, check=False)  # noqa: S603


def sync(extractor: Extractor, root: Path) -> dg.AssetsDefinition:
    """The load of one extractor: what ``meltano run <extractor> target-postgres`` writes."""
    key = dg.AssetKey(extractor.job_name)

    @dg.multi_asset(
        name=f"sync_{extractor.job_name}",
        specs=[
            dg.AssetSpec(
                key,
                group_name=LOADS_GROUP,
                kinds={"meltano", "postgres"},
                description=f"`meltano run {extractor.name} {LOADER}`: every selected stream of "
                f"{extractor.name}, loaded into the schema `{extractor.load_schema}`.",
                metadata={"extractor": extractor.name, "schema": extractor.load_schema},
                tags={"meltano/tap": extractor.tap},
            )
        ],
        pool=extractor.pool,
        retry_policy=RETRIES,
        op_tags={"meltano/extractor": extractor.name},
    )
    def load(context: AssetExecutionContext) -> dg.MaterializeResult[None]:  # noqa: ARG001
        started = time.monotonic()
        lines = []
        with subprocess.Popen(  # noqa: S603
            [MELTANO, "--log-format=json", "run", extractor.name, LOADER],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        ) as process:
            assert process.stdout is not None
            for line in process.stdout:
                sys.stderr.write(line)  # Dagster's captured log of the step, as it happens
                lines.append(line)
        log = meltano_log.read("".join(lines))
        ran: dict[str, dg.RawMetadataValue] = {
            "extractor": extractor.name,
            "rows per stream": dg.MetadataValue.json(log.rows),
            "dagster/row_count": sum(log.rows.values()),
            "requests": log.requests if log.requests is not None else "not said",
            "seconds": round(time.monotonic() - started, 1),
        }
        if process.returncode:
            raise dg.Failure(description=f"{extractor.name}: meltano run failed: {log.failure()}", metadata=ran)
        if log.state_id:
            state = meltano(root, "state", "get", log.state_id)
            if state.returncode == 0 and state.stdout.strip():
                ran["state id"] = log.state_id
                ran["state"] = dg.MetadataValue.json(meltano_log.state_summary(json.loads(state.stdout)))
        return dg.MaterializeResult(asset_key=key, metadata=ran)

    return load


def build(root: Path = ROOT) -> dg.Definitions:
    """A load, a job and a schedule per extractor of the project at ``root``, and the model."""
    found = extractors(root)
    loads = [sync(extractor, root) for extractor in found]
    jobs = [
        dg.define_asset_job(
            extractor.job_name, selection=dg.AssetSelection.assets(load), tags={"meltano/extractor": extractor.name}
        )
        for extractor, load in zip(found, loads, strict=True)
    ]
    schedules = [
        dg.ScheduleDefinition(
            name=f"{job.name}_schedule",
            job=job,
            cron_schedule=extractor.cron,
            default_status=dg.DefaultScheduleStatus.RUNNING,
        )
        for job, extractor in zip(jobs, found, strict=True)
    ]
    assets: list[dg.AssetsDefinition] = list(loads)
    resources = {}
    sensors = []
    try:
        model, resources["dbt"] = model_assets(
            root, {extractor.load_schema: dg.AssetKey(extractor.job_name) for extractor in found}
        )
    except ModelNotParsedError as exc:
        # The syncs go on without the model; the reason is in the code location's log.
        dg.get_dagster_logger().error("The outreach model is left out: dbt parse failed: %s", exc)
    else:
        assets.append(model)
        sensors.append(
            dg.AutomationConditionSensorDefinition(
                "outreach_model_after_loads",
                target=dg.AssetSelection.assets(model),
                default_status=dg.DefaultSensorStatus.RUNNING,
            )
        )
    # Every job is one step: running it in the run's own process spares a second process (and a
    # second load of these definitions) per run.
    return dg.Definitions(
        assets=assets,
        jobs=jobs,
        schedules=schedules,
        sensors=sensors,
        resources=resources,
        executor=dg.in_process_executor,
    )


@dg.definitions
def defs() -> dg.Definitions:
    """What Dagster loads (read when the code location starts, not at import)."""
    return build()
