"""/api/v1/persons: CRUD, accounts and timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from twofold.accounts.memberships import person_accounts
from twofold.api.dependencies import ApiUser, DbSession, ExpectedVersion
from twofold.api.routes.memberships import membership_out
from twofold.api.routes.support import SEARCH_HELP, CustomFilters, Paging, set_etag
from twofold.api.schemas.common import ListOut, TimelineEntryOut
from twofold.api.schemas.records import MembershipOut, PersonOut
from twofold.core.enums import LifecycleStage, RecordType
from twofold.persons import actions
from twofold.persons.queries import PersonFilters, list_persons
from twofold.persons.schemas import PersonCreate, PersonUpdate
from twofold.timeline.entries import read_timeline

router = APIRouter(prefix="/persons", tags=["persons"])


def person_filters(
    custom: CustomFilters,
    search: Annotated[
        str | None, Query(description=SEARCH_HELP.format(fields="name or email"))
    ] = None,
    owner_id: int | None = None,
    account_id: int | None = None,
    lifecycle_stage: LifecycleStage | None = None,
    email: str | None = None,
    updated_since: datetime | None = None,
) -> PersonFilters:
    """The list filters, from the query string (the list and its CSV export share them)."""
    return PersonFilters(
        search=search,
        owner_id=owner_id,
        account_id=account_id,
        lifecycle_stage=lifecycle_stage.value if lifecycle_stage else None,
        email=email,
        updated_since=updated_since,
        custom=custom,
    )


@router.get("")
def list_(
    session: DbSession,
    paging: Paging,
    filters: Annotated[PersonFilters, Depends(person_filters)],
) -> ListOut[PersonOut]:
    """Persons, filtered and searched, one page at a time."""
    page = list_persons(session, filters=filters, page=paging)
    return ListOut(
        items=[PersonOut.model_validate(p) for p in page.items], next_cursor=page.next_cursor
    )


@router.post("", status_code=status.HTTP_201_CREATED)
def create(data: PersonCreate, session: DbSession, user: ApiUser, response: Response) -> PersonOut:
    """Create a person; emails are validated, phones normalised to E.164."""
    person = actions.create_person(session, actor=user, data=data)
    set_etag(response, person.version)
    return PersonOut.model_validate(person)


@router.get("/{person_id}")
def read(person_id: int, session: DbSession, response: Response) -> PersonOut:
    """One person; the ``ETag`` header carries its version."""
    person = actions.get_person(session, person_id)
    set_etag(response, person.version)
    return PersonOut.model_validate(person)


@router.patch("/{person_id}")
def update(
    person_id: int,
    data: PersonUpdate,
    session: DbSession,
    user: ApiUser,
    expected_version: ExpectedVersion,
    response: Response,
) -> PersonOut:
    """Change the fields sent (traits merge key by key); stale ``If-Match`` answers 412."""
    person = actions.get_person(session, person_id)
    actions.update_person(
        session, actor=user, person=person, data=data, expected_version=expected_version
    )
    set_etag(response, person.version)
    return PersonOut.model_validate(person)


@router.delete("/{person_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete(
    person_id: int, session: DbSession, user: ApiUser, expected_version: ExpectedVersion
) -> None:
    """Delete a person (their memberships and committee roles go too)."""
    person = actions.get_person(session, person_id)
    actions.delete_person(session, actor=user, person=person, expected_version=expected_version)


@router.get("/{person_id}/memberships")
def memberships(person_id: int, session: DbSession) -> list[MembershipOut]:
    """The accounts the person is or was at."""
    actions.get_person(session, person_id)
    return [membership_out(m) for m, _account in person_accounts(session, person_id)]


@router.get("/{person_id}/timeline")
def timeline(
    person_id: int,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before_id: int | None = None,
) -> list[TimelineEntryOut]:
    """The person's history, newest first."""
    actions.get_person(session, person_id)
    entries = read_timeline(
        session, record=(RecordType.PERSON, person_id), limit=limit, before_id=before_id
    )
    return [TimelineEntryOut.model_validate(entry) for entry in entries]
