"""Identity conflicts: an identifier claimed by a second identified person, kept for review.

A conflict is settled by a person: merged (``persons.merge``) or dismissed (the two really
are different people; the identifier stays with its owner).
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from twofold.auth.permissions import ensure_can_merge_persons
from twofold.core.errors import Conflict, NotFound, ValidationFailed
from twofold.core.time import utcnow
from twofold.store.listing import Page, PageRequest, paginate
from twofold.store.models import IdentityConflict, User
from twofold.store.statements import affected_rows

OPEN: Final = "open"
MERGED: Final = "merged"
DISMISSED: Final = "dismissed"
STATUSES: Final = (OPEN, MERGED, DISMISSED)


def list_conflicts(
    session: Session, *, status: str | None = OPEN, page: PageRequest
) -> Page[IdentityConflict]:
    """Conflicts with the given status (``None``: all), newest first."""
    query = select(IdentityConflict)
    if status is not None:
        if status not in STATUSES:
            raise ValidationFailed.on("status", f"must be one of {', '.join(STATUSES)} or all")
        query = query.where(IdentityConflict.status == status)
    return paginate(
        session,
        query,
        page=page,
        sortable={"id": IdentityConflict.id},
        default_sort="-id",
        id_column=IdentityConflict.id,
    )


def get_conflict(session: Session, conflict_id: int) -> IdentityConflict:
    """One conflict, or ``NotFound``."""
    conflict = session.get(IdentityConflict, conflict_id)
    if conflict is None:
        raise NotFound(f"no identity conflict {conflict_id}")
    return conflict


def open_conflict(session: Session, conflict_id: int) -> IdentityConflict:
    """A conflict that is still open; a settled one is a ``Conflict`` (409)."""
    conflict = get_conflict(session, conflict_id)
    if conflict.status != OPEN:
        raise Conflict(f"identity conflict {conflict_id} is already {conflict.status}")
    return conflict


def dismiss_conflict(session: Session, *, actor: User | None, conflict_id: int) -> IdentityConflict:
    """The two persons are different people: close the conflict, change nothing else."""
    ensure_can_merge_persons(actor)
    conflict = open_conflict(session, conflict_id)
    conflict.status = DISMISSED
    conflict.resolved_at = utcnow()
    conflict.resolved_by_id = actor.id if actor else None
    session.flush()
    return conflict


def settle_conflicts_of_merge(
    session: Session, *, actor: User | None, into_id: int, from_id: int
) -> tuple[int, int]:
    """Before ``from_id`` is merged into ``into_id``: close the open conflicts between the two
    (status ``merged``) and re-point every conflict of ``from_id`` to ``into_id`` (the rows
    would otherwise go with the deleted person). Answers (closed, re-pointed)."""
    pair = or_(
        (IdentityConflict.person_id == into_id) & (IdentityConflict.other_person_id == from_id),
        (IdentityConflict.person_id == from_id) & (IdentityConflict.other_person_id == into_id),
    )
    closed = affected_rows(
        session,
        update(IdentityConflict)
        .where(pair, IdentityConflict.status == OPEN)
        .values(status=MERGED, resolved_at=utcnow(), resolved_by_id=actor.id if actor else None),
    )
    moved = 0
    for column in (IdentityConflict.person_id, IdentityConflict.other_person_id):
        statement = update(IdentityConflict).where(column == from_id).values({column: into_id})
        moved += affected_rows(session, statement.where(~pair))
        affected_rows(session, statement.where(pair))  # settled history, not counted as moved
    return closed, moved
