"""Bulk writes of an import: Core inserts and updates in batches, timeline entries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.orm import Session

from twofold.core.enums import RecordType
from twofold.core.progress import ProgressReporter
from twofold.core.time import utcnow
from twofold.store.models import TimelineEntry, User

BATCH_ROWS = 5_000


def insert_rows(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], progress: ProgressReporter
) -> list[int]:
    """Insert ``rows`` in batches; their new ids, in the order of ``rows``."""
    ids: list[int] = []
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    for start in range(0, len(rows), BATCH_ROWS):
        batch = rows[start : start + BATCH_ROWS]
        ids.extend(session.execute(statement, batch).scalars())
        progress.advance(len(batch))
    return ids


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
