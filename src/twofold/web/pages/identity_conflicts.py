"""Identity-conflict review: the open conflicts, both persons side by side, merge or dismiss."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.accounts.memberships import person_accounts
from twofold.auth.directory import user_names
from twofold.auth.permissions import AUDIENCE_ROLES
from twofold.deals.participation import person_deals
from twofold.events.queries import EventFilters, count_events, list_events
from twofold.events.store import EventStore
from twofold.identity import conflicts
from twofold.identity.mappings import CurrentIdentifier, current_identifiers
from twofold.persons.merge import merge_persons
from twofold.store.listing import PageRequest
from twofold.store.models import Person
from twofold.web.dependencies import (
    DbSession,
    OwnTransactionFormUser,
    SubmittedForm,
    WebFormUser,
    WebUser,
    form_text,
)
from twofold.web.forms import parse_id
from twofold.web.pages.shared import PAGE_SIZE, RecordId, see_other
from twofold.web.pages.sources import ingestion_of
from twofold.web.templating import identity_of, render

router = APIRouter()
Status = Literal["open", "merged", "dismissed", "all"]


@dataclass(frozen=True)
class PersonSide:
    """One of the two persons, as the review compares them."""

    person: Person
    identities: list[CurrentIdentifier]
    accounts: list[str]
    deals: int
    events: int
    last_event_at: datetime | None


@router.get("/identity-conflicts", include_in_schema=False)
def conflict_list(
    request: Request,
    session: DbSession,
    _user: WebUser,
    status: Annotated[Status, Query()] = "open",
    cursor: str | None = None,
) -> Response:
    """Conflicts with the chosen status, newest first."""
    page = conflicts.list_conflicts(
        session,
        status=None if status == "all" else status,
        page=PageRequest(limit=PAGE_SIZE, cursor=cursor or None),
    )
    person_ids = {i for c in page.items for i in (c.person_id, c.other_person_id)}
    persons = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(person_ids)))}
    context = {"page": page, "persons": persons, "status": status}
    return render(request, "conflicts/list.html", context)


@router.get("/identity-conflicts/{conflict_id}", include_in_schema=False)
def conflict_review(
    request: Request, session: DbSession, _user: WebUser, conflict_id: RecordId
) -> Response:
    """Both persons side by side, with merge (either way) and dismiss."""
    conflict = conflicts.get_conflict(session, conflict_id)
    store = ingestion_of(request).store
    sides = [
        _side(session, store, person_id)
        for person_id in dict.fromkeys([conflict.person_id, conflict.other_person_id])
    ]
    identity = identity_of(request)
    context = {
        "conflict": conflict,
        "sides": sides,
        "resolver": _resolver(session, conflict.resolved_by_id),
        "may_decide": conflict.status == conflicts.OPEN
        and identity is not None
        and identity.role in AUDIENCE_ROLES,
    }
    return render(request, "conflicts/review.html", context)


@router.post("/identity-conflicts/{conflict_id}/merge", include_in_schema=False)
def merge_from_review(
    request: Request, user: OwnTransactionFormUser, form: SubmittedForm, conflict_id: RecordId
) -> Response:
    """Merge the conflict's persons into the one chosen (``into_person_id``)."""
    stores = ingestion_of(request).person_stores
    with stores.database.transaction(write=False) as session:
        conflict = conflicts.open_conflict(session, conflict_id)
        pair = (conflict.person_id, conflict.other_person_id)
    into = parse_id(form_text(form, "into_person_id")) or pair[0]
    other = pair[1] if into == pair[0] else pair[0]
    merge_persons(stores, actor=user, into_id=into, from_id=other, conflict_id=conflict_id)
    return see_other(f"/people/{into}")


@router.post("/identity-conflicts/{conflict_id}/dismiss", include_in_schema=False)
def dismiss_from_review(session: DbSession, user: WebFormUser, conflict_id: RecordId) -> Response:
    """They are different people: close the conflict and go back to the list."""
    conflicts.dismiss_conflict(session, actor=user, conflict_id=conflict_id)
    return see_other("/identity-conflicts")


def _resolver(session: Session, user_id: int | None) -> str | None:
    return user_names(session, [user_id]).get(user_id) if user_id is not None else None


def _side(session: Session, store: EventStore, person_id: int) -> PersonSide:
    person = session.get_one(Person, person_id)
    newest, _cursor = list_events(store, EventFilters(person_id=person_id), limit=1, cursor=None)
    return PersonSide(
        person=person,
        identities=current_identifiers(session, person_id),
        accounts=[account.name for _membership, account in person_accounts(session, person_id)],
        deals=len(person_deals(session, person_id)),
        events=count_events(store, EventFilters(person_id=person_id)),
        last_event_at=newest[0]["timestamp"] if newest else None,
    )
