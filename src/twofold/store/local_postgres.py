"""A throwaway PostgreSQL server in a directory, for tests and benchmarks.

``initdb`` refuses to run as root, so when we are root the server runs as the unprivileged
``postgres`` user; otherwise as ourselves.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg


@dataclass
class LocalPostgres:
    """A running server: its data directory, port and superuser name."""

    directory: Path
    port: int
    user: str

    def url(self, database: str = "postgres") -> str:
        """SQLAlchemy URL of one database on this server."""
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str) -> None:
        """Run one statement outside a transaction (CREATE/DROP DATABASE)."""
        dsn = f"host=127.0.0.1 port={self.port} user={self.user} dbname=postgres"
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(sql.encode())

    def stop(self) -> None:
        """Stop the server immediately and remove its directory."""
        _run_as_owner(["pg_ctl", "-D", str(self.directory / "data"), "-m", "immediate", "stop"])
        shutil.rmtree(self.directory, ignore_errors=True)


def start_local_postgres(directory: Path | None = None) -> LocalPostgres:
    """initdb + start a server on a free loopback port; the caller must ``stop()`` it.

    As root the server lives in a fresh directory under the system temp folder, because the
    ``postgres`` user cannot enter root's private temp folders.
    """
    if shutil.which("initdb") is None or shutil.which("pg_ctl") is None:
        raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl) are not on the PATH")
    if directory is None or os.geteuid() == 0:
        directory = Path(tempfile.mkdtemp(prefix="twofold-pg-"))
    directory.mkdir(parents=True, exist_ok=True)
    owner = _server_owner()
    if os.geteuid() == 0:
        record = pwd.getpwnam(owner)
        os.chown(directory, record.pw_uid, record.pw_gid)
        directory.chmod(0o700)
    data = directory / "data"
    _run_as_owner(
        [
            "initdb",
            "-D",
            str(data),
            "-U",
            owner,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
            "--locale=C",
        ]
    )
    port = _free_port()
    options = (
        f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    _run_as_owner(
        ["pg_ctl", "-D", str(data), "-o", options, "-l", str(directory / "log"), "-w", "start"]
    )
    return LocalPostgres(directory=directory, port=port, user=owner)


def _server_owner() -> str:
    if os.geteuid() == 0:
        return "postgres"
    return pwd.getpwuid(os.geteuid()).pw_name


def _run_as_owner(command: list[str]) -> None:
    if os.geteuid() == 0:
        binary = shutil.which(command[0]) or command[0]
        command = ["runuser", "-u", "postgres", "--", binary, *command[1:]]
    result = subprocess.run(command, check=False, capture_output=True, text=True, cwd="/")  # noqa: S603
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {result.stderr or result.stdout}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
