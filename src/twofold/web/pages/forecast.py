"""The forecast page: categories against quota per rep and rolled up the team tree, a chart,
the period and team pickers, your call for the period and how last period's calls turned out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from twofold.api.dependencies import AppSettings
from twofold.auth.directory import active_users
from twofold.core.enums import Role
from twofold.core.errors import ValidationFailed
from twofold.core.time import utcnow
from twofold.forecasting.accuracy import forecast_accuracy
from twofold.forecasting.forecast import CATEGORIES, ForecastTotals, TeamNode, compute_forecast
from twofold.forecasting.periods import Period, PeriodKind, parse_period, period_containing
from twofold.forecasting.schemas import SubmissionCreate
from twofold.forecasting.submissions import list_submissions, submit_forecast
from twofold.forecasting.teams import team_members
from twofold.store.listing import PageRequest
from twofold.store.models import ForecastSubmission, User
from twofold.web.charts import forecast_chart
from twofold.web.dependencies import DbSession, SubmittedForm, WebFormUser, WebUser, form_text
from twofold.web.forms import FormProblems, FormView, parse_id, schema_input, submitted
from twofold.web.pages.shared import see_other
from twofold.web.templating import render

CALL_FIELDS = ("period", "amount", "note")
QUARTERS_BACK, QUARTERS_AHEAD = 4, 3
RECENT_CALLS = 10

router = APIRouter()


@dataclass(frozen=True)
class RollupRow:
    """A team in the roll-up table, indented by its depth in the tree."""

    depth: int
    node: TeamNode


@dataclass(frozen=True)
class PageState:
    """What the page shows: the period, whose team, and the call form as typed."""

    period: Period
    owner_id: int | None
    form: FormView


@router.get("/forecast", include_in_schema=False)
def forecast_page(
    request: Request,
    session: DbSession,
    user: WebUser,
    settings: AppSettings,
    period: Annotated[str, Query(max_length=20)] = "",
    owner: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """The forecast of a period (default: this quarter) for a team (default: your own; the
    team picker's "Whole company" sends an empty ``owner``)."""
    chosen = parse_period(period) if period else current_quarter()
    owner_id = parse_id(owner) if owner.strip() else None
    if owner.strip() and owner_id is None:
        raise ValidationFailed.on("owner", f"{owner!r} is not a user id")
    state = PageState(
        period=chosen, owner_id=owner_id, form=FormView(values={"period": chosen.label})
    )
    return _page(request, session, user, settings.base_currency, state)


@router.post("/forecast/submissions", include_in_schema=False)
def submit_call(
    request: Request,
    session: DbSession,
    user: WebFormUser,
    form: SubmittedForm,
    settings: AppSettings,
) -> Response:
    """Record your call for the period, then show the page again with it."""
    owner = parse_id(form_text(form, "owner"))
    problems = FormProblems()
    made: ForecastSubmission | None = None
    with problems.capture(session):
        data = SubmissionCreate.model_validate(schema_input(form, CALL_FIELDS))
        made = submit_forecast(session, actor=user, base_currency=settings.base_currency, data=data)
    period = _period_or_current(form_text(form, "period"))
    if made is None:
        state = PageState(period=period, owner_id=owner, form=submitted(form, problems))
        return _page(request, session, user, settings.base_currency, state, problems.status)
    owner_query = f"&owner={owner}" if owner else ""
    return see_other(f"/forecast?period={period.label}{owner_query}#calls")


def _page(
    request: Request,
    session: Session,
    user: User,
    base_currency: str,
    state: PageState,
    status_code: int = 200,
) -> Response:
    forecast = compute_forecast(
        session,
        actor=user,
        period=state.period,
        owner_id=state.owner_id,
        base_currency=base_currency,
    )
    previous = forecast_accuracy(
        session,
        actor=user,
        period=state.period.preceding(),
        owner_id=forecast.owner_id,
        base_currency=base_currency,
    )
    calls = list_submissions(
        session,
        actor=user,
        user_id=user.id,
        period=state.period,
        page=PageRequest(limit=RECENT_CALLS),
    )
    today = utcnow().date()
    context = {
        "forecast": forecast,
        "categories": [category.value for category in CATEGORIES],
        "rollup_rows": rollup_rows(forecast.rollup),
        "chart": forecast_chart(forecast),
        "period_choices": period_choices(state.period, today),
        "owner_choices": owner_choices(session, user),
        "owner_value": "" if forecast.owner_id is None else str(forecast.owner_id),
        "form": state.form,
        "calls": calls.items,
        "period_ended": state.period.end < today,
        "can_call": user.role != Role.VIEWER and state.period.end >= today,
        "previous": previous,
        "attainment": attainment,
    }
    return render(request, "forecast/page.html", context, status_code=status_code)


def current_quarter() -> Period:
    """The quarter today falls in."""
    return period_containing(utcnow().date(), PeriodKind.QUARTER)


def _period_or_current(text: str) -> Period:
    try:
        return parse_period(text)
    except ValidationFailed:
        return current_quarter()


def rollup_rows(nodes: list[TeamNode], depth: int = 0) -> list[RollupRow]:
    """The roll-up tree as table rows, each team right above the people in it."""
    rows: list[RollupRow] = []
    for node in nodes:
        rows.append(RollupRow(depth=depth, node=node))
        rows.extend(rollup_rows(node.children, depth + 1))
    return rows


def attainment(totals: ForecastTotals) -> str:
    """Closed as a share of quota (``84%``), or ``—`` without a quota."""
    if not totals.quota:
        return "—"
    share = totals.categories["closed"] / totals.quota * 100
    return f"{share.quantize(Decimal(1))}%"


def period_choices(chosen: Period, today: date) -> list[tuple[str, str]]:
    """Recent and coming quarters and the months around today, plus the chosen period."""
    quarter = period_containing(today, PeriodKind.QUARTER)
    periods = {quarter}
    before, after = quarter, quarter
    for _ in range(QUARTERS_BACK):
        before = before.preceding()
        periods.add(before)
    for _ in range(QUARTERS_AHEAD):
        after = after.following()
        periods.add(after)
    for around in (quarter.preceding(), quarter, quarter.following()):
        periods.update(around.months())
    periods.add(chosen)
    quarters = sorted(p for p in periods if p.kind == PeriodKind.QUARTER)
    months = sorted(p for p in periods if p.kind == PeriodKind.MONTH)
    return [(p.label, _period_name(p)) for p in [*quarters, *months]]


def _period_name(period: Period) -> str:
    if period.kind == PeriodKind.QUARTER:
        return f"{period.label[-2:]} {period.start.year}"
    return period.start.strftime("%B %Y")


def owner_choices(session: Session, user: User) -> list[tuple[str, str]]:
    """The teams the user may look at: everyone's for admins, else their own and below."""
    if user.role == Role.ADMIN:
        people = [(str(member.id), member.name) for member in active_users(session)]
        return [("", "Whole company"), *people]
    return [(str(member.id), member.name) for member in team_members(session, user.id)]
