"""Every setting and capability a tap declares in ``--about`` is in this project's Meltano
definitions and in the Meltano Hub files, and those files are what the script writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest
import yaml

from tests.meltano_project import meltano, smartlead_env

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TAPS = ("tap-lemlist", "tap-smartlead")
# Keys the Hub's schema allows in an extractor's file (its additionalProperties is false).
HUB_KEYS = {
    "capabilities", "commands", "definition", "description", "docs", "domain_url", "executable", "hidden",
    "keywords", "label", "log_parser", "logo_url", "maintenance_status", "metadata", "name", "namespace",
    "next_steps", "pip_url", "prereq", "python", "quality", "repo", "requires", "schema", "select", "settings",
    "settings_group_validation", "settings_preamble", "supported_python_versions", "usage", "variant",
}  # fmt: skip
HUB_KINDS = {
    "oauth", "hidden", "password", "date_iso8601", "file", "email", "integer", "options", "object", "array",
    "boolean", "string", "decimal",
}  # fmt: skip


def about(tap: str) -> dict[str, t.Any]:
    done = subprocess.run([BIN / tap, "--about", "--format", "json"], capture_output=True, text=True, check=True)
    return t.cast("dict[str, t.Any]", json.loads(done.stdout))


def meltano_extractors() -> dict[str, dict[str, t.Any]]:
    """The extractors of meltano.yml and the files it includes."""
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    documents = [project]
    for pattern in project.get("include_paths", []):
        documents += [yaml.safe_load(path.read_text()) for path in sorted(ROOT.glob(pattern.removeprefix("./")))]
    return {
        plugin["name"]: plugin
        for document in documents
        for plugin in (document.get("plugins") or {}).get("extractors", [])
        if "inherit_from" not in plugin
    }


def hub_file(tap: str) -> dict[str, t.Any]:
    (path,) = (ROOT / "hub" / "_data" / "meltano" / "extractors" / tap).glob("*.yml")
    return t.cast("dict[str, t.Any]", yaml.safe_load(path.read_text()))


def missing(declared: dict[str, t.Any], definition: dict[str, t.Any]) -> set[str]:
    """Settings of ``--about`` that the definition lacks (a nested one may be given leaf by leaf)."""
    names = {setting["name"] for setting in definition.get("settings", [])}
    return {name for name in declared if name not in names and not any(n.startswith(f"{name}.") for n in names)}


def test_the_definitions_are_current():
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "plugin_definitions.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("tap", TAPS)
def test_every_setting_and_capability_is_declared_for_meltano_and_the_hub(tap):
    info = about(tap)
    declared = info["settings"]["properties"]
    for definition in (meltano_extractors()[tap], hub_file(tap)):
        assert missing(declared, definition) == set()
        assert set(definition["capabilities"]) == set(info["capabilities"])
        secrets = {name for name, prop in declared.items() if prop.get("secret")}
        assert secrets <= {s["name"] for s in definition["settings"] if s.get("sensitive")}
        assert definition["settings_group_validation"] == [sorted(info["settings"]["required"])]


@pytest.mark.parametrize("tap", TAPS)
def test_the_hub_files_use_only_what_the_hub_accepts(tap):
    hub = hub_file(tap)
    assert set(hub) <= HUB_KEYS
    assert {"name", "namespace", "variant", "quality"} <= set(hub)
    assert hub["name"] == tap
    assert hub["pip_url"] == tap  # installed by name from PyPI
    assert {setting["kind"] for setting in hub["settings"]} <= HUB_KINDS
    assert hub["supported_python_versions"] == about(tap)["supported_python_versions"]
    # The Hub's yamllint wants keys in order at every level.
    assert list(hub) == sorted(hub)
    assert [s["name"] for s in hub["settings"]] == sorted(s["name"] for s in hub["settings"])


def test_meltano_reads_a_setting_only_the_sdk_knew_from_the_environment():
    """``parallel_requests`` was missing from meltano.yml, so Meltano ignored its variable."""
    done = subprocess.run(
        [BIN / "meltano", "config", "print", "tap-lemlist"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "TAP_LEMLIST_PARALLEL_REQUESTS": "3"},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout[done.stdout.index("{") :])["parallel_requests"] == 3


def test_meltano_leaves_the_opt_in_streams_out_by_default(installed_project, smartlead_account):
    """Meltano's own default rule ("*.*") would select every stream whatever the catalog says:
    the definition's rules leave the per-lead and per-mailbox detail out, and a user's
    ``meltano select`` can still add it."""
    account = smartlead_account(campaigns=1)
    listed = meltano(installed_project, "select", "tap-smartlead", "--list", "--all", env=smartlead_env(account))
    assert listed.returncode == 0, listed.stderr[-2000:]
    chosen: dict[str, set[str]] = {}
    for line in listed.stdout.splitlines():
        if line.strip().startswith("[") and "." in line:
            mark, entity = line.strip()[1:].split("]", 1)
            chosen.setdefault(entity.strip().split(".")[0], set()).add(mark.strip())
    assert chosen["lead_message_history"] == {"excluded"}
    assert chosen["email_account_warmup_stats"] == {"excluded"}
    for stream in ("lead_activities", "campaigns", "campaign_statistics", "campaign_leads", "email_accounts"):
        assert "selected" in chosen[stream], chosen[stream]


@pytest.mark.parametrize("tap", TAPS)
def test_every_number_setting_is_read_from_the_environment(tap):
    """Meltano read a ``decimal`` setting from the environment as a Decimal it could not write into
    the tap's config: ``TAP_LEMLIST_MAX_RUN_MINUTES=25`` (the scheduled-sync workflow's) failed
    every run."""
    numbers = {
        name: prop
        for name, prop in about(tap)["settings"]["properties"].items()
        if set(prop.get("type", [])) & {"number", "integer"}
    }
    assert {"max_requests_per_second", "max_run_minutes"} <= set(numbers)
    prefix = tap.upper().replace("-", "_")
    done = subprocess.run(
        [BIN / "meltano", "config", "print", tap],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "PATH": f"{BIN}:{os.environ['PATH']}",
            **{f"{prefix}_{name.upper()}": "2" for name in numbers},
        },
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    config = json.loads(done.stdout[done.stdout.index("{") :])
    assert {name: config[name] for name in numbers} == dict.fromkeys(numbers, 2)
