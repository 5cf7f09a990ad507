"""What the daemon tests ask a running Dagster instance, run in the code location's environment
(``python -m tests.dagster_client <question> <json arguments>``): each answer is one JSON line.
Jobs are submitted through the webserver's GraphQL API, as a person's click would; runs, events
and materializations are read from the instance's storage."""

import json
import os
import sys
import time
import typing as t

from dagster import AssetKey, DagsterEventType, DagsterInstance, RunsFilter
from dagster_graphql import DagsterGraphQLClient


def submit(jobs: list[str]) -> dict[str, str]:
    client = DagsterGraphQLClient("127.0.0.1", port_number=int(os.environ["DAGSTER_URL_PORT"]))
    return {job: client.submit_job_execution(job) for job in jobs}


def run_record(record: t.Any) -> dict[str, t.Any]:
    run = record.dagster_run
    return {
        "id": run.run_id,
        "job": run.job_name,
        "status": run.status.value,
        "start": record.start_time,
        "end": record.end_time,
        "tags": dict(run.tags),
    }


def runs(job: str | None = None, run_ids: list[str] | None = None) -> list[dict[str, t.Any]]:
    """Runs, oldest first."""
    instance = DagsterInstance.get()
    records = instance.get_run_records(filters=RunsFilter(job_name=job, run_ids=run_ids))
    return sorted((run_record(record) for record in records), key=lambda run: run["start"] or float("inf"))


def finished_runs(job: str, at_least: int, seconds: float) -> list[dict[str, t.Any]]:
    """A job's finished runs, oldest first, once there are ``at_least`` (or the time is up)."""
    deadline = time.monotonic() + seconds
    while True:
        found = [run for run in runs(job=job) if run["end"]]
        if len(found) >= at_least or time.monotonic() > deadline:
            return found
        time.sleep(2)


def wait(run_ids: list[str], seconds: float) -> list[dict[str, t.Any]]:
    """The runs once all have finished (or the time is up)."""
    instance = DagsterInstance.get()
    deadline = time.monotonic() + seconds
    while True:
        records = instance.get_run_records(filters=RunsFilter(run_ids=run_ids))
        if (records and all(r.dagster_run.is_finished for r in records)) or time.monotonic() > deadline:
            return [run_record(record) for record in records]
        time.sleep(2)


def events(run_ids: list[str]) -> dict[str, dict[str, t.Any]]:
    """Each run's step retries and failures, and every message of its event log."""
    instance = DagsterInstance.get()
    return {run_id: run_events(instance, run_id) for run_id in run_ids}


def run_events(instance: DagsterInstance, run_id: str) -> dict[str, t.Any]:
    logs = instance.all_logs(run_id)
    failures = [
        entry.dagster_event.step_failure_data.user_failure_data.description
        for entry in logs
        if entry.dagster_event
        and entry.dagster_event.event_type == DagsterEventType.STEP_FAILURE
        and entry.dagster_event.step_failure_data.user_failure_data
    ]
    return {
        "retries": sum(
            1
            for entry in logs
            if entry.dagster_event and entry.dagster_event.event_type == DagsterEventType.STEP_UP_FOR_RETRY
        ),
        "failures": failures,
        "messages": [entry.message or "" for entry in logs],
    }


def materializations(key: str, at_least: int = 0, seconds: float = 0) -> list[dict[str, t.Any]]:
    """Every materialization of an asset (``a/b`` for a key of two parts), oldest first; waiting up
    to ``seconds`` for there to be ``at_least`` so many."""
    deadline = time.monotonic() + seconds
    while True:
        found = materialized(key)
        if len(found) >= at_least or time.monotonic() > deadline:
            return found
        time.sleep(2)


def materialized(key: str) -> list[dict[str, t.Any]]:
    instance = DagsterInstance.get()
    result = instance.fetch_materializations(AssetKey(key.split("/")), limit=100, ascending=True)
    return [
        {
            "run": record.run_id,
            "timestamp": record.timestamp,
            "metadata": {name: value.value for name, value in record.asset_materialization.metadata.items()},
        }
        for record in result.records
        if record.asset_materialization
    ]


QUESTIONS: dict[str, t.Callable[..., t.Any]] = {
    "submit": submit,
    "runs": runs,
    "wait": wait,
    "events": events,
    "materializations": materializations,
    "finished_runs": finished_runs,
}

if __name__ == "__main__":
    answer = QUESTIONS[sys.argv[1]](**json.loads(sys.argv[2]))
    print(json.dumps(answer, default=str))
