"""/api/v1/segments: definitions, preview, members, membership checks, history, exports.

Definitions live in the records database; members in the event store. Saving a segment
evaluates it before the answer, so the answer carries its member count.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict

from twofold.api.csv_export import csv_response
from twofold.api.dependencies import ApiUser, DbSession, EventIngestion, ExpectedVersion
from twofold.api.routes.support import set_etag
from twofold.api.schemas.common import ListOut
from twofold.auth.permissions import ensure_can_export_audience
from twofold.core.errors import ValidationFailed
from twofold.core.time import naive_utc, utcnow
from twofold.ingest.runtime import Ingestion
from twofold.segments import actions, queries
from twofold.segments.actions import SegmentCreate, SegmentUpdate
from twofold.segments.definitions import as_definition
from twofold.segments.queries import AudienceFormat, Member
from twofold.segments.rules import Target, parse_rule
from twofold.store.listing import DEFAULT_LIMIT, MAX_LIMIT
from twofold.store.models import Segment

router = APIRouter(prefix="/segments", tags=["segments"])

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


class SegmentOut(BaseModel):
    id: int
    name: str
    description: str
    target: str
    rule: Any
    starter: bool
    member_count: int
    evaluated_at: datetime | None
    evaluation_seconds: float | None
    version: int
    created_at: datetime
    updated_at: datetime


class MemberOut(BaseModel):
    id: int
    name: str
    email: str | None = None
    domain: str | None = None
    entered_at: datetime | None = None


class PreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target: Target = "persons"
    rule: Any


class PreviewOut(BaseModel):
    count: int
    sample: list[MemberOut]
    seconds: float


def segment_out(ingestion: Ingestion, segment: Segment) -> SegmentOut:
    with ingestion.store.reader() as reader:
        evaluated = queries.evaluation(reader, segment.id)
    return SegmentOut(
        id=segment.id,
        name=segment.name,
        description=segment.description,
        target=segment.target,
        rule=segment.rule,
        starter=segment.starter_key is not None,
        member_count=evaluated.members,
        evaluated_at=evaluated.evaluated_at,
        evaluation_seconds=evaluated.seconds,
        version=segment.version,
        created_at=segment.created_at,
        updated_at=segment.updated_at,
    )


def member_out(member: Member, target: str) -> MemberOut:
    if target == "accounts":
        return MemberOut(
            id=member.id, name=member.name, domain=member.email, entered_at=member.entered_at
        )
    return MemberOut(
        id=member.id, name=member.name, email=member.email, entered_at=member.entered_at
    )


@router.get("")
def list_(session: DbSession, ingestion: EventIngestion) -> ListOut[SegmentOut]:
    """Every segment with its member count (segments are few: one page)."""
    items = [segment_out(ingestion, s) for s in actions.list_segments(session)]
    return ListOut(items=items, next_cursor=None)


@router.post("", status_code=status.HTTP_201_CREATED)
def create(
    data: SegmentCreate,
    session: DbSession,
    user: ApiUser,
    ingestion: EventIngestion,
    response: Response,
) -> SegmentOut:
    """Create a segment and evaluate it (400 with the path of every problem in the rule)."""
    segment = actions.create_segment(session, actor=user, data=data)
    ingestion.segments.evaluate_saved(as_definition(segment))
    set_etag(response, segment.version)
    return segment_out(ingestion, segment)


@router.post("/preview")
def preview(data: PreviewIn, user: ApiUser, ingestion: EventIngestion) -> PreviewOut:
    """How many would match now, and a sample, without saving anything (the editor's
    live count)."""
    del user  # any signed-in user may preview
    node = parse_rule(data.rule, target=data.target)
    started = utcnow()
    with ingestion.store.reader() as reader:
        count, sample = queries.preview(reader, node, data.target, naive_utc(started))
    seconds = (utcnow() - started).total_seconds()
    return PreviewOut(
        count=count, sample=[member_out(m, data.target) for m in sample], seconds=seconds
    )


@router.get("/{segment_id}")
def read(
    segment_id: int, session: DbSession, ingestion: EventIngestion, response: Response
) -> SegmentOut:
    segment = actions.get_segment(session, segment_id)
    set_etag(response, segment.version)
    return segment_out(ingestion, segment)


@router.patch("/{segment_id}")
def update(
    segment_id: int,
    data: SegmentUpdate,
    session: DbSession,
    user: ApiUser,
    ingestion: EventIngestion,
    expected_version: ExpectedVersion,
    response: Response,
) -> SegmentOut:
    """Rename or change the rule (``If-Match`` for optimistic concurrency); re-evaluated."""
    segment = actions.get_segment(session, segment_id)
    actions.update_segment(
        session, actor=user, segment=segment, data=data, expected_version=expected_version
    )
    if data.rule is not None:
        ingestion.segments.evaluate_saved(as_definition(segment))
    set_etag(response, segment.version)
    return segment_out(ingestion, segment)


@router.delete("/{segment_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete(segment_id: int, session: DbSession, user: ApiUser, ingestion: EventIngestion) -> None:
    """Delete a segment no other segment refers to; its members and history go with it."""
    actions.delete_segment(session, actor=user, segment=actions.get_segment(session, segment_id))
    session.flush()
    ingestion.segments.forget(segment_id)


@router.get("/{segment_id}/members")
def members(
    segment_id: int,
    session: DbSession,
    ingestion: EventIngestion,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=20)] = None,
) -> ListOut[MemberOut]:
    """Current members in id order: id, name and primary email (accounts: domain)."""
    segment = actions.get_segment(session, segment_id)
    after = _cursor(cursor)
    with ingestion.store.reader() as reader:
        page, next_after = queries.member_page(
            reader, segment.id, _target(segment), limit=limit, after=after
        )
    return ListOut(
        items=[member_out(m, segment.target) for m in page],
        next_cursor=str(next_after) if next_after is not None else None,
    )


@router.get("/{segment_id}/members/{member_id}")
def membership(
    segment_id: int, member_id: int, session: DbSession, ingestion: EventIngestion
) -> dict[str, Any]:
    """Is this person (or account) a member, since when, and its recent entries/exits."""
    segment = actions.get_segment(session, segment_id)
    with ingestion.store.reader() as reader:
        return queries.membership_of(reader, segment.id, member_id)


@router.get("/{segment_id}/history")
def history(
    segment_id: int,
    session: DbSession,
    ingestion: EventIngestion,
    days: Annotated[int, Query(ge=1, le=730)] = 90,
) -> dict[str, Any]:
    """Segment size at the end of each day (the size-over-time chart)."""
    segment = actions.get_segment(session, segment_id)
    with ingestion.store.reader() as reader:
        points = queries.size_history(reader, segment.id, days=days, now=naive_utc(utcnow()))
    return {"segment_id": segment.id, "days": points}


@router.get("/{segment_id}/transitions")
def transitions(
    segment_id: int,
    session: DbSession,
    ingestion: EventIngestion,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=20)] = None,
) -> dict[str, Any]:
    """ "Segment Entered" / "Segment Exited" events, oldest first, followed by cursor."""
    segment = actions.get_segment(session, segment_id)
    with ingestion.store.reader() as reader:
        items, next_after = queries.transitions(
            reader, segment.id, after=_cursor(cursor), limit=limit
        )
    return {"items": items, "next_cursor": str(next_after) if next_after is not None else None}


@router.get("/{segment_id}/export.csv")
def export_csv(
    segment_id: int, session: DbSession, user: ApiUser, ingestion: EventIngestion
) -> StreamingResponse:
    """Every member as CSV (id, name, email or domain, entered_at)."""
    ensure_can_export_audience(user)
    segment = actions.get_segment(session, segment_id)
    header = ("id", "name", "domain" if segment.target == "accounts" else "email", "entered_at")
    return csv_response(
        f"segment-{segment.id}-members.csv",
        header,
        lambda reader: queries.member_rows(reader, segment.id, _target(segment)),
        ingestion.store,
    )


@router.get("/{segment_id}/audience.csv")
def audience(
    segment_id: int,
    session: DbSession,
    user: ApiUser,
    ingestion: EventIngestion,
    audience_format: Annotated[AudienceFormat, Query(alias="format")] = "meta",
) -> StreamingResponse:
    """An ad-platform audience file: SHA-256 of normalised emails and phones."""
    ensure_can_export_audience(user)
    segment = actions.get_segment(session, segment_id)
    if segment.target != "persons":
        raise ValidationFailed.on("segment_id", "audience files are made of persons' contacts")
    header = ("email_sha256", "phone_sha256")
    return csv_response(
        f"segment-{segment.id}-audience-{audience_format}.csv",
        header,
        lambda reader: queries.audience_rows(reader, segment.id, audience_format),
        ingestion.store,
    )


def _target(segment: Segment) -> Target:
    return "accounts" if segment.target == "accounts" else "persons"


def _cursor(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    if not cursor.isdigit():
        raise ValidationFailed.on("cursor", "is not a cursor this list gave out")
    return int(cursor)
