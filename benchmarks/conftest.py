"""Benchmarks reuse the test harness (database fixtures, live server)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from harness import (
    database,
    database_url,
    postgres_server,
    settings,
    sqlite_template,
)

__all__ = ["database", "database_url", "postgres_server", "settings", "sqlite_template"]
