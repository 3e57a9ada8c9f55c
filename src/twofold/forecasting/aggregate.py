"""The forecast's SQL aggregate over a period's deals.

Deals are summed in the database, grouped by owner, effective category, currency and "rate
bucket" (the stretch of the period between two exchange-rate changes), so the number of rows
that come back depends on owners, currencies and rate changes, never on the number of deals.
Conversion into the base currency happens afterwards, once per group (``forecast.py``).

Usually every rate starts on the first of a month; then the buckets are whole months and the
sums come from ``deal_forecast_months`` (deal totals per close month, kept by triggers), which
at 1M deals is an order of magnitude fewer rows than the deals themselves. A rate that starts
in the middle of a month splits a month, and the period is summed from ``deals`` instead
(through the covering index ``ix_deals_forecast``). Both give the same groups.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import (
    ColumnElement,
    Date,
    Numeric,
    Select,
    case,
    func,
    literal,
    literal_column,
    select,
)
from sqlalchemy.orm import Session

from twofold.core.enums import ForecastCategory, StageKind
from twofold.forecasting.periods import Period
from twofold.forecasting.rates import RateSchedule
from twofold.store.models import Deal, DealForecastMonth, Stage

# Categories whose open deals count towards the weighted pipeline.
WEIGHTED_CATEGORIES = frozenset(
    {ForecastCategory.COMMIT, ForecastCategory.BEST_CASE, ForecastCategory.PIPELINE}
)
SUM_TYPE = Numeric(30, 4)
ZERO = Decimal(0)


class DealGroup(NamedTuple):
    """Deals of one owner, category and currency whose close dates share an exchange rate.

    A named tuple rather than a dataclass: a quarter at 1M deals makes ~10,000 of them.
    """

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
    schedule: RateSchedule,
) -> list[DealGroup]:
    """Sums of the period's won and open deals (lost deals are left out), grouped for conversion."""
    rate_changes = schedule.change_days()
    if all(day.day == 1 for day in rate_changes):
        changing = schedule.changing_currencies()
        return monthly_deal_groups(
            session, period=period, owner_ids=owner_ids, changing_currencies=changing
        )
    return daily_deal_groups(session, period=period, owner_ids=owner_ids, rate_changes=rate_changes)


def monthly_deal_groups(
    session: Session,
    *,
    period: Period,
    owner_ids: Select[tuple[int]] | None,
    changing_currencies: Collection[str],
) -> list[DealGroup]:
    """The groups from ``deal_forecast_months`` (every rate in the period starts on a 1st).

    Only currencies whose rate changes during the period are kept apart by month; the others
    are summed over the whole period, which keeps the rows few.
    """
    month = DealForecastMonth.close_month
    rate_day: ColumnElement[date] = literal(period.start, type_=Date)
    if changing_currencies:
        in_changing = DealForecastMonth.currency.in_(sorted(changing_currencies))
        rate_day = case((in_changing, month), else_=rate_day)
    months = select(
        DealForecastMonth.owner_key,
        DealForecastMonth.category,
        DealForecastMonth.currency,
        rate_day.label("rate_day"),
        DealForecastMonth.amount,
        DealForecastMonth.amount_times_probability,
        DealForecastMonth.deal_count,
    ).where(month.between(period.start, period.end))
    if owner_ids is not None:
        months = months.where(DealForecastMonth.owner_key.in_(owner_ids))
    rows = months.subquery("period_months")
    keys = (rows.c.owner_key, rows.c.category, rows.c.currency, rows.c.rate_day)
    query = select(
        *keys,
        func.sum(rows.c.amount, type_=SUM_TYPE).label("amount"),
        func.sum(rows.c.amount_times_probability, type_=SUM_TYPE).label("weighted"),
        func.sum(rows.c.deal_count).label("deals"),
    ).group_by(*keys)
    # Rows are unpacked rather than read by name: at 1M deals there are thousands of them.
    return [
        DealGroup(
            owner_id=owner_key or None,
            category=category,
            currency=currency,
            rate_day=_as_date(rate_day),
            amount=amount or ZERO,
            amount_times_probability=weighted or ZERO,
            deal_count=int(deals),
        )
        for owner_key, category, currency, rate_day, amount, weighted, deals in session.execute(
            query
        )
    ]


def daily_deal_groups(
    session: Session,
    *,
    period: Period,
    owner_ids: Select[tuple[int]] | None,
    rate_changes: list[date],
) -> list[DealGroup]:
    """The groups per rate bucket, summed over ``deals`` (for rates that start mid-month)."""
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
            owner_id=owner_id,
            category=category,
            currency=currency,
            rate_day=bucket_starts[int(bucket)],
            amount=amount or ZERO,
            amount_times_probability=weighted or ZERO,
            deal_count=int(deals),
        )
        for owner_id, category, currency, bucket, amount, weighted, deals in session.execute(query)
    ]


def _as_date(value: date | str) -> date:
    """SQLite hands a CASE of dates back as text."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def _closing_stage_ids(session: Session) -> tuple[list[int], list[int]]:
    """Ids of the won and of the lost stages (a few dozen stages at most)."""
    rows = session.execute(
        select(Stage.id, Stage.kind).where(Stage.kind.in_([StageKind.WON, StageKind.LOST]))
    ).all()
    won = [stage_id for stage_id, kind in rows if kind == StageKind.WON]
    lost = [stage_id for stage_id, kind in rows if kind == StageKind.LOST]
    return won, lost


def _effective_category(won_ids: list[int]) -> ColumnElement[str]:
    """Won deals are ``closed``; an open deal marked ``closed`` is not closed yet: ``commit``.

    The triggers behind ``deal_forecast_months`` (migration 0004) apply the same rule.
    """
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
