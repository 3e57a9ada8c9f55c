"""/api/v1: product recommendations — a person's next-best products, the stored model's
latest fit with its holdout check, and a refit on demand (decision 0021)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field, StrictBool, StrictInt

from twofold.api.dependencies import ApiUser, AppSettings, DbSession, EventIngestion
from twofold.auth.permissions import ensure_manager
from twofold.core.inputs import InputModel
from twofold.persons.actions import get_person
from twofold.recommendations.catalogue import records_catalogue
from twofold.recommendations.fit import latest_fit
from twofold.recommendations.refresh import DEFAULT_K, refresh_recommendations
from twofold.recommendations.serving import MAX_LIMIT, recommend_for_person

router = APIRouter(tags=["recommendations"])


class RecommendedProductOut(BaseModel):
    """A product for the person: how it is shown, and why (item-to-item or popular)."""

    product_id: str = Field(description="the SKU (else the product id) of the order lines")
    name: str
    url: str | None
    image_url: str | None
    price: str | None
    currency: str | None
    source: str = Field(description="item_to_item or popular")
    score: float


class RecommendationsOut(BaseModel):
    """A person's recommendations, best first."""

    person_id: int
    items: list[RecommendedProductOut]


class RecommendationFitOut(BaseModel):
    """The stored model: size, settings, and the holdout check (``null``: never fitted)."""

    fit_id: int | None
    fitted_at: datetime | None
    products: int
    pairs: int
    buyers: int
    settings: dict[str, Any]
    evaluation: dict[str, Any] | None
    seconds: float


class RefitIn(InputModel):
    """A refit, with (by default) the holdout check at ``k``."""

    evaluate: StrictBool = True
    k: StrictInt = Field(default=DEFAULT_K, ge=1, le=100)


@router.get("/persons/{person_id}/recommendations")
def person_recommendations(
    person_id: int,
    session: DbSession,
    ingestion: EventIngestion,
    settings: AppSettings,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 10,
) -> RecommendationsOut:
    """Next-best products for the person (rules applied; popular products fill up; only
    active catalogue products once the catalogue has any product)."""
    get_person(session, person_id)
    catalogue = records_catalogue(session, base_currency=settings.base_currency)
    found = recommend_for_person(
        ingestion.store, person_id=person_id, limit=limit, catalogue=catalogue
    )
    return RecommendationsOut(
        person_id=person_id,
        items=[
            RecommendedProductOut(
                **item.recommendation.as_context(), source=item.source, score=round(item.score, 6)
            )
            for item in found
        ],
    )


@router.get("/recommendations/fit")
def recommendation_fit(ingestion: EventIngestion) -> RecommendationFitOut:
    """The latest fit and its holdout check: hit rate at k against most popular."""
    fit = latest_fit(ingestion.store)
    if fit is None:
        return RecommendationFitOut(
            fit_id=None,
            fitted_at=None,
            products=0,
            pairs=0,
            buyers=0,
            settings={},
            evaluation=None,
            seconds=0.0,
        )
    return RecommendationFitOut(**fit)


@router.post("/recommendations/refit")
def refit(data: RefitIn, ingestion: EventIngestion, user: ApiUser) -> RecommendationFitOut:
    """Refit the model on every purchase, after the holdout check (managers)."""
    ensure_manager(user)
    refresh_recommendations(ingestion.store, evaluate=data.evaluate, k=data.k)
    return recommendation_fit(ingestion)
