"""Bulk writes of an import: Core inserts and updates in batches, timeline entries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, text, update
from sqlalchemy.orm import Session

from twofold.core.enums import RecordType
from twofold.core.progress import ProgressReporter
from twofold.core.time import utcnow
from twofold.store.models import TimelineEntry, User

BATCH_ROWS = 5_000


def insert_rows(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], progress: ProgressReporter
) -> list[int]:
    """Insert ``rows`` in batches with ids reserved first; their ids, in order.

    ``RETURNING`` in row order makes SQLite run one statement per row; reserved ids keep the
    driver's ``executemany``.
    """
    ids = reserve_ids(session, table, len(rows))
    statement = insert(table)
    for start in range(0, len(rows), BATCH_ROWS):
        batch = [
            {**row, "id": record_id}
            for row, record_id in zip(
                rows[start : start + BATCH_ROWS], ids[start : start + BATCH_ROWS], strict=True
            )
        ]
        session.execute(statement, batch)
        progress.advance(len(batch))
    return ids


def reserve_ids(session: Session, table: Table, count: int) -> list[int]:
    """``count`` ids nobody else will use: from the sequence on PostgreSQL; on SQLite the
    ones after the largest (the write transaction holds the database's only write lock)."""
    if count == 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        reserved = session.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"
            ),
            {"table": table.name, "n": count},
        )
        return [int(value) for (value,) in reserved]
    largest = int(session.scalar(select(func.max(table.c.id))) or 0)
    return list(range(largest + 1, largest + 1 + count))


def update_rows(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    progress: ProgressReporter,
) -> None:
    """Write ``columns`` of each row (``row_id`` names it), bumping its version."""
    statement = (
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values(
            {name: bindparam(name) for name in columns}
            | {"version": table.c.version + 1, "updated_at": bindparam("updated_at")}
        )
    )
    now = utcnow()
    for start in range(0, len(rows), BATCH_ROWS):
        batch = [
            {"row_id": row["id"], "updated_at": now, **{name: row[name] for name in columns}}
            for row in rows[start : start + BATCH_ROWS]
        ]
        session.connection().execute(statement, batch)
        progress.advance(len(batch))


def add_timeline_entries(
    session: Session,
    *,
    actor: User | None,
    record_type: RecordType,
    entries: Sequence[tuple[int, str, str]],
) -> None:
    """One timeline entry per ``(record id, kind, summary)``, in batches."""
    now = utcnow()
    table = cast("Table", TimelineEntry.__table__)
    rows: list[dict[str, Any]] = [
        {
            "record_type": record_type.value,
            "record_id": record_id,
            "at": now,
            "actor_id": actor.id if actor else None,
            "kind": kind,
            "summary": summary,
            "changes": {},
            "activity_id": None,
        }
        for record_id, kind, summary in entries
    ]
    for start in range(0, len(rows), BATCH_ROWS):
        session.execute(insert(table), rows[start : start + BATCH_ROWS])
