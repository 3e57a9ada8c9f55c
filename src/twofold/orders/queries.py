"""Reading orders back: filtered, newest first, keyset-paginated; one order with its lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from twofold.core.errors import NotFound, ValidationFailed
from twofold.core.money import format_amount
from twofold.core.time import as_utc, naive_utc
from twofold.events.store import EventStore
from twofold.store.listing import decode_cursor, encode_cursor

SORT: Final = "-placed_at"
STATUSES: Final = ("completed", "updated", "refunded", "cancelled")

_FIELDS: Final = (
    "order_key, source_id, order_id, person_id, status, total, revenue, refunded, net, "
    "currency, channel, placed_at, updated_at"
)
_LINE_FIELDS: Final = (
    "line_number, product_id, sku, name, category, brand, variant, price, quantity"
)


@dataclass(frozen=True)
class OrderFilters:
    """The filters of ``GET /api/v1/orders``; ``since``/``until`` bound ``placed_at``."""

    person_id: int | None = None
    source_id: int | None = None
    status: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def where(self) -> tuple[list[str], list[Any]]:
        """SQL conditions (placeholders only) and their values."""
        if self.since and self.until and self.since >= self.until:
            raise ValidationFailed.on("since", "must be before until")
        if self.status is not None and self.status not in STATUSES:
            raise ValidationFailed.on("status", f"must be one of {', '.join(STATUSES)}")
        conditions: list[str] = []
        values: list[Any] = []
        for column, value in (
            ("person_id", self.person_id),
            ("source_id", self.source_id),
            ("status", self.status),
        ):
            if value is not None:
                conditions.append(f"{column} = ?")
                values.append(value)
        if self.since is not None:
            conditions.append("placed_at >= ?")
            values.append(naive_utc(self.since))
        if self.until is not None:
            conditions.append("placed_at < ?")
            values.append(naive_utc(self.until))
        return conditions, values


def list_orders(
    store: EventStore, filters: OrderFilters, *, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of orders, newest placed first."""
    conditions, values = filters.where()
    if cursor is not None:
        sort, moment, order_key = decode_cursor(cursor)
        if sort != SORT or not isinstance(moment, datetime):
            raise ValidationFailed.on("cursor", "is not a cursor returned by this API")
        conditions.append("(placed_at < ? OR (placed_at = ? AND order_key < ?))")
        values.extend([naive_utc(moment), naive_utc(moment), order_key])
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    sql = f"SELECT {_FIELDS} FROM orders {where} ORDER BY placed_at DESC, order_key DESC LIMIT ?"  # noqa: S608 (constant columns; values are parameters)
    rows = _fetch(store, sql, [*values, limit + 1])
    items = [order_out(row) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor(as_utc(last["placed_at"]), last["order_key"], sort=SORT)
    return items, next_cursor


def get_order(store: EventStore, *, source_id: int, order_id: str) -> dict[str, Any]:
    """One order with its lines, or NotFound."""
    rows = _fetch(
        store,
        f"SELECT {_FIELDS} FROM orders WHERE source_id = ? AND order_id = ?",  # noqa: S608
        [source_id, order_id],
    )
    if not rows:
        raise NotFound(f"no order {order_id!r} from source {source_id}")
    order = order_out(rows[0])
    lines = _fetch(
        store,
        f"SELECT {_LINE_FIELDS} FROM order_lines "  # noqa: S608
        "WHERE source_id = ? AND order_id = ? ORDER BY line_number",
        [source_id, order_id],
    )
    order["lines"] = [_line_out(line, order["currency"]) for line in lines]
    return order


def order_out(row: dict[str, Any]) -> dict[str, Any]:
    """The API form of an order row: money as decimal strings, times as aware UTC."""
    currency = str(row["currency"])
    return {
        "source_id": row["source_id"],
        "order_id": row["order_id"],
        "person_id": row["person_id"],
        "status": row["status"],
        "currency": currency,
        "total": _money(row["total"], currency),
        "revenue": _money(row["revenue"], currency),
        "refunded": _money(row["refunded"], currency),
        "net": _money(row["net"], currency),
        "channel": row["channel"],
        "placed_at": as_utc(row["placed_at"]),
        "updated_at": as_utc(row["updated_at"]),
    }


def _line_out(row: dict[str, Any], currency: str) -> dict[str, Any]:
    price = row["price"]
    line_total = price * row["quantity"] if price is not None else None
    return {
        **row,
        "price": _money(price, currency),
        "line_total": _money(line_total, currency),
    }


def _money(amount: Decimal | None, currency: str) -> str | None:
    return format_amount(amount, currency) if amount is not None else None


def _fetch(store: EventStore, sql: str, values: list[Any]) -> list[dict[str, Any]]:
    with store.reader() as reader:
        result = reader.execute(sql, values)
        names = [column[0] for column in result.description or []]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]
