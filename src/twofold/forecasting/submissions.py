"""Forecast calls: each submission keeps the team's forecast as it stood (append-only)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.auth.permissions import ensure_can_write
from twofold.core.enums import RecordType
from twofold.core.errors import ValidationFailed
from twofold.core.money import format_amount, parse_amount, parse_currency
from twofold.core.time import utcnow
from twofold.forecasting.forecast import ForecastTotals, compute_forecast
from twofold.forecasting.periods import Period, parse_period
from twofold.forecasting.schemas import SubmissionCreate
from twofold.forecasting.teams import visible_user_ids
from twofold.store.listing import Page, PageRequest, paginate
from twofold.store.models import ForecastSubmission, User
from twofold.timeline import kinds
from twofold.timeline.entries import append_to_timelines

SORTABLE = {"submitted_at": ForecastSubmission.submitted_at, "id": ForecastSubmission.id}


def submit_forecast(
    session: Session,
    *,
    actor: User,
    base_currency: str,
    data: SubmissionCreate,
    now: datetime | None = None,
) -> ForecastSubmission:
    """Record the actor's call for a period that has not ended, with their team's forecast."""
    ensure_can_write(actor)
    moment = now or utcnow()
    period = parse_period(data.period)
    if period.end < moment.date():
        raise ValidationFailed.on(
            "period", f"{period.label} has ended; a call is made before its period ends"
        )
    if data.currency and parse_currency(data.currency) != base_currency:
        raise ValidationFailed.on(
            "currency", f"calls are made in the base currency, {base_currency}"
        )
    amount = parse_amount(data.amount, base_currency)
    forecast = compute_forecast(
        session, actor=actor, period=period, owner_id=actor.id, base_currency=base_currency
    )
    submission = _snapshot(forecast.totals, actor=actor, period=period)
    submission.currency, submission.amount = base_currency, amount
    submission.note = data.note or None
    submission.submitted_at = moment
    session.add(submission)
    session.flush()
    append_to_timelines(
        session,
        actor=actor,
        records=[(RecordType.USER, actor.id)],
        kind=kinds.FORECAST_SUBMITTED,
        summary=f"Forecast call for {period.label}: "
        f"{format_amount(amount, base_currency)} {base_currency}",
    )
    return submission


def _snapshot(totals: ForecastTotals, *, actor: User, period: Period) -> ForecastSubmission:
    """A submission row holding the forecast's totals (money as decimal strings)."""
    return ForecastSubmission(
        user_id=actor.id,
        period_kind=period.kind.value,
        period_start=period.start,
        period_end=period.end,
        categories={key: str(value) for key, value in totals.categories.items()},
        weighted=totals.weighted,
        quota=totals.quota,
        deal_count=totals.deal_count,
        unconverted=[
            {
                "currency": currency,
                "amount": str(missing.amount),
                "deal_count": missing.deal_count,
                "quota": None if missing.quota is None else str(missing.quota),
            }
            for currency, missing in sorted(totals.unconverted.items())
        ],
    )


def list_submissions(
    session: Session,
    *,
    actor: User,
    user_id: int | None,
    period: Period | None,
    page: PageRequest,
) -> Page[ForecastSubmission]:
    """Submissions the actor may see (their team's; admins everyone's), newest first."""
    query = select(ForecastSubmission)
    visible = visible_user_ids(actor)
    if visible is not None:
        query = query.where(ForecastSubmission.user_id.in_(visible))
    if user_id is not None:
        query = query.where(ForecastSubmission.user_id == user_id)
    if period is not None:
        query = query.where(
            ForecastSubmission.period_kind == period.kind.value,
            ForecastSubmission.period_start == period.start,
        )
    return paginate(
        session,
        query,
        page=page,
        sortable=SORTABLE,
        default_sort="-submitted_at",
        id_column=ForecastSubmission.id,
    )
