"""Give every pool of the project its limit of one run (``python -m orchestration.pools``), in the
Dagster instance ``DAGSTER_HOME`` names: each key's pool, and the model's. A pool's limit must be
set before runs queue for it, so this runs after an account is added and before the daemon
starts (``scripts/dagster`` does both)."""

import os
import sys
from pathlib import Path

from dagster import DagsterInstance

from orchestration.meltano_project import pools


def main() -> int:
    root = Path(os.environ.get("MELTANO_PROJECT_ROOT") or Path(__file__).resolve().parent.parent)
    limited = pools(root)
    with DagsterInstance.get() as instance:
        for pool in limited:
            instance.event_log_storage.set_concurrency_slots(pool, 1)
    print(f"{len(limited)} pools limited to one run each: {' '.join(limited)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
