"""What several pages need: stage names, owner choices, timelines, record values for forms."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import Path, Query
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from twofold.auth.directory import active_users, user_names
from twofold.core.enums import RecordType
from twofold.core.money import format_amount
from twofold.pipelines.actions import all_stages, list_pipelines, pipeline_stages
from twofold.store.models import Pipeline, Stage, TimelineEntry
from twofold.timeline.entries import read_timeline
from twofold.web.dependencies import form_text
from twofold.web.forms import MAX_ID

TIMELINE_LENGTH = 25
RecordId = Annotated[int, Path(ge=1, le=MAX_ID)]
OptionalId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
PAGE_SIZE = 50


def see_other(url: str) -> RedirectResponse:
    """The redirect after a successful form post (the browser then GETs ``url``)."""
    return RedirectResponse(url, status_code=303)


def stage_index(session: Session) -> dict[int, Stage]:
    """Every stage of every pipeline by id (there are only ever a few dozen)."""
    return {stage.id: stage for stage in all_stages(session)}


def pipelines_with_stages(session: Session) -> list[tuple[Pipeline, list[Stage]]]:
    """Pipelines in display order with their stages, for stage pickers."""
    return [
        (pipeline, pipeline_stages(session, pipeline.id)) for pipeline in list_pipelines(session)
    ]


def owner_choices(session: Session) -> list[tuple[str, str]]:
    """``(id, name)`` of the users a record can be given to."""
    return [(str(user.id), user.name) for user in active_users(session)]


@dataclass(frozen=True)
class TimelineView:
    """A page of a record's timeline (newest first) with the names of who made the entries,
    and where the older entries are (``None`` when these are the oldest)."""

    entries: list[TimelineEntry]
    actors: dict[int, str]
    older_path: str | None = None


def timeline_view(
    session: Session, record_type: RecordType, record_id: int, *, before_id: int | None = None
) -> TimelineView:
    """The newest ``TIMELINE_LENGTH`` entries of a record's timeline (older than
    ``before_id`` when given), newest first."""
    entries = read_timeline(
        session,
        record=(record_type, record_id),
        limit=TIMELINE_LENGTH + 1,
        before_id=before_id,
    )
    older_path = None
    if len(entries) > TIMELINE_LENGTH:
        entries = entries[:TIMELINE_LENGTH]
        older_path = f"/timeline/{record_type.value}/{record_id}?before={entries[-1].id}"
    actors = user_names(session, (entry.actor_id for entry in entries))
    return TimelineView(entries=entries, actors=actors, older_path=older_path)


def as_text(value: object) -> str:
    """A stored value as a form field shows it."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, list):
        return "\n".join(str(item) for item in value)
    return str(value)


def amount_text(amount: Decimal | None, currency: str | None) -> str:
    """An amount as the form shows it: the currency's decimals, e.g. ``48000.00``."""
    if amount is None:
        return ""
    return format_amount(amount, currency) if currency else as_text(amount)


def ids(values: Iterable[int | None]) -> list[int]:
    """The non-empty ids, without duplicates, in order."""
    return list(dict.fromkeys(value for value in values if value is not None))


def expected_version(form: FormData) -> int | None:
    """The record version the edit form was drawn from (optimistic concurrency)."""
    version = form_text(form, "version").strip()
    return int(version) if version.isdigit() else None
