"""Reading and re-pointing a person's identifiers in the append-only mapping table.

The current owner of an identifier is the person of its highest version. Re-pointing adds a
version; it never changes an old row. Only deleting or erasing a person removes rows, so that
no identifier is left whose newest version names a person who no longer exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, insert, or_, select, tuple_
from sqlalchemy.orm import Session, aliased

from twofold.store.models import IdentityMapping
from twofold.store.statements import affected_rows

Identifier = tuple[str, str]


@dataclass(frozen=True)
class CurrentIdentifier:
    """An identifier a person owns now, with the version that gave it to them."""

    kind: str
    value: str
    version: int
    reason: str
    source_id: int | None
    since: datetime


def _newest_versions() -> ColumnElement[bool]:
    """The row is the newest version of its identifier."""
    newer = aliased(IdentityMapping)
    return ~(
        select(newer.id)
        .where(
            newer.kind == IdentityMapping.kind,
            newer.value == IdentityMapping.value,
            newer.version > IdentityMapping.version,
        )
        .exists()
    )


def current_identifiers(session: Session, person_id: int) -> list[CurrentIdentifier]:
    """What the person owns now (the newest version of each identifier names them)."""
    rows = session.scalars(
        select(IdentityMapping)
        .where(IdentityMapping.person_id == person_id, _newest_versions())
        .order_by(IdentityMapping.kind, IdentityMapping.value)
    )
    return [
        CurrentIdentifier(
            kind=row.kind,
            value=row.value,
            version=row.version,
            reason=row.reason,
            source_id=row.source_id,
            since=row.created_at,
        )
        for row in rows
    ]


def owners_of(session: Session, identifiers: list[Identifier]) -> dict[Identifier, int]:
    """The current owner of each identifier that has one."""
    owners: dict[Identifier, int] = {}
    for start in range(0, len(identifiers), 400):
        chunk = identifiers[start : start + 400]
        rows = session.execute(
            select(IdentityMapping.kind, IdentityMapping.value, IdentityMapping.person_id).where(
                tuple_(IdentityMapping.kind, IdentityMapping.value).in_(chunk),
                _newest_versions(),
            )
        )
        owners.update({(kind, value): int(person) for kind, value, person in rows})
    return owners


def reassign_identifiers(
    session: Session, *, from_person_id: int, to_person_id: int, reason: str
) -> int:
    """Give every identifier ``from_person_id`` owns to ``to_person_id`` as a new version."""
    owned = current_identifiers(session, from_person_id)
    if owned:
        session.execute(
            insert(IdentityMapping),
            [
                {
                    "kind": item.kind,
                    "value": item.value,
                    "version": item.version + 1,
                    "person_id": to_person_id,
                    "reason": reason,
                    "source_id": None,
                    "message_id": None,
                }
                for item in owned
            ],
        )
    return len(owned)


def forget_person(session: Session, person_id: int) -> int:
    """Delete every version of what the person owns now, and the older rows naming them.

    Afterwards their identifiers are unowned (the next event creates a new person) and no
    remaining newest version names them.
    """
    owned = [(item.kind, item.value) for item in current_identifiers(session, person_id)]
    removed = 0
    for start in range(0, len(owned), 400):
        chunk = owned[start : start + 400]
        removed += affected_rows(
            session,
            delete(IdentityMapping).where(
                tuple_(IdentityMapping.kind, IdentityMapping.value).in_(chunk)
            ),
        )
    statement = delete(IdentityMapping).where(IdentityMapping.person_id == person_id)
    return removed + affected_rows(session, statement)


def mapping_history(session: Session, person_id: int) -> list[IdentityMapping]:
    """Every mapping row naming the person, and every version of what they own now."""
    owned = [(item.kind, item.value) for item in current_identifiers(session, person_id)]
    condition = IdentityMapping.person_id == person_id
    if owned:
        condition = or_(condition, tuple_(IdentityMapping.kind, IdentityMapping.value).in_(owned))
    query = (
        select(IdentityMapping)
        .where(condition)
        .order_by(IdentityMapping.kind, IdentityMapping.value, IdentityMapping.version)
    )
    return list(session.scalars(query))


def count_owned(session: Session, person_id: int) -> int:
    """How many identifiers the person owns now."""
    query = select(func.count()).where(
        IdentityMapping.person_id == person_id,
        _newest_versions(),
    )
    return int(session.scalar(query) or 0)
