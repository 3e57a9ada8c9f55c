"""/api/v1/activities: calls, meetings, emails, notes, tasks, demos, proposals."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Response, status
from sqlalchemy.orm import Session

from twofold.activities import actions
from twofold.activities.queries import ActivityFilters, list_activities
from twofold.activities.schemas import ActivityCreate, ActivityUpdate
from twofold.api.dependencies import ApiUser, DbSession, ExpectedVersion
from twofold.api.routes.support import Paging, set_etag
from twofold.api.schemas.common import ListOut
from twofold.api.schemas.records import ActivityOut
from twofold.core.enums import ActivityKind
from twofold.store.models import Activity

router = APIRouter(prefix="/activities", tags=["activities"])


def activity_out(session: Session, activity: Activity) -> ActivityOut:
    """Render an activity with its links."""
    links = actions.activity_links(session, activity.id)
    values = {
        key: getattr(activity, key)
        for key in ActivityOut.model_fields
        if key not in {"account_ids", "person_ids", "deal_ids"}
    }
    return ActivityOut(
        account_ids=links.account_ids,
        person_ids=links.person_ids,
        deal_ids=links.deal_ids,
        **values,
    )


@router.get("")
def list_(
    session: DbSession,
    paging: Paging,
    kind: ActivityKind | None = None,
    owner_id: int | None = None,
    account_id: int | None = None,
    person_id: int | None = None,
    deal_id: int | None = None,
    open_tasks: bool | None = None,
    updated_since: datetime | None = None,
) -> ListOut[ActivityOut]:
    """Activities, newest first, filtered by linked record, kind, owner or open tasks."""
    filters = ActivityFilters(
        kind=kind.value if kind else None,
        owner_id=owner_id,
        account_id=account_id,
        person_id=person_id,
        deal_id=deal_id,
        open_tasks=open_tasks,
        updated_since=updated_since,
    )
    page = list_activities(session, filters=filters, page=paging)
    return ListOut(
        items=[activity_out(session, a) for a in page.items], next_cursor=page.next_cursor
    )


@router.post("", status_code=status.HTTP_201_CREATED)
def create(
    data: ActivityCreate, session: DbSession, user: ApiUser, response: Response
) -> ActivityOut:
    """Log an activity on any number of accounts, persons and deals."""
    activity = actions.log_activity(session, actor=user, data=data)
    set_etag(response, activity.version)
    return activity_out(session, activity)


@router.get("/{activity_id}")
def read(activity_id: int, session: DbSession, response: Response) -> ActivityOut:
    """One activity."""
    activity = actions.get_activity(session, activity_id)
    set_etag(response, activity.version)
    return activity_out(session, activity)


@router.patch("/{activity_id}")
def update(
    activity_id: int,
    data: ActivityUpdate,
    session: DbSession,
    user: ApiUser,
    expected_version: ExpectedVersion,
    response: Response,
) -> ActivityOut:
    """Change an activity, e.g. ``{"done": true}`` for a task."""
    activity = actions.get_activity(session, activity_id)
    actions.update_activity(
        session, actor=user, activity=activity, data=data, expected_version=expected_version
    )
    set_etag(response, activity.version)
    return activity_out(session, activity)


@router.delete("/{activity_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete(activity_id: int, session: DbSession, user: ApiUser) -> None:
    """Delete an activity."""
    actions.delete_activity(
        session, actor=user, activity=actions.get_activity(session, activity_id)
    )
