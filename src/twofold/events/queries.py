"""Reading events back: filtered, newest first, keyset-paginated; and counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson

from twofold.core.errors import ValidationFailed
from twofold.core.time import as_utc, naive_utc
from twofold.events.store import EventStore
from twofold.store.listing import decode_cursor, encode_cursor

SORT = "-timestamp"


@dataclass(frozen=True)
class EventFilters:
    """The filters of ``GET /api/v1/events`` and ``/events/count``."""

    person_id: int | None = None
    name: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    source_id: int | None = None
    type: str | None = None

    def where(self) -> tuple[list[str], list[Any]]:
        """SQL conditions (placeholders only) and their values."""
        if self.since and self.until and self.since >= self.until:
            raise ValidationFailed.on("since", "must be before until")
        conditions: list[str] = []
        values: list[Any] = []
        for column, value in (
            ("person_id", self.person_id),
            ("name", self.name),
            ("source_id", self.source_id),
            ("type", self.type),
        ):
            if value is not None:
                conditions.append(f"{column} = ?")
                values.append(value)
        if self.since is not None:
            conditions.append("timestamp >= ?")
            values.append(naive_utc(self.since))
        if self.until is not None:
            conditions.append("timestamp < ?")
            values.append(naive_utc(self.until))
        return conditions, values


_FIELDS = (
    "event_id, source_id, message_id, type, name, person_id, user_id, anonymous_id, "
    "previous_id, group_id, timestamp, original_timestamp, sent_at, received_at, revenue, "
    "currency, order_id, product_id, category, properties, traits, context"
)


def list_events(
    store: EventStore, filters: EventFilters, *, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of events, newest first (by timestamp, then by arrival)."""
    conditions, values = filters.where()
    if cursor is not None:
        sort, moment, event_id = decode_cursor(cursor)
        if sort != SORT or not isinstance(moment, datetime):
            raise ValidationFailed.on("cursor", "is not a cursor returned by this API")
        conditions.append("(timestamp < ? OR (timestamp = ? AND event_id < ?))")
        values.extend([naive_utc(moment), naive_utc(moment), event_id])
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    sql = f"SELECT {_FIELDS} FROM events {where} ORDER BY timestamp DESC, event_id DESC LIMIT ?"  # noqa: S608 (constant columns; values are parameters)
    with store.reader() as reader:
        result = reader.execute(sql, [*values, limit + 1])
        names = [column[0] for column in result.description or []]
        rows = [dict(zip(names, row, strict=True)) for row in result.fetchall()]
    more = len(rows) > limit
    items = [_event_out(row) for row in rows[:limit]]
    next_cursor = None
    if more and items:
        last = rows[limit - 1]
        next_cursor = encode_cursor(as_utc(last["timestamp"]), last["event_id"], sort=SORT)
    return items, next_cursor


def count_events(store: EventStore, filters: EventFilters) -> int:
    """How many events match."""
    conditions, values = filters.where()
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    with store.reader() as reader:
        row = reader.execute(f"SELECT count(*) FROM events {where}", values).fetchone()  # noqa: S608
    return int(row[0]) if row else 0


def _event_out(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for key in ("timestamp", "original_timestamp", "sent_at", "received_at"):
        if out[key] is not None:
            out[key] = as_utc(out[key])
    for key in ("properties", "traits", "context"):
        out[key] = orjson.loads(out[key]) if out[key] is not None else None
    if isinstance(out["revenue"], Decimal):
        out["revenue"] = str(out["revenue"])
    return out


def latest_events(
    store: EventStore,
    *,
    source_id: int | None = None,
    after_event_id: int | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """The newest arrivals, newest first (by event id: the order they were loaded in), only
    those after ``after_event_id`` when given — what a live view polls for."""
    conditions: list[str] = []
    values: list[Any] = []
    if source_id is not None:
        conditions.append("source_id = ?")
        values.append(source_id)
    if after_event_id is not None:
        conditions.append("event_id > ?")
        values.append(after_event_id)
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    sql = f"SELECT {_FIELDS} FROM events {where} ORDER BY event_id DESC LIMIT ?"  # noqa: S608 (constant columns; values are parameters)
    with store.reader() as reader:
        result = reader.execute(sql, [*values, limit])
        names = [column[0] for column in result.description or []]
        rows = [dict(zip(names, row, strict=True)) for row in result.fetchall()]
    return [_event_out(row) for row in rows]
