"""Reading stored health: an account's history, and the ABM board's columns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from twofold.store.listing import Page, PageRequest, paginate
from twofold.store.models import Account, AccountHealth, HealthSnapshot

HISTORY_DAYS = 365
SORTABLE = {"score": AccountHealth.score, "account_id": AccountHealth.account_id}


@dataclass(frozen=True)
class BoardFilters:
    """What the ABM board can be narrowed to."""

    abm_status: str | None = None
    owner_id: int | None = None
    industry: str | None = None
    region: str | None = None


def health_history(
    session: Session, *, account_id: int, today: date, days: int = HISTORY_DAYS
) -> list[HealthSnapshot]:
    """The account's daily snapshots of the last ``days`` days, oldest first."""
    query = select(HealthSnapshot).where(
        HealthSnapshot.account_id == account_id,
        HealthSnapshot.day > today - timedelta(days=days),
    )
    return list(session.scalars(query.order_by(HealthSnapshot.day)))


def abm_board(session: Session, *, filters: BoardFilters, page: PageRequest) -> Page[AccountHealth]:
    """Accounts with their stored health and ABM status, least healthy first by default."""
    query = select(AccountHealth)
    if filters.abm_status is not None:
        query = query.where(AccountHealth.abm_status == filters.abm_status)
    account_conditions = [
        getattr(Account, name) == getattr(filters, name)
        for name in ("owner_id", "industry", "region")
        if getattr(filters, name) is not None
    ]
    if account_conditions:
        query = query.where(
            AccountHealth.account_id.in_(select(Account.id).where(*account_conditions))
        )
    return paginate(
        session,
        query,
        page=page,
        sortable=SORTABLE,
        default_sort="score",
        id_column=AccountHealth.account_id,
    )


def abm_counts(session: Session, *, filters: BoardFilters) -> dict[str, int]:
    """How many accounts each ABM status holds (under the same account filters)."""
    query = select(AccountHealth.abm_status, func.count()).group_by(AccountHealth.abm_status)
    conditions = [
        getattr(Account, name) == getattr(filters, name)
        for name in ("owner_id", "industry", "region")
        if getattr(filters, name) is not None
    ]
    if conditions:
        query = query.where(AccountHealth.account_id.in_(select(Account.id).where(*conditions)))
    return {status: int(count) for status, count in session.execute(query)}
