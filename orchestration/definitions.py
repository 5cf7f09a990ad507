"""Dagster definitions: one job per Meltano extractor of the project (base taps and every account
under ``accounts/``), each running ``meltano run <extractor> target-postgres`` as Meltano itself
would, with its own state id.

A job's op belongs to its key's concurrency pool (``Extractor.pool``): with the pool's limit at 1,
a second sync of one key waits while other keys run. Keys are read by Meltano when a run starts;
these definitions load without any. A plain subprocess step rather than ``dagster-meltano``: its
last release does not import with this Dagster, and it forces ``--force`` on every run, which
turns off Meltano's own guard against two runs of one state id.
"""

import os
import subprocess
import time
from pathlib import Path

import dagster as dg
from dagster import OpExecutionContext

from orchestration.meltano_project import LOADER, Extractor, extractors

ROOT = Path(os.environ.get("MELTANO_PROJECT_ROOT") or Path(__file__).resolve().parent.parent)
# The project's own meltano, which installs and runs the plugins.
MELTANO = os.environ.get("MELTANO_BIN") or str(ROOT / ".venv" / "bin" / "meltano")
# A failed sync is tried again twice, 30 s then 90 s later (a vendor outage, a worker lost).
RETRIES = dg.RetryPolicy(max_retries=2, delay=30, backoff=dg.Backoff.EXPONENTIAL)
# Lines of a failed run's output that go into its failure, enough to name the stream.
FAILURE_LINES = 3


def sync_job(extractor: Extractor) -> dg.JobDefinition:
    """The job that syncs one extractor into the loader."""

    @dg.op(
        name=f"sync_{extractor.job_name}",
        pool=extractor.pool,
        retry_policy=RETRIES,
        tags={"meltano/extractor": extractor.name},
    )
    def sync(context: OpExecutionContext) -> None:
        started = time.monotonic()
        # The project's meltano, with an extractor named by the project's own files.
        command = [MELTANO, "run", extractor.name, LOADER]
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        if done.returncode:
            # The tap's own last lines name the stream and what to do; Meltano's say which block.
            errors = [line for line in lines if "error" in line.lower()] or lines
            detail = " | ".join(line.strip()[-400:] for line in errors[-FAILURE_LINES:])
            raise dg.Failure(description=f"{extractor.name}: meltano run failed: {detail}")
        context.add_output_metadata(
            {
                "extractor": extractor.name,
                "loader": LOADER,
                "seconds": round(time.monotonic() - started, 1),
                "last lines": dg.MetadataValue.text("\n".join(lines[-5:])),
            }
        )

    @dg.job(name=extractor.job_name, tags={"meltano/extractor": extractor.name})
    def job() -> None:
        sync()

    return job


def build(root: Path = ROOT) -> dg.Definitions:
    """A job and a schedule per extractor of the project at ``root``."""
    found = extractors(root)
    jobs = [sync_job(extractor) for extractor in found]
    schedules = [
        dg.ScheduleDefinition(
            name=f"{job.name}_schedule",
            job=job,
            cron_schedule=extractor.cron,
            default_status=dg.DefaultScheduleStatus.RUNNING,
        )
        for job, extractor in zip(jobs, found, strict=True)
    ]
    return dg.Definitions(jobs=jobs, schedules=schedules)


@dg.definitions
def defs() -> dg.Definitions:
    """What Dagster loads (read when the code location starts, not at import)."""
    return build()
