"""Forecast accuracy: each person's last call for a period against what their team closed.

"Closed" is measured exactly as the forecast measures it (won deals whose expected close
date falls in the period), now, so a call and its outcome are compared like for like.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from babel.numbers import get_currency_precision
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from twofold.core.enums import ForecastCategory
from twofold.core.time import utcnow
from twofold.forecasting.forecast import TeamNode, compute_forecast, team_owner
from twofold.forecasting.periods import Period
from twofold.forecasting.teams import team_subtree
from twofold.store.models import ForecastSubmission, User

PERCENT_PLACES = Decimal("0.1")


@dataclass(frozen=True)
class AccuracyRow:
    """A call and the outcome: ``difference`` is actual minus call; accuracy is actual / call."""

    user_id: int
    name: str
    submission: ForecastSubmission
    actual: Decimal | None
    difference: Decimal | None
    accuracy_percent: Decimal | None


@dataclass(frozen=True)
class AccuracyReport:
    """The calls made for one period by a team, with what was closed."""

    period: Period
    owner_id: int | None
    currency: str
    period_ended: bool
    rows: list[AccuracyRow]


def forecast_accuracy(
    session: Session,
    *,
    actor: User,
    period: Period,
    owner_id: int | None,
    base_currency: str,
    today: date | None = None,
) -> AccuracyReport:
    """Every last call for ``period`` in ``owner_id``'s team against its team's closed total."""
    owner_id = team_owner(session, actor=actor, owner_id=owner_id)
    calls = _last_calls(session, period=period, owner_id=owner_id)
    closed: dict[int | None, Decimal] = {}
    if calls:  # the forecast is only worth computing when somebody made a call
        forecast = compute_forecast(
            session, actor=actor, period=period, owner_id=owner_id, base_currency=base_currency
        )
        closed = {
            node.user_id: node.totals.categories[ForecastCategory.CLOSED]
            for node in _walk(forecast.rollup)
        }
    rows = [
        _row(submission, name, closed.get(submission.user_id, Decimal(0)), base_currency)
        for submission, name in calls
    ]
    return AccuracyReport(
        period=period,
        owner_id=owner_id,
        currency=base_currency,
        period_ended=period.end < (today or utcnow().date()),
        rows=rows,
    )


def _last_calls(
    session: Session, *, period: Period, owner_id: int | None
) -> list[tuple[ForecastSubmission, str]]:
    """The newest submission of each team member for the period, by name."""
    latest = (
        select(func.max(ForecastSubmission.id))
        .where(
            ForecastSubmission.period_kind == period.kind.value,
            ForecastSubmission.period_start == period.start,
        )
        .group_by(ForecastSubmission.user_id)
    )
    if owner_id is not None:
        latest = latest.where(ForecastSubmission.user_id.in_(select(team_subtree(owner_id).c.id)))
    query = (
        select(ForecastSubmission, User.name)
        .join(User, User.id == ForecastSubmission.user_id)
        .where(ForecastSubmission.id.in_(latest))
        .order_by(User.name, User.id)
    )
    return [(submission, name) for submission, name in session.execute(query)]


def _row(
    submission: ForecastSubmission, name: str, closed: Decimal, base_currency: str
) -> AccuracyRow:
    comparable = submission.currency == base_currency
    places = Decimal(1).scaleb(-get_currency_precision(submission.currency))
    call = Decimal(submission.amount).quantize(places)
    percent = None
    if comparable and call > 0:
        percent = (closed / call * 100).quantize(PERCENT_PLACES)
    return AccuracyRow(
        user_id=submission.user_id,
        name=name,
        submission=submission,
        actual=closed if comparable else None,
        difference=closed - call if comparable else None,
        accuracy_percent=percent,
    )


def _walk(nodes: list[TeamNode]) -> Iterator[TeamNode]:
    for node in nodes:
        yield node
        yield from _walk(node.children)
