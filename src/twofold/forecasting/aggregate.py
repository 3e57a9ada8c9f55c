"""The forecast's one SQL aggregate over a period's deals.

Deals are summed in the database, grouped by owner, effective category, currency and "rate
bucket" (the stretch of the period between two exchange-rate changes), so the number of rows
that come back depends on owners, currencies and rate changes, never on the number of deals.
Conversion into the base currency happens afterwards, once per group (``forecast.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, Numeric, Select, case, func, literal_column, select
from sqlalchemy.orm import Session

from twofold.core.enums import ForecastCategory, StageKind
from twofold.forecasting.periods import Period
from twofold.store.models import Deal, Stage

# Categories whose open deals count towards the weighted pipeline.
WEIGHTED_CATEGORIES = frozenset(
    {ForecastCategory.COMMIT, ForecastCategory.BEST_CASE, ForecastCategory.PIPELINE}
)
SUM_TYPE = Numeric(30, 4)


@dataclass(frozen=True)
class DealGroup:
    """Deals of one owner, category and currency whose close dates share an exchange rate."""

    owner_id: int | None
    category: str
    currency: str
    rate_day: date
    amount: Decimal
    amount_times_probability: Decimal
    deal_count: int


def deal_groups(
    session: Session,
    *,
    period: Period,
    owner_ids: Select[tuple[int]] | None,
    rate_changes: list[date],
) -> list[DealGroup]:
    """Sums of the period's won and open deals (lost deals are left out), grouped for conversion.

    ``rate_changes`` are the days inside the period on which some exchange rate changes.
    """
    won_ids, lost_ids = _closing_stage_ids(session)
    bucket_starts = [period.start, *rate_changes]
    # The per-deal expressions are computed in a subquery and grouped outside it, so that
    # GROUP BY names plain columns (PostgreSQL cannot match bound parameters in CASEs).
    deals = select(
        Deal.owner_id,
        _effective_category(won_ids).label("category"),
        Deal.currency,
        _bucket(rate_changes).label("bucket"),
        Deal.amount,
        Deal.probability,
    ).where(Deal.expected_close_date.between(period.start, period.end))
    if lost_ids:
        deals = deals.where(Deal.stage_id.not_in(lost_ids))
    if owner_ids is not None:
        deals = deals.where(Deal.owner_id.in_(owner_ids))
    rows = deals.subquery("period_deals")
    keys = (rows.c.owner_id, rows.c.category, rows.c.currency, rows.c.bucket)
    query = select(
        *keys,
        func.sum(rows.c.amount, type_=SUM_TYPE).label("amount"),
        func.sum(rows.c.amount * rows.c.probability, type_=SUM_TYPE).label("weighted"),
        func.count().label("deals"),
    ).group_by(*keys)
    return [
        DealGroup(
            owner_id=row.owner_id,
            category=row.category,
            currency=row.currency,
            rate_day=bucket_starts[int(row.bucket)],
            amount=Decimal(row.amount or 0),
            amount_times_probability=Decimal(row.weighted or 0),
            deal_count=int(row.deals),
        )
        for row in session.execute(query)
    ]


def _closing_stage_ids(session: Session) -> tuple[list[int], list[int]]:
    """Ids of the won and of the lost stages (a few dozen stages at most)."""
    rows = session.execute(
        select(Stage.id, Stage.kind).where(Stage.kind.in_([StageKind.WON, StageKind.LOST]))
    ).all()
    won = [stage_id for stage_id, kind in rows if kind == StageKind.WON]
    lost = [stage_id for stage_id, kind in rows if kind == StageKind.LOST]
    return won, lost


def _effective_category(won_ids: list[int]) -> ColumnElement[str]:
    """Won deals are ``closed``; an open deal marked ``closed`` is not closed yet: ``commit``."""
    whens: list[tuple[ColumnElement[bool], str]] = []
    if won_ids:
        whens.append((Deal.stage_id.in_(won_ids), ForecastCategory.CLOSED.value))
    whens.append((Deal.forecast_category == ForecastCategory.CLOSED, ForecastCategory.COMMIT.value))
    return case(*whens, else_=Deal.forecast_category)


def _bucket(rate_changes: list[date]) -> ColumnElement[int]:
    """0 before the first rate change in the period, 1 after it, and so on."""
    if not rate_changes:
        return literal_column("0")
    whens = [
        (Deal.expected_close_date >= day, index + 1)
        for index, day in reversed(list(enumerate(rate_changes)))
    ]
    return case(*whens, else_=0)
