"""Log, change and delete activities; each appears on the timeline of every linked record."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.orm import Session

from twofold.activities.schemas import ActivityCreate, ActivityFields, ActivityUpdate
from twofold.auth.permissions import ensure_can_assign, ensure_can_edit, ensure_can_write
from twofold.core.enums import ActivityKind, RecordType
from twofold.core.errors import NotFound, ValidationFailed
from twofold.core.time import as_utc, utcnow
from twofold.store.changes import apply_changes, ensure_version
from twofold.store.models import (
    Account,
    Activity,
    Deal,
    Person,
    User,
    activity_accounts,
    activity_deals,
    activity_persons,
)
from twofold.timeline import kinds
from twofold.timeline.entries import RecordRef, append_to_timelines

LINKS: tuple[tuple[str, Table, str, type[Any], RecordType], ...] = (
    ("account_ids", activity_accounts, "account_id", Account, RecordType.ACCOUNT),
    ("person_ids", activity_persons, "person_id", Person, RecordType.PERSON),
    ("deal_ids", activity_deals, "deal_id", Deal, RecordType.DEAL),
)
MAX_LINKS = 200


@dataclass
class ActivityLinks:
    """The records an activity is linked to."""

    account_ids: list[int]
    person_ids: list[int]
    deal_ids: list[int]

    def records(self) -> list[RecordRef]:
        """As timeline record references."""
        return [
            *((RecordType.ACCOUNT, i) for i in self.account_ids),
            *((RecordType.PERSON, i) for i in self.person_ids),
            *((RecordType.DEAL, i) for i in self.deal_ids),
        ]


def get_activity(session: Session, activity_id: int) -> Activity:
    """The activity with this id, or ``NotFound``."""
    activity = session.get(Activity, activity_id)
    if activity is None:
        raise NotFound(f"no activity {activity_id}")
    return activity


def activity_links(session: Session, activity_id: int) -> ActivityLinks:
    """Which accounts, persons and deals the activity is linked to."""
    found: dict[str, list[int]] = {}
    for field, table, column, _model, _type in LINKS:
        query = select(table.c[column]).where(table.c.activity_id == activity_id)
        found[field] = sorted(session.scalars(query))
    return ActivityLinks(**found)


def log_activity(session: Session, *, actor: User, data: ActivityCreate) -> Activity:
    """Record an activity and put it on the timeline of every linked record."""
    ensure_can_write(actor)
    values = _clean_fields(session, data)
    links = values.pop("links")
    values.setdefault("owner_id", actor.id)
    values.setdefault("occurred_at", utcnow())
    ensure_can_assign(actor, values["owner_id"])
    defaults: dict[str, Any] = {"objections": [], "competitor_mentions": []}
    activity = Activity(kind=data.kind.value, subject=data.subject, **{**defaults, **values})
    session.add(activity)
    session.flush()
    _write_links(session, activity.id, links)
    append_to_timelines(
        session,
        actor=actor,
        records=[(RecordType.ACTIVITY, activity.id), *links.records()],
        kind=kinds.ACTIVITY_LOGGED,
        summary=f"{activity.kind.capitalize()}: {activity.subject}",
        activity_id=activity.id,
    )
    return activity


def update_activity(
    session: Session,
    *,
    actor: User,
    activity: Activity,
    data: ActivityUpdate,
    expected_version: int | None = None,
) -> Activity:
    """Change an activity (e.g. mark a task done) or its links."""
    ensure_can_edit(actor, activity.owner_id, record="activity")
    ensure_version(activity, expected_version)
    values = _clean_fields(session, data, kind=activity.kind)
    links = values.pop("links")
    if data.subject:
        values["subject"] = data.subject
    if "owner_id" in values:
        ensure_can_assign(actor, values["owner_id"])
    changes = apply_changes(activity, values)
    current = activity_links(session, activity.id)
    if any(field in data.model_fields_set for field, *_ in LINKS):
        for field, *_ in LINKS:
            if field not in data.model_fields_set:
                setattr(links, field, getattr(current, field))
        _write_links(session, activity.id, links, replace=True)
        changes["links"] = {"before": current.records(), "after": links.records()}
        current = links
    if changes:
        session.flush()
        append_to_timelines(
            session,
            actor=actor,
            records=[(RecordType.ACTIVITY, activity.id), *current.records()],
            kind=kinds.UPDATED,
            summary=f"{activity.kind.capitalize()} changed: {activity.subject}",
            changes=changes,
            activity_id=activity.id,
        )
    return activity


def delete_activity(session: Session, *, actor: User, activity: Activity) -> None:
    """Delete an activity (the timeline keeps a note that it was deleted)."""
    ensure_can_edit(actor, activity.owner_id, record="activity")
    links = activity_links(session, activity.id)
    append_to_timelines(
        session,
        actor=actor,
        records=[(RecordType.ACTIVITY, activity.id), *links.records()],
        kind=kinds.DELETED,
        summary=f"{activity.kind.capitalize()} deleted: {activity.subject}",
    )
    session.delete(activity)
    session.flush()


def _clean_fields(
    session: Session, data: ActivityFields, *, kind: str | None = None
) -> dict[str, Any]:
    present = data.model_fields_set
    link_fields = {field for field, *_ in LINKS}
    values: dict[str, Any] = {
        key: getattr(data, key) for key in present - link_fields - {"done", "subject", "kind"}
    }
    for key in ("occurred_at", "due_at"):
        if values.get(key) is not None:
            values[key] = as_utc(values[key])
    if "done" in present:
        values["done_at"] = utcnow() if data.done else None
    for key in ("objections", "competitor_mentions"):
        if key in values:
            values[key] = [item.strip() for item in values[key] or [] if item.strip()]
    if "occurred_at" in values and values["occurred_at"] is None:
        raise ValidationFailed.on("occurred_at", "must not be empty")
    kind = kind or getattr(data, "kind", None)
    if kind is not None and kind != ActivityKind.TASK and values.get("due_at") is not None:
        raise ValidationFailed.on("due_at", "only tasks have a due date")
    if values.get("owner_id") is not None and session.get(User, values["owner_id"]) is None:
        raise ValidationFailed.on("owner_id", f"no user {values['owner_id']}")
    values["links"] = _clean_links(session, data)
    return values


def _clean_links(session: Session, data: ActivityFields) -> ActivityLinks:
    found: dict[str, list[int]] = {}
    for field, _table, _column, model, _type in LINKS:
        ids = list(dict.fromkeys(getattr(data, field) or []))
        if len(ids) > MAX_LINKS:
            raise ValidationFailed.on(field, f"at most {MAX_LINKS} links")
        existing = set(session.scalars(select(model.id).where(model.id.in_(ids)))) if ids else set()
        missing = [i for i in ids if i not in existing]
        if missing:
            raise ValidationFailed.on(field, f"unknown ids {missing}")
        found[field] = ids
    return ActivityLinks(**found)


def _write_links(
    session: Session, activity_id: int, links: ActivityLinks, *, replace: bool = False
) -> None:
    for field, table, column, _model, _type in LINKS:
        if replace:
            session.execute(delete(table).where(table.c.activity_id == activity_id))
        ids = getattr(links, field)
        if ids:
            session.execute(insert(table), [{"activity_id": activity_id, column: i} for i in ids])
