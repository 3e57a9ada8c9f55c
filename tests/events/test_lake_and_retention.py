"""The Parquet lake export (incremental, date-partitioned) and event retention."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from twofold.core.time import utcnow
from twofold.events.lake import DEDUP_DAYS, apply_retention, export_lake
from twofold.ingest.messages import Receipt, journal_line
from twofold.ingest.runtime import Ingestion
from twofold.ingest.sources import create_source
from twofold.store.database import Database


@pytest.fixture
def ingestion(database: Database, tmp_path: Path) -> Iterator[Ingestion]:
    running = Ingestion(tmp_path / "home", database)
    running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def source_id(database: Database) -> int:
    with database.transaction() as session:
        source, _key = create_source(session, actor=None, name="Web")
        return source.id


def send(ingestion: Ingestion, source_id: int, *days_ago: int) -> None:
    receipt = Receipt(source_id=source_id, received_at=utcnow())
    lines = [
        journal_line(
            {
                "type": "track",
                "anonymousId": f"d-{index}",
                "event": "Viewed",
                "timestamp": (datetime.now(UTC) - timedelta(days=days)).isoformat(),
            },
            receipt,
        )
        for index, days in enumerate(days_ago)
    ]
    ingestion.journal.append_blocking(b"".join(lines))
    ingestion.flush()


def lake_rows(directory: Path) -> list[tuple[object, ...]]:
    return duckdb.sql(
        f"SELECT date, count(*) FROM read_parquet('{directory}/events/**/*.parquet', "
        "hive_partitioning = true) GROUP BY date ORDER BY date"
    ).fetchall()


def test_the_lake_is_written_incrementally_by_date(
    ingestion: Ingestion, source_id: int, tmp_path: Path
) -> None:
    lake = tmp_path / "lake"
    send(ingestion, source_id, 0, 0, 3)
    first = export_lake(ingestion.store, lake)
    assert first.events == 3
    assert sum(int(str(count)) for _, count in lake_rows(lake)) == 3
    assert len(lake_rows(lake)) == 2  # today and three days ago
    assert export_lake(ingestion.store, lake).events == 0
    send(ingestion, source_id, 0)
    assert export_lake(ingestion.store, lake).events == 1
    assert sum(int(str(count)) for _, count in lake_rows(lake)) == 4
    identities = duckdb.sql(f"SELECT count(*) FROM '{lake}/identity_map.parquet'").fetchall()
    assert identities == [(0,)]


def test_retention_removes_old_events_and_expired_message_ids(
    ingestion: Ingestion, source_id: int
) -> None:
    send(ingestion, source_id, 0, 10, 40)
    with ingestion.store.writer() as writer:
        writer.execute(
            "UPDATE message_ids SET received_at = received_at - INTERVAL (?) DAY "
            "WHERE message_id IN (SELECT message_id FROM message_ids LIMIT 1)",
            [DEDUP_DAYS + 1],
        )
    kept_all = apply_retention(ingestion.store, keep_days=0)
    assert (kept_all.events, kept_all.message_ids) == (0, 1)
    result = apply_retention(ingestion.store, keep_days=30)
    assert result.events == 1
    with ingestion.store.reader() as reader:
        assert reader.execute("SELECT count(*) FROM events").fetchone() == (2,)
