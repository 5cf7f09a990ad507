"""The outreach dbt model (``transform/``) as Dagster assets, from the dbt project's manifest.

Each dbt source is mapped to the load of the extractor whose schema it reads, so a model builds
after the loads it reads, and only those: an account the model does not read never starts it.
dbt runs in the code location's own environment (dbt-postgres, pinned as Meltano's utility is).
"""

import fcntl
import os
import subprocess
import sys
import typing as t
from pathlib import Path

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets
from typing_extensions import override

from orchestration.meltano_project import MODEL_POOL

# The code location's own dbt, beside its Python.
DBT = Path(sys.executable).parent / "dbt"
# Folders of the dbt project that dbt itself writes: they do not make the manifest stale.
WRITTEN_BY_DBT = {"target", "logs", "dbt_packages"}
# The model reads the loader's database: dbt-postgres's settings default to the loader's, as the
# Meltano utility's do (meltano.yml).
PROFILE_DEFAULTS = {
    "DBT_POSTGRES_HOST": "TARGET_POSTGRES_HOST",
    "DBT_POSTGRES_PORT": "TARGET_POSTGRES_PORT",
    "DBT_POSTGRES_USER": "TARGET_POSTGRES_USER",
    "DBT_POSTGRES_PASSWORD": "TARGET_POSTGRES_PASSWORD",
    "DBT_POSTGRES_DBNAME": "TARGET_POSTGRES_DATABASE",
}


def dbt_env() -> dict[str, str]:
    """The environment dbt runs in: the loader's connection unless DBT_POSTGRES_* say otherwise."""
    env = dict(os.environ)
    for name, default in PROFILE_DEFAULTS.items():
        if not env.get(name) and env.get(default):
            env[name] = env[default]
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    return env


def project(root: Path) -> DbtProject:
    if not (root / "transform" / "dbt_project.yml").is_file():
        raise ModelNotParsedError(f"no dbt project at {root / 'transform'}")
    return DbtProject(
        project_dir=root / "transform",
        profiles_dir=root / "transform" / "profiles" / "postgres",
        target_path=root / ".meltano" / "dbt" / "dagster" / "target",
    )


def manifest(dbt: DbtProject) -> Path:
    """The project's manifest, parsed again when a file of the project is newer than it. Every
    process that loads the definitions (webserver, daemon, each run) may get here at once, so one
    parses while the others wait."""
    path = Path(dbt.manifest_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    files = [
        file
        for file in Path(dbt.project_dir).rglob("*")
        if file.is_file() and not WRITTEN_BY_DBT & set(file.relative_to(dbt.project_dir).parts)
    ]
    with (path.parent / "parse.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        newest = max(file.stat().st_mtime for file in files)
        if not path.exists() or path.stat().st_mtime < newest:
            done = subprocess.run(  # noqa: S603
                [
                    str(DBT),
                    "parse",
                    "--quiet",
                    "--project-dir",
                    str(dbt.project_dir),
                    "--profiles-dir",
                    str(dbt.profiles_dir),
                    "--target-path",
                    str(path.parent),
                    "--log-path",
                    str(path.parent.parent / "logs"),
                ],
                env=dbt_env(),
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode:
                said = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
                raise ModelNotParsedError(" | ".join(said[-3:]) or f"dbt parse exited with {done.returncode}")
    return path


class ModelNotParsedError(Exception):
    """dbt could not parse the model's project."""


class Translator(DagsterDbtTranslator):
    """dbt sources become the loads that write their schema; models build after them, in a group
    of their own."""

    def __init__(self, loads: dict[str, dg.AssetKey]) -> None:
        # Every table of one schema is one extractor's load: many sources, one asset.
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_duplicate_source_asset_keys=True))
        self.loads = loads

    @override
    def get_asset_spec(
        self, manifest: t.Mapping[str, t.Any], unique_id: str, project: DbtProject | None
    ) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        source = manifest.get("sources", {}).get(unique_id)
        if source is not None:
            load = self.loads.get(str(source.get("schema")))
            return spec if load is None else spec.replace_attributes(key=load)
        # Built when a load it reads has new rows, once every load it reads has run once, and
        # never while one of them is running.
        return spec.replace_attributes(group_name=MODEL_POOL, automation_condition=dg.AutomationCondition.eager())


def model_assets(root: Path, loads: dict[str, dg.AssetKey]) -> tuple[dg.AssetsDefinition, DbtCliResource]:
    """The model's assets and the dbt resource that builds them."""
    dbt = project(root)
    runs = Path(dbt.manifest_path).parent.parent / "runs"

    @dbt_assets(manifest=manifest(dbt), dagster_dbt_translator=Translator(loads), name=MODEL_POOL, pool=MODEL_POOL)
    def outreach_model(context: dg.AssetExecutionContext, dbt: DbtCliResource) -> t.Iterator[t.Any]:
        os.environ.update(dbt_env())  # this run's process only
        yield from dbt.cli(["build"], context=context, target_path=runs / context.run_id).stream()

    resource = DbtCliResource(project_dir=dbt, dbt_executable=str(DBT))
    return outreach_model, resource
