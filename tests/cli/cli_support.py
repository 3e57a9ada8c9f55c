"""Running the ``twofold`` command as a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_cli(home: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m twofold.cli ARGS`` with the data directory and database of a test."""
    env = {**os.environ, "TWOFOLD_HOME": str(home), "TWOFOLD_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "twofold.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=300,
        check=False,
    )
