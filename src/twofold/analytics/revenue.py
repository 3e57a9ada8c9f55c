"""Revenue: expected against actual per month of a period, and won revenue by region and
by industry.

*Expected* for a month is Σ amount x probability / 100 over the scope's deals expected to
close in it (won deals count at 100 %, lost at 0 %); *actual* is the amount of the deals won
in it (by ``closed_at``). Region and industry are the deal's account's (decision 0012).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from twofold.analytics.conversion import MoneySum, PeriodRates, period_moments
from twofold.analytics.outcomes import NONE_LABEL
from twofold.analytics.scope import Scope
from twofold.forecasting.periods import Period
from twofold.store.models import Account, Deal


@dataclass
class MonthRevenue:
    """One month: what the pipeline expects and what was won."""

    month: date
    expected: MoneySum
    actual: MoneySum


@dataclass
class Revenue:
    """Expected vs actual per month, and won revenue by region and industry (largest first)."""

    months: list[MonthRevenue]
    by_region: list[tuple[str, MoneySum]]
    by_industry: list[tuple[str, MoneySum]]


def compute_revenue(
    session: Session, *, scope: Scope, period: Period, rates: PeriodRates
) -> Revenue:
    """Expected vs actual by month and won revenue by region and industry for the period."""
    months = {
        month.start: MonthRevenue(month.start, MoneySum(), MoneySum()) for month in period.months()
    }
    _add_expected(session, scope, period, rates, months)
    regions: dict[str, MoneySum] = defaultdict(MoneySum)
    industries: dict[str, MoneySum] = defaultdict(MoneySum)
    for region, industry, currency, bucket, count, amount in _won_groups(
        session, scope, period, rates
    ):
        for total in (
            months[rates.month_of(bucket)].actual,
            regions[region or NONE_LABEL],
            industries[industry or NONE_LABEL],
        ):
            rates.add(total, currency=currency, bucket=bucket, amount=amount, count=count)
    for row in months.values():
        row.expected.amount = rates.round(row.expected.amount / 100)
        for missing in row.expected.unconverted.values():
            missing.amount /= 100
        row.actual.amount = rates.round(row.actual.amount)
    return Revenue(
        months=list(months.values()),
        by_region=_largest_first(regions, rates),
        by_industry=_largest_first(industries, rates),
    )


def _add_expected(
    session: Session,
    scope: Scope,
    period: Period,
    rates: PeriodRates,
    months: dict[date, MonthRevenue],
) -> None:
    """Σ amount x probability per month (divided by 100 by the caller, after conversion)."""
    deals = (
        select(
            Deal.currency,
            rates.bucket(Deal.expected_close_date, timestamps=False).label("bucket"),
            (Deal.amount * Deal.probability).label("weighted"),
        )
        .where(
            scope.deals(),
            Deal.expected_close_date.between(period.start, period.end),
            Deal.stage_id.not_in(scope.lost_stage_ids),
        )
        .subquery("expected_deals")
    )
    keys = (deals.c.currency, deals.c.bucket)
    for currency, bucket, count, weighted in session.execute(
        select(*keys, func.count(), func.sum(deals.c.weighted)).group_by(*keys)
    ):
        total = months[rates.month_of(bucket)].expected
        rates.add(total, currency=currency, bucket=bucket, amount=weighted, count=count)


def _won_groups(
    session: Session, scope: Scope, period: Period, rates: PeriodRates
) -> list[tuple[str | None, str | None, str, int, int, Decimal | None]]:
    """Won deals closed in the period, summed per region, industry, currency and bucket."""
    start, end = period_moments(period)
    deals = (
        select(
            Account.region,
            Account.industry,
            Deal.currency,
            rates.bucket(Deal.closed_at, timestamps=True).label("bucket"),
            Deal.amount,
        )
        .select_from(Deal)
        .outerjoin(Account, Account.id == Deal.account_id)
        .where(
            scope.deals(),
            Deal.closed_at >= start,
            Deal.closed_at < end,
            Deal.stage_id.in_(scope.won_stage_ids),
        )
        .subquery("won_deals")
    )
    keys = (deals.c.region, deals.c.industry, deals.c.currency, deals.c.bucket)
    query = select(*keys, func.count(), func.sum(deals.c.amount)).group_by(*keys)
    return [
        (region, industry, currency, int(bucket), int(count), amount)
        for region, industry, currency, bucket, count, amount in session.execute(query)
    ]


def _largest_first(totals: dict[str, MoneySum], rates: PeriodRates) -> list[tuple[str, MoneySum]]:
    for total in totals.values():
        total.amount = rates.round(total.amount)
    return sorted(totals.items(), key=lambda item: (-item[1].amount, item[0]))
