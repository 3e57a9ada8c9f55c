"""Reading leads: the filtered, searched, sorted, paginated inbox."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from twofold.core.errors import ValidationFailed
from twofold.core.text import search_needle
from twofold.store.listing import Page, PageRequest, paginate
from twofold.store.models import Lead

SORTABLE = {
    "score": Lead.score,
    "created_at": Lead.created_at,
    "updated_at": Lead.updated_at,
    "id": Lead.id,
}
MAX_SEARCH_LENGTH = 200


@dataclass(frozen=True)
class LeadFilters:
    """What the inbox can be narrowed by; ``unassigned`` means no owner."""

    status: str | None = None
    owner_id: int | None = None
    unassigned: bool = False
    min_score: int | None = None
    max_score: int | None = None
    form_id: int | None = None
    search: str | None = None


def list_leads(session: Session, *, filters: LeadFilters, page: PageRequest) -> Page[Lead]:
    """One page of leads, best score first unless sorted otherwise."""
    return paginate(
        session,
        filtered_leads(filters),
        page=page,
        sortable=SORTABLE,
        default_sort="-score",
        id_column=Lead.id,
    )


def filtered_leads(filters: LeadFilters) -> Select[Lead]:
    """The query of the leads ``filters`` let through."""
    query = select(Lead)
    for name in ("status", "owner_id", "form_id"):
        value = getattr(filters, name)
        if value is not None:
            query = query.where(getattr(Lead, name) == value)
    if filters.unassigned:
        query = query.where(Lead.owner_id.is_(None))
    if filters.min_score is not None:
        query = query.where(Lead.score >= filters.min_score)
    if filters.max_score is not None:
        query = query.where(Lead.score <= filters.max_score)
    if filters.search:
        if len(filters.search) > MAX_SEARCH_LENGTH:
            raise ValidationFailed.on("search", f"at most {MAX_SEARCH_LENGTH} characters")
        query = query.where(
            Lead.search_text.like(f"%{search_needle(filters.search)}%", escape="\\")
        )
    return query


def person_leads(session: Session, person_id: int) -> list[Lead]:
    """A person's leads, newest first."""
    query = select(Lead).where(Lead.person_id == person_id).order_by(Lead.id.desc())
    return list(session.scalars(query))
