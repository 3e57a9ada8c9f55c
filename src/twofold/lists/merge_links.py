"""Static-list memberships follow a person merge (decision 0018): the survivor ends up on
every list either of the two was on, once. Without this the database's ``ON DELETE CASCADE``
would drop the duplicate's memberships with it."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from twofold.core.enums import RecordType
from twofold.store.models import StaticList, StaticListMember
from twofold.store.statements import affected_rows
from twofold.timeline import kinds
from twofold.timeline.entries import append_to_timelines


def move_list_memberships(
    session: Session, *, into_id: int, from_id: int, merged_name: str
) -> list[int]:
    """The duplicate's memberships become the survivor's; a list both are on keeps the
    survivor's row (its source and date). Answers the ids of the lists the survivor joined,
    each noted on its timeline."""
    theirs = session.execute(
        select(StaticListMember.list_id, StaticList.name)
        .join(StaticList, StaticList.id == StaticListMember.list_id)
        .where(StaticListMember.person_id == from_id)
        .order_by(StaticList.name, StaticList.id)
    ).all()
    if not theirs:
        return []
    ours = set(
        session.scalars(
            select(StaticListMember.list_id).where(StaticListMember.person_id == into_id)
        )
    )
    both = [int(list_id) for list_id, _name in theirs if list_id in ours]
    if both:
        affected_rows(
            session,
            delete(StaticListMember).where(
                StaticListMember.person_id == from_id, StaticListMember.list_id.in_(both)
            ),
        )
    affected_rows(
        session,
        update(StaticListMember)
        .where(StaticListMember.person_id == from_id)
        .values(person_id=into_id),
    )
    joined = [(int(list_id), str(name)) for list_id, name in theirs if list_id not in ours]
    for list_id, name in joined:
        append_to_timelines(
            session,
            actor=None,
            records=[(RecordType.PERSON, into_id)],
            kind=kinds.LIST_MEMBER_ADDED,
            summary=f"added to list {name} (merged from {merged_name})",
            changes={"list_id": list_id, "merged_person_id": from_id},
        )
    return [list_id for list_id, _name in joined]
