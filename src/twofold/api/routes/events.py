"""/api/v1/events and /api/v1/events/count: the event store, filtered and paginated."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from twofold.api.dependencies import ApiUser, get_ingestion
from twofold.events.queries import EventFilters, count_events, list_events
from twofold.store.listing import DEFAULT_LIMIT, MAX_LIMIT

router = APIRouter(prefix="/events", tags=["events"])


class EventOut(BaseModel):
    """One stored event (Segment fields in snake_case, typed columns, the raw JSON parts)."""

    event_id: int
    source_id: int
    message_id: str
    type: str
    name: str | None
    person_id: int | None
    user_id: str | None
    anonymous_id: str | None
    previous_id: str | None
    group_id: str | None
    timestamp: datetime
    original_timestamp: datetime | None
    sent_at: datetime | None
    received_at: datetime
    revenue: str | None
    currency: str | None
    order_id: str | None
    product_id: str | None
    category: str | None
    properties: dict[str, Any] | None
    traits: dict[str, Any] | None
    context: dict[str, Any] | None


class EventPage(BaseModel):
    """A page of events, newest first."""

    items: list[EventOut]
    next_cursor: str | None


class EventCount(BaseModel):
    """How many events match the filters."""

    count: int


def event_filters(
    person_id: Annotated[int | None, Query(ge=1)] = None,
    name: Annotated[str | None, Query(max_length=200)] = None,
    since: Annotated[datetime | None, Query(description="ISO-8601, inclusive")] = None,
    until: Annotated[datetime | None, Query(description="ISO-8601, exclusive")] = None,
    source_id: Annotated[int | None, Query(ge=1)] = None,
) -> EventFilters:
    """The filters the list and the count share."""
    return EventFilters(person_id, name, since, until, source_id)


Filters = Annotated[EventFilters, Depends(event_filters)]


@router.get("", response_model=EventPage)
def get_events(
    request: Request,
    _user: ApiUser,
    filters: Filters,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query()] = None,
) -> dict[str, Any]:
    """Events, newest first, filtered by person, name, time range and source."""
    items, next_cursor = list_events(
        get_ingestion(request).store, filters, limit=limit, cursor=cursor
    )
    return {"items": items, "next_cursor": next_cursor}


@router.get("/count", response_model=EventCount)
def get_event_count(request: Request, _user: ApiUser, filters: Filters) -> dict[str, int]:
    """``{"count": N}`` for the same filters as the list."""
    return {"count": count_events(get_ingestion(request).store, filters)}
