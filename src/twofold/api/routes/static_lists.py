"""/api/v1/lists: static lists of people (decision 0018) and their members."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field

from twofold.api.dependencies import ApiUser, DbSession, ExpectedVersion
from twofold.api.routes.support import Paging, set_etag
from twofold.api.schemas.common import ListOut
from twofold.core.inputs import InputModel
from twofold.lists import actions
from twofold.lists.actions import MAX_PEOPLE_PER_CALL, ListCreate, ListUpdate
from twofold.lists.queries import list_members
from twofold.persons.actions import display_name
from twofold.store.changes import ensure_version
from twofold.store.models import StaticList

router = APIRouter(prefix="/lists", tags=["lists"])


class StaticListOut(BaseModel):
    id: int
    name: str
    description: str
    member_count: int
    version: int
    created_at: datetime
    updated_at: datetime


class ListMemberOut(BaseModel):
    person_id: int
    name: str
    email: str | None
    source: str
    added_at: datetime


class PeopleIn(InputModel):
    person_ids: list[int] = Field(min_length=1, max_length=MAX_PEOPLE_PER_CALL)


class PeopleChangedOut(BaseModel):
    changed: int


def list_out(found: StaticList, members: int) -> StaticListOut:
    return StaticListOut(
        id=found.id,
        name=found.name,
        description=found.description,
        member_count=members,
        version=found.version,
        created_at=found.created_at,
        updated_at=found.updated_at,
    )


def _counted(session: DbSession, found: StaticList) -> StaticListOut:
    return list_out(found, actions.member_count(session, found.id))


@router.get("")
def list_lists(session: DbSession) -> ListOut[StaticListOut]:
    rows = actions.all_lists(session)
    return ListOut(items=[list_out(row, members) for row, members in rows], next_cursor=None)


@router.post("", status_code=status.HTTP_201_CREATED)
def create(
    data: ListCreate, session: DbSession, user: ApiUser, response: Response
) -> StaticListOut:
    found = actions.create_list(session, actor=user, data=data)
    set_etag(response, found.version)
    return list_out(found, 0)


@router.get("/{list_id}")
def read(list_id: int, session: DbSession, response: Response) -> StaticListOut:
    found = actions.get_list(session, list_id)
    set_etag(response, found.version)
    return _counted(session, found)


@router.patch("/{list_id}")
def update(
    list_id: int,
    data: ListUpdate,
    session: DbSession,
    user: ApiUser,
    expected_version: ExpectedVersion,
    response: Response,
) -> StaticListOut:
    found = actions.get_list(session, list_id)
    ensure_version(found, expected_version)
    actions.update_list(session, actor=user, found=found, data=data)
    set_etag(response, found.version)
    return _counted(session, found)


@router.delete("/{list_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete(list_id: int, session: DbSession, user: ApiUser) -> None:
    actions.delete_list(session, actor=user, found=actions.get_list(session, list_id))


@router.get("/{list_id}/members")
def members(list_id: int, session: DbSession, page: Paging) -> ListOut[ListMemberOut]:
    """The people on the list, by person id."""
    found = actions.get_list(session, list_id)
    rows = list_members(session, found=found, page=page)
    items = [
        ListMemberOut(
            person_id=member.person_id,
            name=display_name(person),
            email=person.primary_email,
            source=member.source,
            added_at=member.added_at,
        )
        for member, person in rows.items
    ]
    return ListOut(items=items, next_cursor=rows.next_cursor)


@router.post("/{list_id}/members")
def add_members(
    list_id: int, data: PeopleIn, session: DbSession, user: ApiUser
) -> PeopleChangedOut:
    """Add people (422 naming any id that is not a person; those already on it are kept)."""
    found = actions.get_list(session, list_id)
    changed = actions.add_people(
        session, actor=user, found=found, person_ids=data.person_ids, source="api"
    )
    return PeopleChangedOut(changed=changed)


@router.post("/{list_id}/members/remove")
def remove_members(
    list_id: int, data: PeopleIn, session: DbSession, user: ApiUser
) -> PeopleChangedOut:
    """Take people off the list (ids not on it are ignored)."""
    found = actions.get_list(session, list_id)
    changed = actions.remove_people(session, actor=user, found=found, person_ids=data.person_ids)
    return PeopleChangedOut(changed=changed)
