"""The report families behind the API and the page: each checks the filters and the asker's
right to see them, then computes one family (see the modules of this package)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy.orm import Session

from twofold.analytics.conversion import PeriodRates, period_rates
from twofold.analytics.coverage import Coverage, compute_coverage
from twofold.analytics.funnel import PipelineFunnel, compute_funnels
from twofold.analytics.hygiene import DEFAULT_IDLE_DAYS, DEFAULT_LIMIT, Hygiene, compute_hygiene
from twofold.analytics.outcomes import Outcomes, compute_outcomes
from twofold.analytics.revenue import Revenue, compute_revenue
from twofold.analytics.scope import AnalyticsFilters, Scope, resolve_scope
from twofold.forecasting.periods import Period
from twofold.store.models import User

ResultT = TypeVar("ResultT")


@dataclass(frozen=True)
class Report(Generic[ResultT]):
    """One report family with the scope and period it was computed for."""

    scope: Scope
    period: Period | None
    currency: str
    result: ResultT


@dataclass(frozen=True)
class ReportRequest:
    """Who asks, for which deals and period, in which base currency."""

    actor: User
    filters: AnalyticsFilters
    period: Period
    base_currency: str


PeriodReport = Callable[[Session, Scope, Period, PeriodRates], ResultT]


def _period_report(
    session: Session, request: ReportRequest, compute: PeriodReport[ResultT]
) -> Report[ResultT]:
    scope = resolve_scope(session, actor=request.actor, filters=request.filters)
    rates = period_rates(session, period=request.period, base_currency=request.base_currency)
    return Report(
        scope=scope,
        period=request.period,
        currency=request.base_currency,
        result=compute(session, scope, request.period, rates),
    )


def coverage_report(session: Session, request: ReportRequest) -> Report[Coverage]:
    """Open pipeline against the quota still to close in the period."""
    return _period_report(
        session,
        request,
        lambda s, scope, period, rates: compute_coverage(
            s, scope=scope, period=period, rates=rates
        ),
    )


def funnel_report(session: Session, request: ReportRequest) -> Report[list[PipelineFunnel]]:
    """The stage funnel with drop-off, lost reasons and days per stage, per pipeline."""
    return _period_report(
        session,
        request,
        lambda s, scope, period, _rates: compute_funnels(s, scope=scope, period=period),
    )


def outcomes_report(session: Session, request: ReportRequest) -> Report[Outcomes]:
    """Win rate, sales cycle, velocity and win rate per segment."""
    return _period_report(
        session,
        request,
        lambda s, scope, period, rates: compute_outcomes(
            s, scope=scope, period=period, rates=rates
        ),
    )


def revenue_report(session: Session, request: ReportRequest) -> Report[Revenue]:
    """Expected vs actual by month, won revenue by region and industry."""
    return _period_report(
        session,
        request,
        lambda s, scope, period, rates: compute_revenue(s, scope=scope, period=period, rates=rates),
    )


def hygiene_report(
    session: Session,
    *,
    actor: User,
    filters: AnalyticsFilters,
    base_currency: str,
    idle_days: int = DEFAULT_IDLE_DAYS,
    limit: int = DEFAULT_LIMIT,
    now: datetime | None = None,
) -> Report[Hygiene]:
    """Rotting, stale and untidy open deals, as of now (no period)."""
    scope = resolve_scope(session, actor=actor, filters=filters)
    hygiene = compute_hygiene(session, scope=scope, idle_days=idle_days, limit=limit, now=now)
    return Report(scope=scope, period=None, currency=base_currency, result=hygiene)
