"""The live event debugger: the newest events as they are loaded, refreshed by HTMX polling,
filtered by source, with the messages the ingestion endpoints refused (admins) beside them.

The page polls ``/events/feed?after=<newest event id shown>``; the answer prepends only the
new events (an out-of-band swap), so an event someone has opened stays open.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from twofold.core.enums import Role
from twofold.events.queries import latest_events
from twofold.ingest import sources
from twofold.store.models import User
from twofold.web.dependencies import DbSession, WebUser
from twofold.web.forms import MAX_ID
from twofold.web.pages.shared import OptionalId
from twofold.web.pages.sources import ingestion_of
from twofold.web.templating import render

router = APIRouter()
SHOWN_EVENTS = 50
SHOWN_REJECTIONS = 20
POLL_SECONDS = 2


@router.get("/events", include_in_schema=False)
def debugger_page(
    request: Request,
    session: DbSession,
    user: WebUser,
    source_id: OptionalId = None,
) -> Response:
    """The newest events (of one source, when chosen) and the recent rejections."""
    if source_id is not None:
        sources.get_source(session, source_id)
    choices = [(str(source.id), source.name) for source in sources.list_sources(session)]
    context = {
        **_feed(request, user, source_id=source_id, after=None),
        "source_choices": choices,
        "source_names": dict(choices),
    }
    return render(request, "events/debugger.html", context)


@router.get("/events/feed", include_in_schema=False)
def debugger_feed(
    request: Request,
    session: DbSession,
    user: WebUser,
    source_id: OptionalId = None,
    after: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> Response:
    """What arrived since the newest event the page shows (HTMX polls this)."""
    names = {str(source.id): source.name for source in sources.list_sources(session)}
    context = {**_feed(request, user, source_id=source_id, after=after), "source_names": names}
    return render(request, "events/_feed.html", context)


def _feed(
    request: Request, user: User, *, source_id: int | None, after: int | None
) -> dict[str, Any]:
    ingestion = ingestion_of(request)
    events = latest_events(
        ingestion.store, source_id=source_id, after_event_id=after, limit=SHOWN_EVENTS
    )
    may_see_rejections = user.role == Role.ADMIN
    rejections = (
        ingestion.rejections.latest(source_id=source_id, limit=SHOWN_REJECTIONS)
        if may_see_rejections
        else []
    )
    return {
        "events": events,
        "newest_id": events[0]["event_id"] if events else after or 0,  # 0: none shown yet
        "source_id": source_id,
        "rejections": rejections,
        "may_see_rejections": may_see_rejections,
        "poll_seconds": POLL_SECONDS,
    }
