"""Write both taps' Meltano plugin definitions from the taps themselves (``--about``): the ones
this project's meltano.yml includes (``plugins/extractors.meltano.yml``) and the ones for
Meltano Hub (``hub/_data/meltano/extractors/<tap>/<variant>.yml``, see hub/README.md).

``python scripts/plugin_definitions.py --check`` fails if any of them is stale.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import subprocess
import sys
import typing as t
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
TAPS = ("tap-lemlist", "tap-smartlead")
#: The Hub's variant of a plugin is the GitHub organization that publishes it.
VARIANT = "engagement-taps"
MELTANO_FILE = ROOT / "plugins" / "extractors.meltano.yml"
HUB_FOLDER = ROOT / "hub" / "_data" / "meltano" / "extractors"

# What the Hub shows about each vendor; everything else comes from the tap.
HUB_ABOUT: dict[str, dict[str, str]] = {
    "tap-lemlist": {
        "label": "lemlist",
        "description": "Sales engagement and cold outreach platform",
        "domain_url": "https://www.lemlist.com",
        "logo_url": "/assets/logos/extractors/lemlist.png",
    },
    "tap-smartlead": {
        "label": "Smartlead",
        "description": "Cold email outreach at scale",
        "domain_url": "https://www.smartlead.ai",
        "logo_url": "/assets/logos/extractors/smartlead.png",
    },
}


def about(tap: str) -> dict[str, t.Any]:
    binary = str(Path(sys.executable).parent / tap)
    done = subprocess.run([binary, "--about", "--format", "json"], capture_output=True, text=True, check=True)
    return t.cast("dict[str, t.Any]", json.loads(done.stdout))


def kind_of(schema: dict[str, t.Any]) -> str:
    """Meltano's kind for a JSON schema. A number is an integer to Meltano: Meltano reads a
    ``decimal`` setting from the environment (``TAP_LEMLIST_MAX_RUN_MINUTES=25``) as a Decimal,
    which it then cannot write into the tap's config, and the run fails. An integer setting read
    from the environment is a whole number; a fraction (0.5 per second) is still taken from
    meltano.yml, where Meltano keeps the YAML number as it is."""
    if schema.get("secret"):
        return "password"
    if "enum" in schema:
        return "options"
    types = schema.get("type", "string")
    named = [kind for kind in ([types] if isinstance(types, str) else types) if kind != "null"]
    for option in schema.get("oneOf", schema.get("anyOf", [])):
        if isinstance(option, dict):
            kinds = option.get("type", [])
            named += [kind for kind in ([kinds] if isinstance(kinds, str) else kinds) if kind != "null"]
    if "array" in named:  # one or many: a list says both
        return "array"
    if schema.get("format") in {"date-time", "date"}:
        return "date_iso8601"
    return {"integer": "integer", "number": "integer", "boolean": "boolean", "array": "array", "object": "object"}.get(
        named[0] if named else "string", "string"
    )


def settings(schema: dict[str, t.Any], prefix: str = "") -> list[dict[str, t.Any]]:
    """One Meltano setting per leaf of the settings schema; an object whose keys are the user's
    (stream maps) stays one setting."""
    found = []
    for name, prop in schema.get("properties", {}).items():
        nested = prop.get("properties")
        if nested and prop.get("additionalProperties") is True and name != "stream_maps":
            found += settings(prop, f"{prefix}{name}.")
            continue
        setting: dict[str, t.Any] = {"name": f"{prefix}{name}", "kind": kind_of(prop)}
        if prop.get("title"):
            setting["label"] = prop["title"]
        setting["description"] = " ".join(str(prop.get("description", "")).split())
        if "default" in prop and setting["kind"] != "date_iso8601":
            setting["value"] = prop["default"]
        if "enum" in prop:
            setting["options"] = [{"label": str(value).upper(), "value": value} for value in prop["enum"]]
        if prop.get("secret"):
            setting["sensitive"] = True
        found.append(setting)
    return sorted(found, key=lambda s: str(s["name"]))


def project_urls(tap: str) -> dict[str, str]:
    entries = importlib.metadata.metadata(tap).get_all("Project-URL") or []
    return dict(tuple(part.strip() for part in entry.split(",", 1)) for entry in entries)  # type: ignore[misc]


def opt_in_streams(tap: str) -> list[str]:
    """The tap's streams not selected by default (``selected_by_default = False``)."""
    streams = importlib.import_module(f"{tap.replace('-', '_')}.streams")
    return sorted(stream.name for stream in streams.STREAM_TYPES if not stream.selected_by_default)


def definition(tap: str, info: dict[str, t.Any]) -> dict[str, t.Any]:
    """What Meltano needs to install and configure the tap: shared by both files."""
    found = {
        "name": tap,
        "namespace": tap.replace("-", "_"),
        "executable": tap,
        "capabilities": sorted(info["capabilities"]),
        "settings_group_validation": [sorted(info["settings"].get("required", []))],
        "settings": settings(info["settings"]),
    }
    opt_in = opt_in_streams(tap)
    if opt_in:
        # Meltano's own default rule ("*.*") selects every stream, whatever the catalog's
        # selected-by-default says: the definition's rules leave the opt-in streams out.
        found["select"] = ["*.*", *(f"!{name}.*" for name in opt_in)]
    return found


def hub_file(tap: str, info: dict[str, t.Any]) -> dict[str, t.Any]:
    urls = project_urls(tap)
    plugin = definition(tap, info) | HUB_ABOUT[tap]
    plugin |= {
        "variant": VARIANT,
        "pip_url": tap,
        "repo": urls["Repository"],
        "docs": urls["Documentation"],
        "keywords": ["api", "meltano_sdk"],
        "maintenance_status": "active",
        "quality": "unknown",
        "supported_python_versions": info["supported_python_versions"],
    }
    if "structured-logging" in info["capabilities"]:
        plugin["log_parser"] = "singer-sdk"
    return plugin


def dump(value: object) -> str:
    # The Hub's yamllint: keys in order, sequences at their key's column, no document start.
    return yaml.safe_dump(value, sort_keys=True, default_flow_style=False, allow_unicode=True)


def render() -> dict[Path, str]:
    files: dict[Path, str] = {}
    extractors = []
    for tap in TAPS:
        info = about(tap)
        # Installed from this checkout, editable: the development configuration.
        local = definition(tap, info) | {"pip_url": f"-e ./{tap}"}
        for setting in local["settings"]:
            if setting["kind"] == "password":  # Meltano's deprecated kind; sensitive says it
                setting["kind"] = "string"
        extractors.append(local)
        files[HUB_FOLDER / tap / f"{VARIANT}.yml"] = dump(hub_file(tap, info))
    header = (
        "# Generated by scripts/plugin_definitions.py from the taps' --about; do not edit.\n"
        "# Full definitions: no Meltano Hub lookup, so `meltano install` works on locked-down runners.\n"
    )
    files[MELTANO_FILE] = header + dump({"plugins": {"extractors": extractors}})
    return files


def main() -> int:
    check = "--check" in sys.argv[1:]
    stale = []
    for path, text in render().items():
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(path.relative_to(ROOT))
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    if stale:
        names = ", ".join(str(path) for path in stale)
        print(f"stale: {names}; run: python scripts/plugin_definitions.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
