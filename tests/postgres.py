"""A throwaway PostgreSQL server for the end-to-end tests, started from the machine's binaries."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


def postgres_bindir() -> Path:
    """Where initdb and pg_ctl live; a clear error if PostgreSQL is not installed."""
    if pg_config := shutil.which("pg_config"):
        bindir = Path(
            subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=True).stdout.strip()
        )
        if (bindir / "initdb").exists():
            return bindir
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if candidates:
        return Path(candidates[-1]).parent
    if found := shutil.which("initdb"):
        return Path(found).resolve().parent
    msg = (
        "PostgreSQL server binaries (initdb, pg_ctl) not found: install PostgreSQL (Debian: apt-get install postgresql)"
    )
    raise RuntimeError(msg)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Postgres:
    """A running server: connection settings and how to stop it."""

    folder: Path
    port: int
    bindir: Path
    user: str = "postgres"
    host: str = "127.0.0.1"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{database}"

    def run_as_owner(self, *command: str) -> None:
        """Run a server command as the folder's owner: initdb and pg_ctl refuse root."""
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run([*prefix, *command], capture_output=True, text=True, check=False)
        if done.returncode:
            msg = f"{Path(command[0]).name} failed: {done.stderr.strip() or done.stdout.strip()}"
            raise RuntimeError(msg)

    def start(self) -> None:
        data = self.folder / "data"
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        self.run_as_owner(str(self.bindir / "initdb"), "-D", str(data), "-U", self.user, "--auth=trust", "-E", "UTF8")
        options = f"-p {self.port} -k {self.folder} -c listen_addresses={self.host} -c fsync=off"
        log = str(self.folder / "server.log")
        self.run_as_owner(str(self.bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", log, "-w", "start")

    def stop(self) -> None:
        self.run_as_owner(str(self.bindir / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "fast", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


def start_postgres() -> Postgres:
    """A new server in its own folder, one the ``postgres`` user can reach when we are root."""
    folder = Path(tempfile.mkdtemp(prefix="tap-e2e-pg-"))
    folder.chmod(0o755)
    server = Postgres(folder=folder, port=free_port(), bindir=postgres_bindir())
    server.start()
    return server
