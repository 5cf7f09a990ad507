"""The outreach model's column reference in the README, written from dbt's docs.

    meltano invoke dbt-duckdb:build && meltano invoke dbt-duckdb:docs-generate
    .venv/bin/python scripts/model_reference.py            # rewrite the README's section
    .venv/bin/python scripts/model_reference.py --check    # exit 1 if it is out of date

Reads ``manifest.json`` (descriptions, tests) and ``catalog.json`` (column types, as DuckDB
names them) from dbt-duckdb's target folder.
"""

from __future__ import annotations

import argparse
import json
import sys
import typing as t
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START = "<!-- model reference: written by scripts/model_reference.py -->"
END = "<!-- end of model reference -->"


def tests_by_column(manifest: dict[str, t.Any]) -> dict[tuple[str, str], list[str]]:
    """(model, column) -> the names of the generic tests on it."""
    found: dict[tuple[str, str], list[str]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test" or not node.get("column_name") or not node.get("attached_node"):
            continue
        model = manifest["nodes"][node["attached_node"]]["name"]
        name = node["test_metadata"]["name"] if node.get("test_metadata") else node["name"]
        found.setdefault((model, node["column_name"]), []).append(name.replace("_", " "))
    return found


def reference(manifest: dict[str, t.Any], catalog: dict[str, t.Any]) -> str:
    tests = tests_by_column(manifest)
    models = sorted(
        (
            node
            for node in manifest["nodes"].values()
            if node["resource_type"] == "model" and node["name"].startswith("outreach_")
        ),
        key=lambda node: node["name"],
    )
    parts = []
    for model in models:
        columns = catalog["nodes"].get(model["unique_id"], {}).get("columns", {}).values()
        types = {column["name"].lower(): column["type"].lower() for column in sorted(columns, key=lambda c: c["index"])}
        described = model["columns"]
        parts.append(f"#### `{model['name']}`\n\n{' '.join(model['description'].split())}\n")
        parts.append("| column | type | tests | description |\n|---|---|---|---|")
        # Columns in the table's own order; one the yml does not describe still gets a row.
        for name in types or described:
            column = described.get(name, {})
            checks = ", ".join(sorted(set(tests.get((model["name"], name), []))))
            text = " ".join(column.get("description", "").split()).replace("|", "\\|")
            parts.append(f"| `{name}` | {types.get(name, '')} | {checks} | {text} |")
        parts.append("")
    return "\n".join(parts).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", type=Path, default=ROOT / ".meltano" / "dbt" / "duckdb" / "target")
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md")
    parser.add_argument("--check", action="store_true", help="only say whether the README is current")
    args = parser.parse_args(argv)
    try:
        manifest = json.loads((args.target / "manifest.json").read_text())
        catalog = json.loads((args.target / "catalog.json").read_text())
    except FileNotFoundError as error:
        print(
            f"model_reference: {error.filename} is missing: run `meltano invoke dbt-duckdb:docs-generate`",
            file=sys.stderr,
        )
        return 1
    readme = args.readme.read_text()
    if START not in readme or END not in readme:
        print(f"model_reference: {args.readme} has no model reference section ({START})", file=sys.stderr)
        return 1
    before, rest = readme.split(START, 1)
    after = rest.split(END, 1)[1]
    written = f"{before}{START}\n\n{reference(manifest, catalog)}\n{END}{after}"
    if args.check:
        if written != readme:
            print(
                "model_reference: the README's model reference is out of date: run scripts/model_reference.py",
                file=sys.stderr,
            )
            return 1
        return 0
    args.readme.write_text(written)
    return 0


if __name__ == "__main__":
    sys.exit(main())
