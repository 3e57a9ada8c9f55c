"""The fixtures every test can use live in ``harness.py`` (shared with ``benchmarks/``)."""

from harness import (
    admin,
    api,
    database,
    database_url,
    live_server,
    postgres_server,
    quick_password_hashing,
    settings,
    sqlite_template,
)

__all__ = [
    "admin",
    "api",
    "database",
    "database_url",
    "live_server",
    "postgres_server",
    "quick_password_hashing",
    "settings",
    "sqlite_template",
]
