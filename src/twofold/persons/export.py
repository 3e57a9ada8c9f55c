"""Everything Twofold holds about one person, as one JSON document (GDPR articles 15 and 20).

The document is assembled from sections; to export one more kind of data (orders...), write
a function ``(session, person) -> JSON value`` and add an :class:`ExportSection` to
:data:`RECORD_SECTIONS`. Events come from the event store, all of them, newest first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import inspect, or_, select
from sqlalchemy.orm import Session

from twofold.auth.permissions import ensure_can_export_person
from twofold.core.enums import RecordType
from twofold.core.json_values import to_json_value
from twofold.core.time import utcnow
from twofold.events.queries import EventFilters, list_events
from twofold.events.store import EventStore
from twofold.identity.mappings import mapping_history
from twofold.orders.queries import OrderFilters, get_order, list_orders
from twofold.persons.actions import get_person
from twofold.persons.stores import PersonStores
from twofold.store.models import (
    Account,
    Activity,
    Deal,
    DealStakeholder,
    IdentityConflict,
    Membership,
    Person,
    TimelineEntry,
    User,
    activity_persons,
)

EXPORT_FORMAT = "twofold.person-export/1"
EVENT_PAGE = 500
PERSON_FIELDS_LEFT_OUT = frozenset({"search_text"})  # derived from the fields that are exported


@dataclass(frozen=True)
class ExportSection:
    """One key of the export document and the function that reads it."""

    name: str
    read: Callable[[Session, Person], Any]


def columns_of(record: object, *, leave_out: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Every mapped column of an ORM record as JSON values."""
    mapper = inspect(record).mapper
    return {
        attribute.key: to_json_value(getattr(record, attribute.key))
        for attribute in mapper.column_attrs
        if attribute.key not in leave_out
    }


def _person(_session: Session, person: Person) -> dict[str, Any]:
    return columns_of(person, leave_out=PERSON_FIELDS_LEFT_OUT)


def _traits(_session: Session, person: Person) -> dict[str, Any]:
    return dict(to_json_value(person.traits))


def _identities(session: Session, person: Person) -> list[dict[str, Any]]:
    return [columns_of(row) for row in mapping_history(session, person.id)]


def _conflicts(session: Session, person: Person) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(IdentityConflict)
        .where(
            or_(
                IdentityConflict.person_id == person.id,
                IdentityConflict.other_person_id == person.id,
            )
        )
        .order_by(IdentityConflict.id)
    )
    return [columns_of(row) for row in rows]


def _memberships(session: Session, person: Person) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Membership, Account.name)
        .join(Account, Account.id == Membership.account_id)
        .where(Membership.person_id == person.id)
        .order_by(Membership.id)
    )
    return [{**columns_of(membership), "account_name": name} for membership, name in rows]


def _deals(session: Session, person: Person) -> list[dict[str, Any]]:
    seats = list(
        session.scalars(select(DealStakeholder).where(DealStakeholder.person_id == person.id))
    )
    deal_ids = {seat.deal_id for seat in seats}
    deals = session.scalars(
        select(Deal)
        .where(or_(Deal.person_id == person.id, Deal.id.in_(deal_ids)))
        .order_by(Deal.id)
    )
    return [
        {
            **columns_of(deal, leave_out=PERSON_FIELDS_LEFT_OUT),
            "is_customer": deal.person_id == person.id,
            "roles": [
                {"buying_role": seat.buying_role, "sentiment": seat.sentiment}
                for seat in seats
                if seat.deal_id == deal.id
            ],
        }
        for deal in deals
    ]


def _activities(session: Session, person: Person) -> list[dict[str, Any]]:
    linked = select(activity_persons.c.activity_id).where(activity_persons.c.person_id == person.id)
    rows = session.scalars(
        select(Activity).where(Activity.id.in_(linked)).order_by(Activity.occurred_at)
    )
    return [columns_of(row) for row in rows]


def _timeline(session: Session, person: Person) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(TimelineEntry)
        .where(
            TimelineEntry.record_type == RecordType.PERSON.value,
            TimelineEntry.record_id == person.id,
        )
        .order_by(TimelineEntry.id)
    )
    return [columns_of(row) for row in rows]


RECORD_SECTIONS: tuple[ExportSection, ...] = (
    ExportSection("person", _person),
    ExportSection("traits", _traits),
    ExportSection("identities", _identities),
    ExportSection("identity_conflicts", _conflicts),
    ExportSection("memberships", _memberships),
    ExportSection("deals", _deals),
    ExportSection("activities", _activities),
    ExportSection("timeline", _timeline),
)


def export_person(stores: PersonStores, *, actor: User | None, person_id: int) -> dict[str, Any]:
    """The export document of one person: records sections, then all their events."""
    ensure_can_export_person(actor)
    with stores.database.transaction(write=False) as session:
        person = get_person(session, person_id)
        document: dict[str, Any] = {
            "format": EXPORT_FORMAT,
            "exported_at": utcnow().isoformat(),
            "person_id": person.id,
        }
        for section in RECORD_SECTIONS:
            document[section.name] = section.read(session, person)
    document["events"] = person_events(stores.events, person_id)
    document["orders"] = person_orders(stores.events, person_id)
    return document


def person_orders(store: EventStore, person_id: int) -> list[dict[str, Any]]:
    """Every order of the person with its lines, newest first, as JSON values."""
    orders: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        page, cursor = list_orders(
            store, OrderFilters(person_id=person_id), limit=EVENT_PAGE, cursor=cursor
        )
        for order in page:
            full = get_order(store, source_id=order["source_id"], order_id=order["order_id"])
            orders.append(to_json_value(full))
        if cursor is None:
            return orders


def person_events(store: EventStore, person_id: int) -> list[dict[str, Any]]:
    """Every event of the person, newest first, as JSON values."""
    events: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        page, cursor = list_events(
            store, EventFilters(person_id=person_id), limit=EVENT_PAGE, cursor=cursor
        )
        events.extend(to_json_value(event) for event in page)
        if cursor is None:
            return events
