"""Pipeline coverage: the open pipeline of a period against the quota still to close.

Open pipeline is the scope's open deals (not omitted) expected to close in the period.
Remaining quota is the quota of the people in scope (the owner's, the team's, or everyone's)
minus what they have won in the period, counted like the forecast's ``closed`` (won deals
expected to close in it) over every pipeline and segment, because quotas are not set per
pipeline or segment (decision 0012).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from twofold.analytics.conversion import MoneySum, PeriodRates
from twofold.analytics.scope import Scope
from twofold.core.enums import ForecastCategory
from twofold.forecasting.periods import Period
from twofold.forecasting.quotas import period_quotas
from twofold.store.models import Deal

RATIO_PLACES = Decimal("0.01")


@dataclass
class Coverage:
    """Open pipeline, quota, what is won, and their ratio."""

    open_pipeline: MoneySum
    won: MoneySum
    quota: Decimal | None
    quota_unconverted: dict[str, Decimal] = field(default_factory=dict)

    @property
    def remaining_quota(self) -> Decimal | None:
        """Quota minus won, never below zero; ``None`` without a quota."""
        if self.quota is None:
            return None
        return max(self.quota - self.won.amount, Decimal(0))

    @property
    def ratio(self) -> Decimal | None:
        """Open pipeline / remaining quota (3.00 reads "3x"); ``None`` when nothing remains."""
        remaining = self.remaining_quota
        if not remaining:
            return None
        return (self.open_pipeline.amount / remaining).quantize(RATIO_PLACES)


def compute_coverage(
    session: Session, *, scope: Scope, period: Period, rates: PeriodRates
) -> Coverage:
    """Coverage of the period for the scope."""
    in_period = Deal.expected_close_date.between(period.start, period.end)
    open_deals = (
        scope.deals()
        & in_period
        & Deal.stage_id.in_(scope.open_stage_ids)
        & (Deal.forecast_category != ForecastCategory.OMITTED.value)
    )
    won_deals = scope.quota_holders_deals() & in_period & Deal.stage_id.in_(scope.all_won_stage_ids)
    coverage = Coverage(
        open_pipeline=_money(session, open_deals, rates),
        won=_money(session, won_deals, rates),
        quota=None,
    )
    for parts in period_quotas(session, period=period, user_ids=scope.quota_holders()).values():
        for part in parts:
            rate = rates.schedule.rate_on(part.currency, part.rate_day)
            if rate is None:
                missing = coverage.quota_unconverted
                missing[part.currency] = missing.get(part.currency, Decimal(0)) + part.amount
            else:
                coverage.quota = (coverage.quota or Decimal(0)) + part.amount * rate
    if coverage.quota is not None:
        coverage.quota = rates.round(coverage.quota)
    coverage.open_pipeline.amount = rates.round(coverage.open_pipeline.amount)
    coverage.won.amount = rates.round(coverage.won.amount)
    return coverage


def _money(session: Session, condition: ColumnElement[bool], rates: PeriodRates) -> MoneySum:
    deals = (
        select(
            Deal.currency,
            rates.bucket(Deal.expected_close_date, timestamps=False).label("bucket"),
            Deal.amount,
        )
        .where(condition)
        .subquery("period_deals")
    )
    keys = (deals.c.currency, deals.c.bucket)
    total = MoneySum()
    for currency, bucket, count, amount in session.execute(
        select(*keys, func.count(), func.sum(deals.c.amount)).group_by(*keys)
    ):
        rates.add(total, currency=currency, bucket=bucket, amount=amount, count=count)
    return total
