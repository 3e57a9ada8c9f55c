"""Small read helpers for choosing persons in forms."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.persons.actions import display_name
from twofold.store.models import Person
from twofold.store.search import matches_search

CHOICES_LIMIT = 50


def person_choices(
    session: Session,
    *,
    search: str | None = None,
    person_ids: list[int] | None = None,
    limit: int = CHOICES_LIMIT,
) -> list[tuple[int, str]]:
    """``(id, "Name <email>")`` of the first persons by name, optionally matching ``search``
    or among ``person_ids``."""
    query = select(Person).order_by(Person.last_name, Person.id).limit(limit)
    if search and search.strip():
        query = query.where(matches_search(session, Person, search))
    if person_ids is not None:
        query = query.where(Person.id.in_(person_ids))
    return [(person.id, _label(person)) for person in session.scalars(query)]


def _label(person: Person) -> str:
    name = display_name(person)
    email = person.primary_email
    return f"{name} <{email}>" if email and email != name else name
