"""Reading accounts: filtered, searched, sorted, paginated lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.customfields.filters import filter_by_custom_fields
from twofold.store.listing import Page, PageRequest, paginate
from twofold.store.models import Account
from twofold.store.search import matches_search

SORTABLE = {
    "name": Account.name,
    "created_at": Account.created_at,
    "updated_at": Account.updated_at,
    "id": Account.id,
}


@dataclass(frozen=True)
class AccountFilters:
    """Conditions a list of accounts can be narrowed by."""

    search: str | None = None
    owner_id: int | None = None
    parent_id: int | None = None
    industry: str | None = None
    country: str | None = None
    tier: str | None = None
    lifecycle: str | None = None
    updated_since: datetime | None = None
    custom: dict[str, str] = field(default_factory=dict)


def list_accounts(session: Session, *, filters: AccountFilters, page: PageRequest) -> Page[Account]:
    """One page of accounts matching ``filters``."""
    query = select(Account)
    for name in ("owner_id", "parent_id", "industry", "country", "tier", "lifecycle"):
        value = getattr(filters, name)
        if value is not None:
            query = query.where(getattr(Account, name) == value)
    if filters.updated_since is not None:
        query = query.where(Account.updated_at >= filters.updated_since)
    if filters.search:
        query = query.where(matches_search(session, Account, filters.search))
    query = filter_by_custom_fields(
        session, query, entity="account", column=Account.custom, filters=filters.custom
    )
    return paginate(
        session, query, page=page, sortable=SORTABLE, default_sort="name", id_column=Account.id
    )
