"""The B2C side of the person page: identities, traits and the person's events, with
"load more" (HTMX appends the next page; without JavaScript it is a page of its own)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from twofold.auth.directory import user_names
from twofold.auth.permissions import AUDIENCE_ROLES
from twofold.core.enums import Role
from twofold.events.queries import EventFilters, list_events
from twofold.events.store import EventStore
from twofold.identity.mappings import CurrentIdentifier, current_identifiers
from twofold.ingest.sources import list_sources
from twofold.messaging.consent import ChannelConsent, consent_history, consent_of
from twofold.persons.actions import get_person
from twofold.predictions.queries import person_predictions
from twofold.recommendations.catalogue import records_catalogue
from twofold.recommendations.serving import RankedProduct, recommend_for_person
from twofold.store.models import ConsentChange, IdentityConflict, Person
from twofold.web.dependencies import DbSession, WebUser, is_htmx
from twofold.web.pages.shared import RecordId
from twofold.web.pages.sources import ingestion_of
from twofold.web.templating import identity_of, render

router = APIRouter()
EVENTS_PER_PAGE = 20
RECOMMENDATIONS_SHOWN = 5


@dataclass(frozen=True)
class EventPage:
    """A page of a person's events, newest first, and the cursor of the next one."""

    person_id: int
    events: list[dict[str, Any]]
    next_cursor: str | None
    source_names: dict[str, str]


@dataclass(frozen=True)
class ProfileView:
    """What the person page shows about the person as a consumer, and what the viewer may do."""

    identities: list[CurrentIdentifier]
    traits: list[tuple[str, Any]]
    events: EventPage
    open_conflicts: int
    predictions: dict[str, Any] | None
    recommendations: list[RankedProduct]
    may_merge: bool
    may_export: bool
    may_erase: bool
    consent: list[ChannelConsent]
    consent_changes: list[ConsentChange]
    consent_actors: dict[int, str]  # who recorded a change (the person themselves: no one)
    may_change_consent: bool


def event_page(
    session: Session, store: EventStore, person_id: int, cursor: str | None
) -> EventPage:
    """One page of the person's events."""
    events, next_cursor = list_events(
        store, EventFilters(person_id=person_id), limit=EVENTS_PER_PAGE, cursor=cursor
    )
    names = {str(source.id): source.name for source in list_sources(session)}
    return EventPage(person_id, events, next_cursor, names)


def profile_view(request: Request, session: Session, person: Person) -> ProfileView:
    """Identities, traits, the first page of events and the viewer's permissions."""
    identity = identity_of(request)
    role = identity.role if identity else ""
    conflicts = session.scalar(
        select(func.count()).where(
            IdentityConflict.status == "open",
            or_(
                IdentityConflict.person_id == person.id,
                IdentityConflict.other_person_id == person.id,
            ),
        )
    )
    changes = consent_history(session, person.id, limit=5)
    return ProfileView(
        identities=current_identifiers(session, person.id),
        traits=sorted(person.traits.items()),
        events=event_page(session, ingestion_of(request).store, person.id, None),
        open_conflicts=int(conflicts or 0),
        predictions=_predictions(request, person.id),
        recommendations=_recommendations(request, session, person.id),
        may_merge=role in AUDIENCE_ROLES,
        may_export=role in AUDIENCE_ROLES,
        may_erase=role == Role.ADMIN,
        consent=list(consent_of(session, person.id).values()),
        consent_changes=changes,
        consent_actors=user_names(session, (change.actor_id for change in changes)),
        may_change_consent=role in {Role.ADMIN, Role.MANAGER, Role.MARKETER}
        or (role == Role.REP and identity is not None and person.owner_id == identity.user_id),
    )


def _recommendations(request: Request, session: Session, person_id: int) -> list[RankedProduct]:
    """Next-best products (decision 0021), as a message would show them."""
    base_currency = request.app.state.settings.base_currency
    catalogue = records_catalogue(session, base_currency=base_currency)
    store = ingestion_of(request).store
    return recommend_for_person(
        store, person_id=person_id, limit=RECOMMENDATIONS_SHOWN, catalogue=catalogue
    )


def _predictions(request: Request, person_id: int) -> dict[str, Any] | None:
    with ingestion_of(request).store.reader() as reader:
        return person_predictions(reader, person_id)


@router.get("/people/{person_id}/events", include_in_schema=False)
def more_events(
    request: Request,
    session: DbSession,
    _user: WebUser,
    person_id: RecordId,
    cursor: str | None = None,
) -> Response:
    """The next page of the person's events: appended by HTMX, or a page of its own."""
    person = get_person(session, person_id)
    page = event_page(session, ingestion_of(request).store, person.id, cursor or None)
    template = "people/_more_events.html" if is_htmx(request) else "people/events.html"
    return render(request, template, {"person": person, "page": page})
