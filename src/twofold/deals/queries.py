"""Reading deals: filtered, searched, sorted, paginated lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.customfields.filters import filter_by_custom_fields
from twofold.store.listing import Page, PageRequest, paginate
from twofold.store.models import Deal, Stage
from twofold.store.search import matches_search

SORTABLE = {
    "name": Deal.name,
    "created_at": Deal.created_at,
    "updated_at": Deal.updated_at,
    "stage_entered_at": Deal.stage_entered_at,
    "id": Deal.id,
}


@dataclass(frozen=True)
class DealFilters:
    """Conditions a list of deals can be narrowed by."""

    search: str | None = None
    owner_id: int | None = None
    account_id: int | None = None
    person_id: int | None = None
    pipeline_id: int | None = None
    stage_id: int | None = None
    status: str | None = None
    forecast_category: str | None = None
    close_after: date | None = None
    close_before: date | None = None
    updated_since: datetime | None = None
    custom: dict[str, str] = field(default_factory=dict)


def list_deals(session: Session, *, filters: DealFilters, page: PageRequest) -> Page[Deal]:
    """One page of deals matching ``filters`` (``status`` is the stage kind: open/won/lost)."""
    query = select(Deal)
    for name in (
        "owner_id",
        "account_id",
        "person_id",
        "pipeline_id",
        "stage_id",
        "forecast_category",
    ):
        value = getattr(filters, name)
        if value is not None:
            query = query.where(getattr(Deal, name) == value)
    if filters.status is not None:
        query = query.where(Deal.stage_id.in_(select(Stage.id).where(Stage.kind == filters.status)))
    if filters.close_after is not None:
        query = query.where(Deal.expected_close_date >= filters.close_after)
    if filters.close_before is not None:
        query = query.where(Deal.expected_close_date <= filters.close_before)
    if filters.updated_since is not None:
        query = query.where(Deal.updated_at >= filters.updated_since)
    if filters.search:
        query = query.where(matches_search(session, Deal, filters.search))
    query = filter_by_custom_fields(
        session, query, entity="deal", column=Deal.custom, filters=filters.custom
    )
    return paginate(
        session, query, page=page, sortable=SORTABLE, default_sort="-updated_at", id_column=Deal.id
    )
