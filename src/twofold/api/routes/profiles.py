"""/api/v1/persons/{id}/profile: traits, computed traits, identities and latest orders."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

from twofold.api.dependencies import ApiUser, DbSession
from twofold.api.routes.orders import OrderOut
from twofold.ingest.runtime import Ingestion
from twofold.profiles.queries import person_profile

router = APIRouter(prefix="/persons", tags=["persons"])


class IdentityOut(BaseModel):
    """An identifier the person owns now, and since when."""

    kind: str
    value: str
    reason: str
    source_id: int | None
    since: datetime


class EventCountOut(BaseModel):
    """How often the person did something; ``name`` is the event of a track call."""

    type: str
    name: str | None
    count: int
    first_at: datetime
    last_at: datetime


class RevenueOut(BaseModel):
    """Order economics in one currency: net revenue (after refunds; cancelled orders left
    out), orders, average order value = revenue / orders."""

    currency: str
    orders: int
    revenue: str
    average_order_value: str
    last_order_at: datetime


class ComputedTraitsOut(BaseModel):
    """Traits computed from the person's events and orders."""

    first_seen: datetime | None
    last_seen: datetime | None
    events: int
    event_counts: list[EventCountOut]
    orders: int
    last_order_at: datetime | None
    revenue: list[RevenueOut]
    favourite_category: str | None


class ProfileOut(BaseModel):
    """A person's profile."""

    person_id: int
    first_name: str
    last_name: str
    emails: list[str]
    phones: list[str]
    traits: dict[str, Any]
    computed: ComputedTraitsOut
    identities: list[IdentityOut]
    latest_orders: list[OrderOut]
    predictions: dict[str, Any] | None  # as GET /persons/{id}/predictions; None before a fit


@router.get("/{person_id}/profile", response_model=ProfileOut)
def read_profile(
    person_id: int, request: Request, session: DbSession, _user: ApiUser
) -> dict[str, Any]:
    """The person's traits, computed traits, identities and five latest orders."""
    ingestion: Ingestion = request.app.state.ingestion
    return person_profile(session, ingestion.store, person_id)
