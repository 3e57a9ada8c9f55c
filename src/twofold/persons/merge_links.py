"""Moving a person's B2B links to another person (a merge): memberships, reporting lines,
deals, committee seats, activities and timeline entries.

Each function answers how many rows it moved. Where the surviving person already has the
same link (a membership at the same account, the same role on a deal, the same activity)
the duplicate's row is folded into it and removed instead of creating a second one.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.orm import Session

from twofold.core.enums import RecordType
from twofold.core.time import utcnow
from twofold.store.models import (
    Deal,
    DealStakeholder,
    Membership,
    TimelineEntry,
    activity_persons,
)
from twofold.store.statements import affected_rows

# Not ``ended_on``: the survivor still being at the account wins over a stale leaver date.
MEMBERSHIP_TEXT_FIELDS = ("title", "department", "started_on", "reports_to_id")


def move_memberships(session: Session, *, into_id: int, from_id: int) -> int:
    """Memberships and reporting lines of ``from_id`` become ``into_id``'s."""
    rows = session.scalars(
        select(Membership).where(
            (Membership.person_id.in_([into_id, from_id])) | (Membership.reports_to_id == from_id)
        )
    ).all()
    kept = {row.account_id: row for row in rows if row.person_id == into_id}
    moved = 0
    for row in rows:
        if row.reports_to_id == from_id:
            row.reports_to_id = into_id
    for row in rows:
        if row.person_id != from_id:
            continue
        moved += 1
        existing = kept.get(row.account_id)
        if existing is None:
            row.person_id = into_id
            kept[row.account_id] = row
        else:
            _fold_membership(existing, row)
            session.delete(row)
    for row in kept.values():
        if row.reports_to_id == into_id:  # nobody reports to themselves
            row.reports_to_id = None
    session.flush()
    return moved


def _fold_membership(kept: Membership, duplicate: Membership) -> None:
    for name in MEMBERSHIP_TEXT_FIELDS:
        if getattr(kept, name) is None and getattr(duplicate, name) is not None:
            setattr(kept, name, getattr(duplicate, name))
    roles = list(dict.fromkeys([*kept.buying_roles, *duplicate.buying_roles]))
    if roles != kept.buying_roles:
        kept.buying_roles = roles


def move_customer_deals(session: Session, *, into_id: int, from_id: int) -> list[int]:
    """Deals whose customer is ``from_id`` get ``into_id``; their ids (for their timelines)."""
    deal_ids = list(session.scalars(select(Deal.id).where(Deal.person_id == from_id)))
    if deal_ids:
        affected_rows(
            session,
            update(Deal)
            .where(Deal.id.in_(deal_ids))
            .values(person_id=into_id, version=Deal.version + 1, updated_at=utcnow()),
        )
    return deal_ids


def move_stakeholders(session: Session, *, into_id: int, from_id: int) -> int:
    """Committee seats of ``from_id`` go to ``into_id`` (a role they already hold is dropped)."""
    seats = session.scalars(
        select(DealStakeholder).where(DealStakeholder.person_id.in_([into_id, from_id]))
    ).all()
    held = {(seat.deal_id, seat.buying_role) for seat in seats if seat.person_id == into_id}
    moved = 0
    for seat in seats:
        if seat.person_id != from_id:
            continue
        moved += 1
        if (seat.deal_id, seat.buying_role) in held:
            session.delete(seat)
        else:
            seat.person_id = into_id
            held.add((seat.deal_id, seat.buying_role))
    session.flush()
    return moved


def move_activity_links(session: Session, *, into_id: int, from_id: int) -> int:
    """Activities linked to ``from_id`` are linked to ``into_id`` instead."""
    table = activity_persons
    theirs = set(session.scalars(select(table.c.activity_id).where(table.c.person_id == from_id)))
    if not theirs:
        return 0
    ours = set(session.scalars(select(table.c.activity_id).where(table.c.person_id == into_id)))
    both = theirs & ours
    if both:
        session.execute(
            delete(table).where(table.c.person_id == from_id, table.c.activity_id.in_(both))
        )
    session.execute(update(table).where(table.c.person_id == from_id).values(person_id=into_id))
    return len(theirs)


def move_timeline(session: Session, *, into_id: int, from_id: int) -> int:
    """The duplicate's history becomes part of the survivor's timeline (an activity both were
    on is already there once: its second entry is dropped)."""

    def of_person(person_id: int) -> ColumnElement[bool]:
        return (TimelineEntry.record_type == RecordType.PERSON.value) & (
            TimelineEntry.record_id == person_id
        )

    shared_activities = select(TimelineEntry.activity_id).where(
        of_person(into_id), TimelineEntry.activity_id.is_not(None)
    )
    affected_rows(
        session,
        delete(TimelineEntry).where(
            of_person(from_id), TimelineEntry.activity_id.in_(shared_activities)
        ),
    )
    return affected_rows(
        session, update(TimelineEntry).where(of_person(from_id)).values(record_id=into_id)
    )
