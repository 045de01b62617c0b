"""The embedded PostgreSQL cluster: initdb, start, stop and status under ``.canopy/pg``."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

from processes.exceptions import ServiceUnavailable


def pg_binary(name: str) -> str:
    """Path of a PostgreSQL server binary (newest installed major version first)."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    path = found[0] if found else shutil.which(name)
    if not path:
        raise ServiceUnavailable(
            reason=f"PostgreSQL binary '{name}' not found; run scripts/install-system.sh"
        )
    return path


def _as_postgres(cmd: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root: run them as the postgres system user.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """True when something already listens on ``host:port``."""
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


@dataclass(frozen=True)
class EmbeddedPostgres:
    """A PostgreSQL cluster owned by Canopy, listening on 127.0.0.1 and a socket in its dir."""

    directory: Path
    """Holds ``data/`` (the cluster), ``server.log`` and the unix socket."""
    port: int
    """TCP port on 127.0.0.1."""
    durable: bool = True
    """False turns fsync off (tests): faster, but a crash may lose data."""

    @property
    def data_dir(self) -> Path:
        """The PostgreSQL data directory."""
        return self.directory / "data"

    @property
    def log_file(self) -> Path:
        """The server log."""
        return self.directory / "server.log"

    def initialised(self) -> bool:
        """True when initdb has run."""
        return (self.data_dir / "PG_VERSION").exists()

    def init(self) -> bool:
        """Run initdb unless done already; returns True when a new cluster was made."""
        if self.initialised():
            return False
        self.directory.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
            _ensure_traversable(self.directory)
        cmd = [pg_binary("initdb"), "-D", str(self.data_dir), "-U", "postgres", "-A", "trust"]
        cmd += ["-E", "UTF8", "--locale=C.UTF-8"]
        if not self.durable:
            cmd.append("--no-sync")
        _run(_as_postgres(cmd), "initdb")
        return True

    def running(self) -> bool:
        """True when the cluster's postmaster is alive."""
        if not self.initialised():
            return False
        proc = subprocess.run(
            _as_postgres([pg_binary("pg_ctl"), "-D", str(self.data_dir), "status"]),
            capture_output=True,
            text=True,
            check=False,
        )
        return proc.returncode == 0

    def start(self) -> bool:
        """Start the cluster unless it runs; returns True when it was started now.

        Raises:
            ServiceUnavailable: the port is taken by another program, or the server failed.
        """
        if self.running():
            return False
        if port_in_use(self.port):
            raise ServiceUnavailable(
                reason=f"port {self.port} on 127.0.0.1 is already in use by another program; "
                "choose another with CANOPY_PG_PORT=<port>"
            )
        opts = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
        if not self.durable:
            opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        cmd = [pg_binary("pg_ctl"), "-D", str(self.data_dir), "-l", str(self.log_file)]
        _run(_as_postgres([*cmd, "-w", "-t", "60", "-o", opts, "start"]), "pg_ctl start")
        return True

    def stop(self, mode: str = "fast") -> bool:
        """Stop the cluster if it runs; returns True when it was stopped now."""
        if not self.running():
            return False
        cmd = [pg_binary("pg_ctl"), "-D", str(self.data_dir), "-m", mode, "-w", "stop"]
        _run(_as_postgres(cmd), "pg_ctl stop")
        return True


def _ensure_traversable(path: Path) -> None:
    # The postgres user must be able to reach the cluster dir through every parent.
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            raise ServiceUnavailable(
                reason=f"the postgres user cannot enter '{parent}' (mode {oct(mode)[-3:]}); "
                "put the Canopy home (CANOPY_HOME) under a world-traversable directory"
            )


def _run(cmd: list[str], what: str) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise ServiceUnavailable(reason=f"{what} failed: {' '.join(detail)}")
