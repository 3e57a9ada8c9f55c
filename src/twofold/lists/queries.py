"""Reading static lists: a list's members, a page at a time, and the lists a person is on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.store.listing import Page, PageRequest, paginate
from twofold.store.models import Person, StaticList, StaticListMember


def list_members(
    session: Session, *, found: StaticList, page: PageRequest
) -> Page[tuple[StaticListMember, Person]]:
    """The people on a list with when and how they were added, by person id."""
    query = select(StaticListMember).where(StaticListMember.list_id == found.id)
    rows = paginate(
        session,
        query,
        page=page,
        sortable={"person_id": StaticListMember.person_id},
        default_sort="person_id",
        id_column=StaticListMember.person_id,
    )
    people = {
        person.id: person
        for person in session.scalars(
            select(Person).where(Person.id.in_([member.person_id for member in rows.items]))
        )
    }
    return Page([(member, people[member.person_id]) for member in rows.items], rows.next_cursor)


def lists_of_person(session: Session, person_id: int) -> list[tuple[StaticList, datetime]]:
    """The lists a person is on, with when they were added."""
    rows = session.execute(
        select(StaticList, StaticListMember.added_at)
        .join(StaticListMember, StaticListMember.list_id == StaticList.id)
        .where(StaticListMember.person_id == person_id)
        .order_by(StaticList.name)
    ).all()
    return [(row[0], row[1]) for row in rows]
