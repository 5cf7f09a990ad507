"""Rows per table of a DuckDB warehouse next to what the sandbox accounts hold.

``python -m sandbox.report WAREHOUSE.duckdb SCHEMA=SANDBOX_URL ...``; exits 1 on any mismatch.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from sandbox.control import SandboxControl


def main(warehouse: str, sources: list[str]) -> int:
    connection = duckdb.connect(warehouse, read_only=True)
    rows = []
    for source in sources:
        schema, url = source.split("=", 1)
        expected = SandboxControl(url).counts("default")
        for table, count in sorted(expected.items()):
            found = connection.execute(
                "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                [schema, table],
            ).fetchone()
            # Identifiers come from the sandbox's own stream list, not from input.
            query = f'select count(*) from "{schema}"."{table}"'  # noqa: S608
            result = connection.execute(query).fetchone() if found and found[0] else None
            rows.append((f"{schema}.{table}", int(result[0]) if result else 0, count))
    width = max(len(name) for name, _, _ in rows)
    print(f"\n{'table':<{width}}  {'rows':>8}  {'in API':>8}")
    for name, loaded, count in rows:
        print(f"{name:<{width}}  {loaded:>8}  {count:>8}{'' if loaded == count else '  MISMATCH'}")
    total = sum(loaded for _, loaded, _ in rows)
    print(f"\n{total} rows in {len(rows)} tables, in {Path(warehouse).resolve()}")
    show = f"duckdb.connect('{warehouse}').sql('show all tables')"
    print(f'Query them: .venv/bin/python -c "import duckdb; print({show})"')
    return 0 if all(loaded == count for _, loaded, count in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
