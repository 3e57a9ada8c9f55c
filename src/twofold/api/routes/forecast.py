"""/api/v1/forecast: the forecast of a period, calls (submissions) and their accuracy."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from twofold.api.dependencies import ApiUser, AppSettings, DbSession
from twofold.api.routes.support import Paging
from twofold.api.schemas.common import ListOut
from twofold.api.schemas.forecasting import AccuracyOut, ForecastOut, SubmissionOut
from twofold.forecasting.accuracy import forecast_accuracy
from twofold.forecasting.forecast import compute_forecast
from twofold.forecasting.periods import parse_period
from twofold.forecasting.schemas import SubmissionCreate
from twofold.forecasting.submissions import list_submissions, submit_forecast

router = APIRouter(prefix="/forecast", tags=["forecast"])

MAX_ID = 2**63 - 1
PeriodQuery = Annotated[
    str, Query(max_length=20, description="a quarter (2027-Q1) or a month (2027-03)")
]
OwnerQuery = Annotated[
    int | None,
    Query(
        ge=1,
        le=MAX_ID,
        description="the user whose team to show (default: admins the company, others "
        "their own team)",
    ),
]


@router.get("")
def forecast(
    session: DbSession,
    user: ApiUser,
    settings: AppSettings,
    period: PeriodQuery,
    owner: OwnerQuery = None,
) -> ForecastOut:
    """Category totals, weighted pipeline and quota for deals closing in the period."""
    result = compute_forecast(
        session,
        actor=user,
        period=parse_period(period),
        owner_id=owner,
        base_currency=settings.base_currency,
    )
    return ForecastOut.of(result)


@router.get("/submissions")
def submissions(
    session: DbSession,
    user: ApiUser,
    paging: Paging,
    period: Annotated[str | None, Query(max_length=20)] = None,
    user_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> ListOut[SubmissionOut]:
    """Calls you may see (yours and your team's; admins everyone's), newest first."""
    page = list_submissions(
        session,
        actor=user,
        user_id=user_id,
        period=parse_period(period) if period is not None else None,
        page=paging,
    )
    return ListOut(items=[SubmissionOut.of(s) for s in page.items], next_cursor=page.next_cursor)


@router.post("/submissions", status_code=status.HTTP_201_CREATED)
def submit(
    data: SubmissionCreate, session: DbSession, user: ApiUser, settings: AppSettings
) -> SubmissionOut:
    """Make your call for a period; your team's forecast is kept with it."""
    submission = submit_forecast(
        session, actor=user, base_currency=settings.base_currency, data=data
    )
    return SubmissionOut.of(submission)


@router.get("/accuracy")
def accuracy(
    session: DbSession,
    user: ApiUser,
    settings: AppSettings,
    period: PeriodQuery,
    owner: OwnerQuery = None,
) -> AccuracyOut:
    """Each last call for the period in the team against what the caller's team closed."""
    report = forecast_accuracy(
        session,
        actor=user,
        period=parse_period(period),
        owner_id=owner,
        base_currency=settings.base_currency,
    )
    return AccuracyOut.of(report)
