"""Reading activities: by linked record, kind, owner and open tasks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.store.listing import Page, PageRequest, paginate
from twofold.store.models import Activity, activity_accounts, activity_deals, activity_persons

SORTABLE = {
    "occurred_at": Activity.occurred_at,
    "updated_at": Activity.updated_at,
    "id": Activity.id,
}


@dataclass(frozen=True)
class ActivityFilters:
    """Conditions a list of activities can be narrowed by."""

    kind: str | None = None
    owner_id: int | None = None
    account_id: int | None = None
    person_id: int | None = None
    deal_id: int | None = None
    open_tasks: bool | None = None
    updated_since: datetime | None = None


def list_activities(
    session: Session, *, filters: ActivityFilters, page: PageRequest
) -> Page[Activity]:
    """One page of activities, newest first by default."""
    query = select(Activity)
    if filters.kind is not None:
        query = query.where(Activity.kind == filters.kind)
    if filters.owner_id is not None:
        query = query.where(Activity.owner_id == filters.owner_id)
    for value, table, column in (
        (filters.account_id, activity_accounts, "account_id"),
        (filters.person_id, activity_persons, "person_id"),
        (filters.deal_id, activity_deals, "deal_id"),
    ):
        if value is not None:
            linked = select(table.c.activity_id).where(table.c[column] == value)
            query = query.where(Activity.id.in_(linked))
    if filters.open_tasks:
        query = query.where(Activity.kind == "task", Activity.done_at.is_(None))
    if filters.updated_since is not None:
        query = query.where(Activity.updated_at >= filters.updated_since)
    return paginate(
        session,
        query,
        page=page,
        sortable=SORTABLE,
        default_sort="-occurred_at",
        id_column=Activity.id,
    )
