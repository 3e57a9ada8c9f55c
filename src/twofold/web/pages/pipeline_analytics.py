"""The pipeline analytics page: coverage, win rate, cycle and velocity, the stage funnel with
where deals are lost, win rate by segment, revenue (expected vs actual, by region and
industry) and the hygiene lists, for a period and a team, pipeline or segment."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.analytics.hygiene import CHECKS
from twofold.analytics.outcomes import SEGMENT_DIMENSIONS
from twofold.analytics.reports import (
    ReportRequest,
    coverage_report,
    funnel_report,
    hygiene_report,
    outcomes_report,
    revenue_report,
)
from twofold.analytics.scope import SIZE_BAND_LABELS, AnalyticsFilters
from twofold.api.dependencies import AppSettings
from twofold.core.errors import ValidationFailed
from twofold.core.time import utcnow
from twofold.forecasting.periods import parse_period
from twofold.pipelines.actions import list_pipelines
from twofold.store.models import Account
from twofold.web.charts import funnel_chart, revenue_chart
from twofold.web.dependencies import DbSession, WebUser
from twofold.web.forms import parse_id
from twofold.web.pages.forecast import current_quarter, owner_choices, period_choices
from twofold.web.templating import render

router = APIRouter()
TextQuery = Annotated[str, Query(max_length=100)]
CHECK_TITLES = {
    "rotting": "Rotting (idle in their stage past its rotting age)",
    "stale": "Stale (no stage change and no activity)",
    "past_close_date": "Close date in the past",
    "no_next_step": "No next step",
    "no_recent_activity": "No recent activity",
    "missing_required_fields": "Missing what their stage requires",
}
LISTED_PER_CHECK = 10


@router.get("/pipeline-analytics", include_in_schema=False)
def pipeline_analytics_page(
    request: Request,
    session: DbSession,
    user: WebUser,
    settings: AppSettings,
    period: Annotated[str, Query(max_length=20)] = "",
    pipeline_id: Annotated[str, Query(max_length=20)] = "",
    team_of: Annotated[str, Query(max_length=20)] = "",
    industry: TextQuery = "",
    region: TextQuery = "",
    size_band: Annotated[str, Query(max_length=20)] = "",
    source: TextQuery = "",
) -> Response:
    """Every report family for the chosen period (default: this quarter) and filters."""
    chosen = parse_period(period) if period.strip() else current_quarter()
    filters = AnalyticsFilters(
        pipeline_id=_optional_id(pipeline_id, "pipeline_id"),
        team_of=_optional_id(team_of, "team_of"),
        industry=industry or None,
        region=region or None,
        size_band=size_band or None,
        source=source or None,
    )
    report = ReportRequest(
        actor=user, filters=filters, period=chosen, base_currency=settings.base_currency
    )
    coverage = coverage_report(session, report)
    funnels = funnel_report(session, report)
    outcomes = outcomes_report(session, report)
    revenue = revenue_report(session, report)
    hygiene = hygiene_report(
        session,
        actor=user,
        filters=filters,
        base_currency=settings.base_currency,
        limit=LISTED_PER_CHECK,
    )
    scope = coverage.scope
    context = {
        "period": chosen,
        "currency": settings.base_currency,
        "filters": scope.filters,
        "coverage": coverage.result,
        "funnels": funnels.result,
        "funnel_charts": [funnel_chart(funnel) for funnel in funnels.result],
        "outcomes": outcomes.result,
        "segments": [(name, outcomes.result.segments.get(name, [])) for name in SEGMENT_DIMENSIONS],
        "revenue": revenue.result,
        "revenue_chart": revenue_chart(revenue.result, settings.base_currency),
        "hygiene": hygiene.result,
        "checks": [(name, CHECK_TITLES[name], hygiene.result.checks[name]) for name in CHECKS],
        "period_choices": period_choices(chosen, utcnow().date()),
        "team_choices": owner_choices(session, user),
        "team_value": "" if scope.filters.team_of is None else str(scope.filters.team_of),
        "pipeline_choices": [(str(p.id), p.name) for p in list_pipelines(session)],
        "industry_choices": _industries(session),
        "size_bands": SIZE_BAND_LABELS,
    }
    return render(request, "analytics/page.html", context)


def _optional_id(text: str, field: str) -> int | None:
    if not text.strip():
        return None
    value = parse_id(text)
    if value is None:
        raise ValidationFailed.on(field, f"{text!r} is not an id")
    return value


def _industries(session: Session) -> list[str]:
    """The industries accounts have (read from the industry index)."""
    query = select(Account.industry).where(Account.industry.is_not(None)).distinct()
    return sorted(industry for industry in session.scalars(query) if industry)
