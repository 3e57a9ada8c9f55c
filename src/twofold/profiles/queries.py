"""Reading a person's computed traits back from DuckDB."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from twofold.core.money import format_amount
from twofold.core.time import as_utc
from twofold.events.store import EventStore

_STATS = """
SELECT first_seen, last_seen, events, orders, last_order_at, favourite_category
FROM person_stats WHERE person_id = ?
"""
_EVENT_COUNTS = """
SELECT type, name, events, first_at, last_at FROM person_event_counts
WHERE person_id = ? ORDER BY events DESC, type, name
"""
_REVENUE = """
SELECT currency, orders, revenue, last_order_at FROM person_revenue
WHERE person_id = ? ORDER BY currency
"""


def computed_traits(store: EventStore, person_id: int) -> dict[str, Any]:
    """The computed traits of a person (empty values for somebody without events)."""
    with store.reader() as reader:
        stats = reader.execute(_STATS, [person_id]).fetchone()
        counts = reader.execute(_EVENT_COUNTS, [person_id]).fetchall()
        revenue = reader.execute(_REVENUE, [person_id]).fetchall()
    first_seen, last_seen, events, orders, last_order_at, favourite = stats or (
        None,
        None,
        0,
        0,
        None,
        None,
    )
    return {
        "first_seen": _moment(first_seen),
        "last_seen": _moment(last_seen),
        "events": int(events),
        "event_counts": [
            {
                "type": kind,
                "name": name or None,
                "count": int(count),
                "first_at": as_utc(first_at),
                "last_at": as_utc(last_at),
            }
            for kind, name, count, first_at, last_at in counts
        ],
        "orders": int(orders),
        "last_order_at": _moment(last_order_at),
        "revenue": [_revenue_out(*row) for row in revenue],
        "favourite_category": favourite,
    }


def _revenue_out(currency: str, orders: int, revenue: Decimal, last: Any) -> dict[str, Any]:
    """Net revenue in one currency, and the average order value (net revenue / orders)."""
    return {
        "currency": currency,
        "orders": int(orders),
        "revenue": format_amount(revenue, currency),
        "average_order_value": format_amount(revenue / orders, currency),
        "last_order_at": as_utc(last),
    }


def _moment(value: Any) -> Any:
    return as_utc(value) if value is not None else None
