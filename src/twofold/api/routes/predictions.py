"""/api/v1/predictions: the latest fit on the CRM's orders, a refit on demand, and one
person's predictions. Probabilities are percentages, money a decimal string + currency."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field

from twofold.api.dependencies import ApiUser, DbSession, EventIngestion, OwnTransactionApiUser
from twofold.auth.permissions import ensure_can_manage_marketing
from twofold.core.errors import NotFound
from twofold.core.inputs import InputModel
from twofold.ingest.runtime import Ingestion
from twofold.persons.actions import get_person
from twofold.predictions import queries
from twofold.predictions.crm_fit import MAX_HORIZON_WEEKS, PredictionOptions
from twofold.predictions.scoring import WEEKS_PER_YEAR

router = APIRouter(tags=["predictions"])
refresh_router = APIRouter(tags=["predictions"])
RecordId = Annotated[int, Path(ge=1, le=2**63 - 1)]


class PredictionRefresh(InputModel):
    """Options of a refit: the CLV horizon in weeks and the annual discount rate (0-1)."""

    horizon_weeks: float = Field(default=WEEKS_PER_YEAR, gt=0, le=MAX_HORIZON_WEEKS)
    annual_discount_rate: float = Field(default=0.10, ge=0, le=1)


class RefreshOut(BaseModel):
    """What a refit wrote."""

    fit_id: int
    fitted_at: datetime
    as_of: date
    persons: int
    purchases: int
    orders_without_rate: int
    has_clv: bool
    notes: list[str]
    seconds: float


class PersonPredictionsOut(BaseModel):
    """A person's scores at the last fit (percentages; money in ``currency``)."""

    person_id: int
    churn_risk: float | None
    probability_alive: float | None
    expected_purchases: float | None
    predicted_clv: str | None
    currency: str | None
    expected_next_order_at: date | None
    rfm_score: str | None
    rfm_group: str | None
    recency_days: int | None
    orders: int | None
    monetary: str | None
    scored_at: datetime


@refresh_router.post("/predictions/refresh")
def refresh(
    user: OwnTransactionApiUser, request: Request, data: PredictionRefresh | None = None
) -> RefreshOut:
    """Refit on the orders now and rewrite every person's predictions (admins, marketers).
    422 ``not_enough_data`` / ``fit_failed`` when the models cannot be fitted: nothing is
    written then, and the previous predictions stay."""
    ensure_can_manage_marketing(user)
    ingestion: Ingestion = request.app.state.ingestion
    chosen = data or PredictionRefresh()
    options = PredictionOptions(
        horizon_weeks=chosen.horizon_weeks, annual_discount_rate=chosen.annual_discount_rate
    )
    report = ingestion.refresh_predictions(options)
    return RefreshOut(**vars(report))


@router.get("/predictions/fit")
def latest_fit(_user: ApiUser, ingestion: EventIngestion) -> dict[str, Any]:
    """The latest fit: parameters (named as in the papers), standard errors,
    log-likelihoods, the holdout check, and what was left out (404 before the first fit)."""
    with ingestion.store.reader() as reader:
        fit = queries.latest_fit(reader)
    if fit is None:
        raise NotFound("the models have not been fitted yet (POST /api/v1/predictions/refresh)")
    fit["last_scheduled_error"] = ingestion.predictions_error
    return fit


@router.get("/persons/{person_id}/predictions")
def person_predictions(
    person_id: RecordId, session: DbSession, _user: ApiUser, ingestion: EventIngestion
) -> PersonPredictionsOut:
    """The person's predictions (404 for an unknown person or one without a purchase at the
    last fit)."""
    get_person(session, person_id)
    with ingestion.store.reader() as reader:
        found = queries.person_predictions(reader, person_id)
    if found is None:
        raise NotFound(f"person {person_id} has no predictions (no purchase at the last fit)")
    return PersonPredictionsOut(person_id=person_id, **found)
