"""Cursor (keyset) pagination and sorting for list endpoints.

A cursor is the opaque, base64-encoded ``[sort value, id]`` of the last row of a page, so
that a page costs an index seek however deep the client has paged.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute, Session

from twofold.core.errors import ValidationFailed

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


@dataclass(frozen=True)
class PageRequest:
    """What page the client asks for: size, position, order (``name`` or ``-updated_at``).

    Only non-null columns are sortable, so that keyset order is the same on every database.
    """

    limit: int = DEFAULT_LIMIT
    cursor: str | None = None
    sort: str | None = None


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results and the cursor of the next page (``None`` on the last)."""

    items: list[T]
    next_cursor: str | None


def paginate(
    session: Session,
    query: Select[T],
    *,
    page: PageRequest,
    sortable: dict[str, InstrumentedAttribute[Any]],
    default_sort: str,
    id_column: InstrumentedAttribute[int],
) -> Page[T]:
    """Run ``query`` ordered by the requested sort key then id, from the cursor on."""
    if not 1 <= page.limit <= MAX_LIMIT:
        raise ValidationFailed.on("limit", f"must be between 1 and {MAX_LIMIT}")
    sort = page.sort or default_sort
    descending = sort.startswith("-")
    key = sort.removeprefix("-")
    if key not in sortable:
        raise ValidationFailed.on("sort", f"sort by one of {', '.join(sorted(sortable))}")
    column = sortable[key]
    if page.cursor:
        position = _position_for(page.cursor, sort=sort, column=column)
        query = query.where(_after(column, id_column, position, descending=descending))
    order = (column.desc(), id_column.desc()) if descending else (column.asc(), id_column.asc())
    rows: Sequence[Any] = session.execute(query.order_by(*order).limit(page.limit + 1)).all()
    items = [row[0] for row in rows[: page.limit]]
    next_cursor = None
    if len(rows) > page.limit:
        last = items[-1]
        next_cursor = encode_cursor(
            getattr(last, column.key), getattr(last, id_column.key), sort=sort
        )
    return Page(items=items, next_cursor=next_cursor)


def encode_cursor(value: Any, row_id: int, *, sort: str) -> str:
    """The opaque cursor for a row of a list ordered by ``sort``."""
    if isinstance(value, datetime | date):
        value = {"t": value.isoformat(), "k": "datetime" if isinstance(value, datetime) else "date"}
    elif isinstance(value, Decimal):
        value = {"t": str(value), "k": "decimal"}
    raw = json.dumps([sort, value, row_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, Any, int]:
    """The ``(sort, value, id)`` inside a cursor; a tampered cursor is a validation error."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        sort, value, row_id = json.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        raise ValidationFailed.on("cursor", "is not a cursor returned by this API") from None
    if not isinstance(sort, str) or not isinstance(row_id, int) or not 0 <= row_id < 2**63:
        raise ValidationFailed.on("cursor", "is not a cursor returned by this API")
    if isinstance(value, dict):
        try:
            kind, text = value["k"], value["t"]
            parsers: dict[str, Any] = {
                "datetime": datetime.fromisoformat,
                "date": date.fromisoformat,
                "decimal": Decimal,
            }
            value = parsers[kind](text)
        except (KeyError, ValueError, ArithmeticError):
            raise ValidationFailed.on("cursor", "is not a cursor returned by this API") from None
    return sort, value, row_id


def _position_for(cursor: str, *, sort: str, column: InstrumentedAttribute[Any]) -> tuple[Any, int]:
    """The cursor's position, if it was made for this order and its value fits the column."""
    cursor_sort, value, row_id = decode_cursor(cursor)
    if cursor_sort != sort:
        raise ValidationFailed.on("cursor", f"was made for sort={cursor_sort}, not sort={sort}")
    expected = column.type.python_type
    if isinstance(value, bool) or not isinstance(value, expected):
        raise ValidationFailed.on("cursor", "is not a cursor returned by this API")
    return value, row_id


def _after(
    column: InstrumentedAttribute[Any],
    id_column: InstrumentedAttribute[int],
    position: tuple[Any, int],
    *,
    descending: bool,
) -> ColumnElement[bool]:
    value, row_id = position
    if descending:
        return or_(column < value, and_(column == value, id_column < row_id))
    return or_(column > value, and_(column == value, id_column > row_id))
