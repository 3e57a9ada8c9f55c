"""``twofold`` as real processes: the command line, and ``twofold serve`` that a test can
kill -9 (the durability tests of ingestion and flows)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from support import free_port


def cli_environment(home: Path) -> dict[str, str]:
    """The process environment with only our data directory (SQLite, the default database)."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("TWOFOLD_")}
    return {**inherited, "TWOFOLD_HOME": str(home)}


def run_cli(home: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "twofold.cli", *args],
        capture_output=True,
        text=True,
        env=cli_environment(home),
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


class Server:
    """``twofold serve`` as a real process."""

    def __init__(self, home: Path, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "twofold.cli", "serve", "--port", str(self.port)],
            env=cli_environment(home),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while True:
            assert self.process.poll() is None, f"the server exited: {log.read_text()}"
            assert time.monotonic() < deadline, "the server did not start"
            try:
                if httpx.get(f"{self.url}/openapi.json", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self._log.close()

    def stop(self) -> None:
        """SIGTERM: uvicorn shuts the app down, which loads every segment left."""
        self.process.send_signal(signal.SIGTERM)
        # uvicorn shuts down gracefully, then re-raises the signal it caught.
        assert self.process.wait(timeout=30) in {0, -signal.SIGTERM}
        self._log.close()
