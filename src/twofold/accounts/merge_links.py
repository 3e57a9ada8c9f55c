"""Moving an account's links to another account (a merge): memberships, deals, channel-partner
seats, activities, subsidiaries, event-source groups and timeline entries.

Each function answers how many rows it moved. Where the surviving account already has the
same link (the same person, the same partner role on a deal, the same activity) the
duplicate's row is folded into it and removed instead of creating a second one.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from twofold.core.enums import RecordType
from twofold.core.time import utcnow
from twofold.store.models import (
    Account,
    AccountGroup,
    Deal,
    DealPartner,
    Membership,
    TimelineEntry,
    activity_accounts,
)
from twofold.store.statements import affected_rows

MEMBERSHIP_FIELDS = ("title", "department", "reports_to_id", "started_on", "ended_on")


def move_memberships(session: Session, *, into_id: int, from_id: int) -> int:
    """People at the duplicate are at the survivor (one membership per person)."""
    rows = session.scalars(
        select(Membership).where(Membership.account_id.in_([into_id, from_id]))
    ).all()
    kept = {row.person_id: row for row in rows if row.account_id == into_id}
    moved = 0
    for row in rows:
        if row.account_id != from_id:
            continue
        moved += 1
        existing = kept.get(row.person_id)
        if existing is None:
            row.account_id = into_id
            continue
        for name in MEMBERSHIP_FIELDS:
            if getattr(existing, name) is None and getattr(row, name) is not None:
                setattr(existing, name, getattr(row, name))
        roles = list(dict.fromkeys([*existing.buying_roles, *row.buying_roles]))
        if roles != existing.buying_roles:
            existing.buying_roles = roles
        session.delete(row)
    session.flush()
    return moved


def move_deals(session: Session, *, into_id: int, from_id: int) -> list[int]:
    """Deals of the duplicate belong to the survivor; their ids (for their timelines)."""
    deal_ids = list(session.scalars(select(Deal.id).where(Deal.account_id == from_id)))
    if deal_ids:
        affected_rows(
            session,
            update(Deal)
            .where(Deal.id.in_(deal_ids))
            .values(account_id=into_id, version=Deal.version + 1, updated_at=utcnow()),
        )
    return deal_ids


def move_partner_seats(session: Session, *, into_id: int, from_id: int) -> int:
    """Channel-partner seats of the duplicate go to the survivor (a seat it holds is dropped)."""
    seats = session.scalars(
        select(DealPartner).where(DealPartner.account_id.in_([into_id, from_id]))
    ).all()
    held = {(seat.deal_id, seat.role) for seat in seats if seat.account_id == into_id}
    moved = 0
    for seat in seats:
        if seat.account_id != from_id:
            continue
        moved += 1
        if (seat.deal_id, seat.role) in held:
            session.delete(seat)
        else:
            seat.account_id = into_id
            held.add((seat.deal_id, seat.role))
    session.flush()
    return moved


def move_activity_links(session: Session, *, into_id: int, from_id: int) -> int:
    """Activities linked to the duplicate are linked to the survivor instead."""
    table = activity_accounts
    theirs = set(session.scalars(select(table.c.activity_id).where(table.c.account_id == from_id)))
    if not theirs:
        return 0
    ours = set(session.scalars(select(table.c.activity_id).where(table.c.account_id == into_id)))
    if theirs & ours:
        session.execute(
            delete(table).where(
                table.c.account_id == from_id, table.c.activity_id.in_(theirs & ours)
            )
        )
    session.execute(update(table).where(table.c.account_id == from_id).values(account_id=into_id))
    return len(theirs)


def move_subsidiaries(session: Session, *, into_id: int, from_id: int) -> int:
    """The duplicate's child accounts become the survivor's."""
    return affected_rows(
        session,
        update(Account)
        .where(Account.parent_id == from_id, Account.id != into_id)  # the survivor: see merge
        .values(parent_id=into_id, version=Account.version + 1, updated_at=utcnow()),
    )


def move_source_groups(session: Session, *, into_id: int, from_id: int) -> int:
    """Event-source groups (``group`` calls) that pointed at the duplicate point at the survivor."""
    return affected_rows(
        session,
        update(AccountGroup).where(AccountGroup.account_id == from_id).values(account_id=into_id),
    )


def move_timeline(session: Session, *, into_id: int, from_id: int) -> int:
    """The duplicate's history becomes part of the survivor's timeline."""
    of_duplicate = (TimelineEntry.record_type == RecordType.ACCOUNT.value) & (
        TimelineEntry.record_id == from_id
    )
    return affected_rows(
        session, update(TimelineEntry).where(of_duplicate).values(record_id=into_id)
    )
