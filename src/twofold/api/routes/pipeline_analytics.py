"""/api/v1/pipeline-analytics: coverage, funnel, outcomes, revenue and hygiene reports.

One endpoint per report family, all with the same filters, so that a client (and the page)
asks only for what it shows. Definitions: docs/decisions/0012-pipeline-analytics.md.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from twofold.analytics.hygiene import DEFAULT_IDLE_DAYS, DEFAULT_LIMIT
from twofold.analytics.reports import (
    ReportRequest,
    coverage_report,
    funnel_report,
    hygiene_report,
    outcomes_report,
    revenue_report,
)
from twofold.analytics.scope import SIZE_BAND_LABELS, AnalyticsFilters
from twofold.api.dependencies import ApiUser, AppSettings, DbSession
from twofold.api.schemas.analytics import (
    CoverageOut,
    FunnelOut,
    HygieneOut,
    OutcomesOut,
    RevenueOut,
)
from twofold.forecasting.periods import parse_period
from twofold.store.listing import MAX_LIMIT

router = APIRouter(prefix="/pipeline-analytics", tags=["pipeline analytics"])

MAX_ID = 2**63 - 1
MAX_IDLE_DAYS = 3650
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
TextQuery = Annotated[str | None, Query(max_length=100)]
PeriodQuery = Annotated[
    str, Query(max_length=20, description="a quarter (2027-Q1) or a month (2027-03)")
]


def analytics_filters(
    pipeline_id: IdQuery = None,
    owner_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="deals owned by this user")
    ] = None,
    team_of: Annotated[
        int | None,
        Query(
            ge=1,
            le=MAX_ID,
            description="deals owned by this user and everyone below them (default for "
            "non-admins: their own team)",
        ),
    ] = None,
    industry: TextQuery = None,
    region: TextQuery = None,
    size_band: Annotated[
        str | None,
        Query(max_length=20, description="employees: " + ", ".join(SIZE_BAND_LABELS)),
    ] = None,
    source: TextQuery = None,
) -> AnalyticsFilters:
    """The filters every report takes."""
    return AnalyticsFilters(
        pipeline_id=pipeline_id,
        owner_id=owner_id,
        team_of=team_of,
        industry=industry,
        region=region,
        size_band=size_band,
        source=source,
    )


Filters = Annotated[AnalyticsFilters, Depends(analytics_filters)]


def _request(user: ApiUser, settings: AppSettings, filters: Filters, period: str) -> ReportRequest:
    return ReportRequest(
        actor=user,
        filters=filters,
        period=parse_period(period),
        base_currency=settings.base_currency,
    )


@router.get("/coverage")
def coverage(
    session: DbSession, user: ApiUser, settings: AppSettings, filters: Filters, period: PeriodQuery
) -> CoverageOut:
    """Open pipeline closing in the period against the quota still to close."""
    return CoverageOut.of(coverage_report(session, _request(user, settings, filters, period)))


@router.get("/funnel")
def funnel(
    session: DbSession, user: ApiUser, settings: AppSettings, filters: Filters, period: PeriodQuery
) -> FunnelOut:
    """Stage funnel of the deals closed in the period: reached, lost, why, days per stage."""
    return FunnelOut.of(funnel_report(session, _request(user, settings, filters, period)))


@router.get("/outcomes")
def outcomes(
    session: DbSession, user: ApiUser, settings: AppSettings, filters: Filters, period: PeriodQuery
) -> OutcomesOut:
    """Win rate, sales cycle, velocity and win rate per segment."""
    return OutcomesOut.of(outcomes_report(session, _request(user, settings, filters, period)))


@router.get("/revenue")
def revenue(
    session: DbSession, user: ApiUser, settings: AppSettings, filters: Filters, period: PeriodQuery
) -> RevenueOut:
    """Expected vs actual revenue by month; won revenue by region and industry."""
    return RevenueOut.of(revenue_report(session, _request(user, settings, filters, period)))


@router.get("/hygiene")
def hygiene(
    session: DbSession,
    user: ApiUser,
    settings: AppSettings,
    filters: Filters,
    idle_days: Annotated[
        int, Query(ge=1, le=MAX_IDLE_DAYS, description="days without activity that count")
    ] = DEFAULT_IDLE_DAYS,
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description="deals listed per check")
    ] = DEFAULT_LIMIT,
) -> HygieneOut:
    """Rotting, stale and untidy open deals, as of now."""
    report = hygiene_report(
        session,
        actor=user,
        filters=filters,
        base_currency=settings.base_currency,
        idle_days=idle_days,
        limit=limit,
    )
    return HygieneOut.of(report)
