"""The Meltano project as the orchestrator sees it: which extractors exist, which key each one
uses, and when each one runs. Plain Python (no Dagster), read from the project's YAML files, so
that an account file under ``accounts/`` adds its sync with no code change; no key is read.
"""

from __future__ import annotations

import hashlib
import typing as t
from dataclasses import dataclass

import yaml

if t.TYPE_CHECKING:
    from pathlib import Path

#: The loader every sync writes to.
LOADER = "target-postgres"
#: When a sync runs unless a Meltano schedule in the project says otherwise: hourly.
DEFAULT_CRON = "0 * * * *"
#: Meltano's named intervals, as cron.
#: The outreach model's own pool: one dbt build at a time, whatever starts it.
MODEL_POOL = "outreach_model"
INTERVALS = {"@hourly": "0 * * * *", "@daily": "0 0 * * *", "@weekly": "0 0 * * 0", "@monthly": "0 0 1 * *"}


@dataclass(frozen=True)
class Extractor:
    """One sync: an extractor of the project (a base tap or an account inheriting from one)."""

    name: str
    #: The base tap it is, or inherits from (``tap-lemlist``, ``tap-smartlead``).
    tap: str
    #: Where its API key comes from (a ``$VARIABLE`` reference, or the variable Meltano reads):
    #: never the key itself.
    key_source: str
    cron: str
    #: The schema its loader writes (Meltano's ``load_schema``): what the model's sources name.
    load_schema: str

    @property
    def pool(self) -> str:
        """The concurrency pool of its key: one sync per key at a time. A stable hash of where
        the key comes from, so that neither the key nor a variable's name is shown."""
        digest = hashlib.sha256(f"{self.tap}:{self.key_source}".encode()).hexdigest()[:12]
        return f"{self.tap.replace('-', '_')}_key_{digest}"

    @property
    def job_name(self) -> str:
        """Its name where only letters, digits and ``_`` are allowed (``tap_lemlist__acme``)."""
        return self.name.replace("-", "_")


def documents(root: Path) -> list[dict[str, t.Any]]:
    """meltano.yml and the files its ``include_paths`` name, in Meltano's order."""
    project = yaml.safe_load((root / "meltano.yml").read_text()) or {}
    found = [project]
    for pattern in project.get("include_paths", []):
        found += [yaml.safe_load(path.read_text()) or {} for path in sorted(root.glob(pattern.removeprefix("./")))]
    return found


def key_reference(config: dict[str, t.Any] | None) -> str | None:
    value = (config or {}).get("api_key")
    return str(value) if isinstance(value, str) and value.startswith("$") else None


def extractors(root: Path) -> list[Extractor]:
    """Every extractor of the project, base taps first, with its key's source and its schedule."""
    plugins = [
        plugin for document in documents(root) for plugin in (document.get("plugins") or {}).get("extractors", [])
    ]
    by_name = {plugin["name"]: plugin for plugin in plugins}
    crons = {
        str(schedule["extractor"]): INTERVALS.get(str(schedule.get("interval")), str(schedule.get("interval")))
        for document in documents(root)
        for schedule in document.get("schedules") or []
        if schedule.get("extractor") and schedule.get("interval")
    }
    found = []
    for plugin in plugins:
        name = str(plugin["name"])
        parent = by_name.get(str(plugin.get("inherit_from") or ""))
        tap = str(parent["name"]) if parent else name
        source = (
            key_reference(plugin.get("config"))
            or key_reference((parent or {}).get("config"))
            or f"${tap.upper().replace('-', '_')}_API_KEY"
        )
        # Meltano's default load schema is the plugin's name, with "_" for "-"; an account's own
        # wins over its parent's.
        schema = plugin.get("load_schema") or (parent or {}).get("load_schema") or name.replace("-", "_")
        found.append(
            Extractor(
                name=name, tap=tap, key_source=source, cron=crons.get(name, DEFAULT_CRON), load_schema=str(schema)
            )
        )
    return found


def pools(root: Path) -> list[str]:
    """Every pool the project's runs queue on, each to be limited to one run at a time."""
    return sorted({extractor.pool for extractor in extractors(root)} | {MODEL_POOL})
