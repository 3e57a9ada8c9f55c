"""A running ingestion pipeline (journal, DuckDB, loader) over the test database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from twofold.ingest.runtime import Ingestion
from twofold.ingest.sources import create_source
from twofold.store.database import Database


@pytest.fixture
def ingestion(database: Database, tmp_path: Path) -> Iterator[Ingestion]:
    """Started on a fresh data directory; segments rotate only when a test flushes."""
    running = Ingestion(tmp_path / "home", database, rotate_seconds=60)
    running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def source_id(database: Database) -> int:
    """A source named "Web" (events name their source)."""
    with database.transaction() as session:
        source, _key = create_source(session, actor=None, name="Web")
        return source.id
