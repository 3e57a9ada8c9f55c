"""Static lists (decision 0018): create, rename, delete, and add or remove people — by hand,
through the API, or from a flow's ``add_to_list`` / ``remove_from_list`` step.

Adding someone already on a list, or removing someone who is not, changes nothing (a flow
step may run after a person was added by hand). Every change is written to the person's
timeline.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from twofold.auth.permissions import AUDIENCE_ROLES
from twofold.core.enums import RecordType, Role
from twofold.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from twofold.core.inputs import InputModel
from twofold.core.time import utcnow
from twofold.store.models import Person, StaticList, StaticListMember, User
from twofold.timeline import kinds
from twofold.timeline.entries import append_to_timelines

MAX_PEOPLE_PER_CALL = 1000


class ListCreate(InputModel):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)


class ListUpdate(InputModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)


def ensure_can_manage_lists(actor: User | None) -> None:
    """Admins, marketers and managers (``None``: a flow step or the CLI)."""
    if actor is not None and actor.role not in AUDIENCE_ROLES | {Role.MANAGER}:
        raise PermissionDenied("only admins, managers and marketers can change lists")


def get_list(session: Session, list_id: int) -> StaticList:
    """One list, or NotFound."""
    found = session.get(StaticList, list_id)
    if found is None:
        raise NotFound(f"no list {list_id}")
    return found


def all_lists(session: Session) -> list[tuple[StaticList, int]]:
    """Every list with its member count, by name."""
    counts = (
        select(StaticListMember.list_id, func.count().label("members"))
        .group_by(StaticListMember.list_id)
        .subquery()
    )
    rows = session.execute(
        select(StaticList, func.coalesce(counts.c.members, 0))
        .outerjoin(counts, counts.c.list_id == StaticList.id)
        .order_by(StaticList.name, StaticList.id)
    ).all()
    return [(row[0], int(row[1])) for row in rows]


def member_count(session: Session, list_id: int) -> int:
    """How many people are on the list."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(StaticListMember)
            .where(StaticListMember.list_id == list_id)
        )
        or 0
    )


def create_list(session: Session, *, actor: User, data: ListCreate) -> StaticList:
    """A new, empty list (names are unique)."""
    ensure_can_manage_lists(actor)
    _check_name_free(session, data.name, None)
    created = StaticList(name=data.name, description=data.description, created_by_id=actor.id)
    session.add(created)
    session.flush()
    return created


def update_list(
    session: Session, *, actor: User, found: StaticList, data: ListUpdate
) -> StaticList:
    """Rename or describe a list."""
    ensure_can_manage_lists(actor)
    if data.name is not None and data.name != found.name:
        _check_name_free(session, data.name, found.id)
        found.name = data.name
    if data.description is not None:
        found.description = data.description
    session.flush()
    return found


def delete_list(session: Session, *, actor: User, found: StaticList) -> None:
    """Remove a list and its memberships (people stay)."""
    ensure_can_manage_lists(actor)
    session.delete(found)
    session.flush()


def add_people(
    session: Session,
    *,
    actor: User | None,
    found: StaticList,
    person_ids: Sequence[int],
    source: str,
) -> int:
    """Put people on the list; answers how many were not on it yet."""
    ensure_can_manage_lists(actor)
    wanted = _existing_people(session, person_ids)
    already = set(
        session.scalars(
            select(StaticListMember.person_id).where(
                StaticListMember.list_id == found.id, StaticListMember.person_id.in_(wanted)
            )
        )
    )
    new = [person for person in wanted if person not in already]
    now = utcnow()
    session.add_all(
        StaticListMember(
            list_id=found.id,
            person_id=person,
            source=source[:100],
            added_by_id=actor.id if actor else None,
            added_at=now,
        )
        for person in new
    )
    _note(session, actor, new, kind=kinds.LIST_MEMBER_ADDED, found=found)
    session.flush()
    return len(new)


def remove_people(
    session: Session, *, actor: User | None, found: StaticList, person_ids: Sequence[int]
) -> int:
    """Take people off the list; answers how many were on it."""
    ensure_can_manage_lists(actor)
    on_list = list(
        session.scalars(
            select(StaticListMember.person_id).where(
                StaticListMember.list_id == found.id,
                StaticListMember.person_id.in_(sorted(set(person_ids))),
            )
        )
    )
    if on_list:
        session.execute(
            delete(StaticListMember).where(
                StaticListMember.list_id == found.id, StaticListMember.person_id.in_(on_list)
            )
        )
    _note(session, actor, on_list, kind=kinds.LIST_MEMBER_REMOVED, found=found)
    return len(on_list)


def _existing_people(session: Session, person_ids: Sequence[int]) -> list[int]:
    wanted = sorted(set(person_ids))
    if len(wanted) > MAX_PEOPLE_PER_CALL:
        raise ValidationFailed.on("person_ids", f"at most {MAX_PEOPLE_PER_CALL} people at once")
    found = set(session.scalars(select(Person.id).where(Person.id.in_(wanted))))
    missing = [person for person in wanted if person not in found]
    if missing:
        shown = ", ".join(str(person) for person in missing[:10])
        raise ValidationFailed.on("person_ids", f"no person {shown}")
    return wanted


def _note(
    session: Session, actor: User | None, person_ids: Sequence[int], *, kind: str, found: StaticList
) -> None:
    if person_ids:
        verb = "added to" if kind == kinds.LIST_MEMBER_ADDED else "removed from"
        append_to_timelines(
            session,
            actor=actor,
            records=[(RecordType.PERSON, person) for person in person_ids],
            kind=kind,
            summary=f"{verb} list {found.name}",
            changes={"list_id": found.id},
        )


def _check_name_free(session: Session, name: str, list_id: int | None) -> None:
    taken = select(StaticList.id).where(StaticList.name == name)
    if list_id is not None:
        taken = taken.where(StaticList.id != list_id)
    if session.scalar(taken) is not None:
        raise Conflict(f"a list named {name!r} already exists")
