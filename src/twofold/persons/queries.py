"""Reading persons: filtered, searched, sorted, paginated lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.customfields.filters import filter_by_custom_fields
from twofold.store.listing import Page, PageRequest, paginate
from twofold.store.models import Membership, Person
from twofold.store.search import matches_search

SORTABLE = {
    "last_name": Person.last_name,
    "first_name": Person.first_name,
    "created_at": Person.created_at,
    "updated_at": Person.updated_at,
    "id": Person.id,
}


@dataclass(frozen=True)
class PersonFilters:
    """Conditions a list of persons can be narrowed by."""

    search: str | None = None
    owner_id: int | None = None
    account_id: int | None = None
    lifecycle_stage: str | None = None
    email: str | None = None
    updated_since: datetime | None = None
    custom: dict[str, str] = field(default_factory=dict)


def list_persons(session: Session, *, filters: PersonFilters, page: PageRequest) -> Page[Person]:
    """One page of persons matching ``filters``."""
    query = select(Person)
    if filters.owner_id is not None:
        query = query.where(Person.owner_id == filters.owner_id)
    if filters.lifecycle_stage is not None:
        query = query.where(Person.lifecycle_stage == filters.lifecycle_stage)
    if filters.email is not None:
        query = query.where(Person.primary_email == filters.email.strip().lower())
    if filters.account_id is not None:
        members = select(Membership.person_id).where(Membership.account_id == filters.account_id)
        query = query.where(Person.id.in_(members))
    if filters.updated_since is not None:
        query = query.where(Person.updated_at >= filters.updated_since)
    if filters.search:
        query = query.where(matches_search(session, Person, filters.search))
    query = filter_by_custom_fields(
        session, query, entity="person", column=Person.custom, filters=filters.custom
    )
    return paginate(
        session,
        query,
        page=page,
        sortable=SORTABLE,
        default_sort="last_name",
        id_column=Person.id,
    )
