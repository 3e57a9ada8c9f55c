"""Append to and read record timelines."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.core.enums import RecordType
from twofold.core.time import utcnow
from twofold.store.models import TimelineEntry, User

RecordRef = tuple[RecordType, int]


def append_to_timelines(
    session: Session,
    *,
    actor: User | None,
    records: Iterable[RecordRef],
    kind: str,
    summary: str,
    changes: Mapping[str, Any] | None = None,
    activity_id: int | None = None,
    at: datetime | None = None,
) -> None:
    """Write one entry to the timeline of each record the change touched (``at``: when it
    happened, if not now — a record stamped with an earlier ``created_at``)."""
    at = at or utcnow()
    payload = {key: _jsonable(value) for key, value in (changes or {}).items()}
    for record_type, record_id in dict.fromkeys(records):
        session.add(
            TimelineEntry(
                record_type=record_type.value,
                record_id=record_id,
                at=at,
                actor_id=actor.id if actor else None,
                kind=kind,
                summary=summary,
                changes=payload,
                activity_id=activity_id,
            )
        )


def field_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """``{field: {"before": old, "after": new}}`` for the fields whose value changed."""
    return {
        key: {"before": _jsonable(before.get(key)), "after": _jsonable(value)}
        for key, value in after.items()
        if before.get(key) != value
    }


def read_timeline(
    session: Session, *, record: RecordRef, limit: int = 50, before_id: int | None = None
) -> list[TimelineEntry]:
    """The newest entries of one record's timeline, newest first."""
    record_type, record_id = record
    query = (
        select(TimelineEntry)
        .where(TimelineEntry.record_type == record_type.value, TimelineEntry.record_id == record_id)
        .order_by(TimelineEntry.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        query = query.where(TimelineEntry.id < before_id)
    return list(session.scalars(query))


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    return value
