"""Drive the real pipeline (journal → DuckDB → identities → orders and computed traits)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from twofold.core.time import utcnow
from twofold.ingest.messages import Receipt, journal_line
from twofold.ingest.runtime import Ingestion
from twofold.ingest.sources import create_source
from twofold.store.database import Database

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(hours: float) -> str:
    """An ISO timestamp ``hours`` after START (events carry their own time)."""
    return (START + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")


def moment(hours: float) -> datetime:
    """The aware datetime ``hours`` after START."""
    return START + timedelta(hours=hours)


@pytest.fixture
def ingestion(database: Database, tmp_path: Path) -> Iterator[Ingestion]:
    """A running pipeline on a temporary data directory."""
    running = Ingestion(tmp_path / "home", database)
    running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def source_id(database: Database) -> int:
    """A source named "Web shop"."""
    with database.transaction() as session:
        source, _key = create_source(session, actor=None, name="Web shop")
        return int(source.id)


def send(ingestion: Ingestion, source_id: int, *messages: dict[str, Any]) -> None:
    """Journal the messages as one request would, then wait until everything is derived."""
    receipt = Receipt(source_id=source_id, received_at=utcnow())
    ingestion.journal.append_blocking(
        b"".join(journal_line(message, receipt) for message in messages)
    )
    ingestion.flush()
    assert ingestion.last_error is None, ingestion.last_error


def order_event(
    name: str, order_id: str, hours: float, *, who: dict[str, str], **properties: Any
) -> dict[str, Any]:
    """A Segment ecommerce track call about one order."""
    return {
        "type": "track",
        "event": name,
        "timestamp": at(hours),
        **who,
        "properties": {"order_id": order_id, **properties},
    }


def query(ingestion: Ingestion, sql: str, *parameters: object) -> list[tuple[Any, ...]]:
    """Rows from the event store."""
    with ingestion.store.reader() as reader:
        return reader.execute(sql, list(parameters)).fetchall()


def person_of(ingestion: Ingestion, user_id: str) -> int:
    """The person an identified user id belongs to."""
    rows = query(
        ingestion,
        "SELECT person_id FROM identity_map WHERE kind = 'user_id' AND value = ?",
        user_id,
    )
    assert rows, f"no person for {user_id}"
    return int(rows[0][0])


DERIVED_SNAPSHOT = {
    "orders": "SELECT source_id, order_id, person_id, status, total, revenue, refunded, net, "
    "currency, channel, placed_at, updated_at FROM orders ORDER BY ALL",
    "order_lines": "SELECT * FROM order_lines ORDER BY ALL",
    "person_stats": "SELECT * FROM person_stats ORDER BY ALL",
    "person_event_counts": "SELECT * FROM person_event_counts ORDER BY ALL",
    "person_category_counts": "SELECT * FROM person_category_counts ORDER BY ALL",
    "person_revenue": "SELECT * FROM person_revenue ORDER BY ALL",
}


def snapshot(ingestion: Ingestion) -> dict[str, list[tuple[Any, ...]]]:
    """Every derived table's rows (surrogate order keys left out)."""
    return {name: query(ingestion, sql) for name, sql in DERIVED_SNAPSHOT.items()}
