"""Reading a person's profile: computed traits from DuckDB, the rest from the records."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

from sqlalchemy.orm import Session

from twofold.core.money import format_amount
from twofold.core.time import as_utc
from twofold.events.store import EventStore
from twofold.identity.queries import identities_of
from twofold.orders.queries import OrderFilters, list_orders
from twofold.persons.actions import get_person
from twofold.predictions.queries import person_predictions

LATEST_ORDERS: Final = 5

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


def person_profile(session: Session, store: EventStore, person_id: int) -> dict[str, Any]:
    """A person's profile: who they are, their traits, computed traits, identities, latest
    orders and predictions (NotFound for an unknown person)."""
    person = get_person(session, person_id)
    latest, _ = list_orders(
        store, OrderFilters(person_id=person_id), limit=LATEST_ORDERS, cursor=None
    )
    return {
        "person_id": person.id,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "emails": person.emails,
        "phones": person.phones,
        "traits": person.traits,
        "computed": computed_traits(store, person_id),
        "identities": identities_of(session, person_id),
        "latest_orders": latest,
        "predictions": _predictions(store, person_id),
    }


def _predictions(store: EventStore, person_id: int) -> dict[str, Any] | None:
    with store.reader() as reader:
        return person_predictions(reader, person_id)
