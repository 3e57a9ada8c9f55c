"""The database handle: one engine and session factory per process, created on demand."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


@dataclass(frozen=True)
class Database:
    """An engine plus the factories that open sessions on it.

    ``sessions`` start deferred transactions (for reading); ``write_sessions`` take the write
    lock when they begin. On SQLite that matters: a deferred transaction that reads and then
    writes fails at once with "database is locked" if another writer committed meanwhile,
    whereas ``BEGIN IMMEDIATE`` waits for the lock (busy timeout). On PostgreSQL both are the same.
    """

    engine: Engine
    sessions: sessionmaker[Session]
    write_sessions: sessionmaker[Session]

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Session]:
        """A session that commits when the block ends and rolls back if it raises."""
        factory = self.write_sessions if write else self.sessions
        with factory.begin() as session:
            yield session

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def open_database(url: str) -> Database:
    """Create the engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        engine = _sqlite_engine(url)
    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
    writer = (
        engine.execution_options(sqlite_begin="IMMEDIATE") if url.startswith("sqlite") else engine
    )
    return Database(
        engine=engine,
        sessions=sessionmaker(engine, expire_on_commit=False),
        write_sessions=sessionmaker(writer, expire_on_commit=False),
    )


def _sqlite_engine(url: str) -> Engine:
    path = url.removeprefix("sqlite:///")
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling would swallow BEGIN; let SQLAlchemy emit it.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "")
        connection.exec_driver_sql(f"BEGIN {mode}" if mode == "IMMEDIATE" else "BEGIN")

    return engine
