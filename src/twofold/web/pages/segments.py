"""Segments in the UI: the list, the builder (new and edit), a segment's members and size
over time, and the exports. The builder's live count and pickers are in segment_builder.py.

The rule travels as the JSON of product.md in a form field, so the page works without
JavaScript (type the JSON); with it, the visual builder (static/segments.js) writes that field.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from twofold.api.csv_export import csv_response
from twofold.auth.permissions import ensure_can_export_audience
from twofold.core.errors import ValidationFailed
from twofold.core.time import naive_utc, utcnow
from twofold.ingest.runtime import Ingestion
from twofold.segments import actions, queries
from twofold.segments.actions import SegmentCreate, SegmentUpdate
from twofold.segments.definitions import as_definition
from twofold.segments.queries import AudienceFormat
from twofold.segments.rules import Target
from twofold.store.models import Segment, User
from twofold.web.dependencies import DbSession, SubmittedForm, WebFormUser, WebUser, form_text
from twofold.web.forms import FormProblems, FormView, json_field, pretty_json, submitted
from twofold.web.pages.shared import RecordId, see_other
from twofold.web.pages.sources import ingestion_of
from twofold.web.templating import render

router = APIRouter()
TARGETS = [("persons", "People"), ("accounts", "Accounts")]
EMPTY_RULES: dict[str, Any] = {
    "persons": {"all": [{"trait": "lifecycle_stage", "op": "eq", "value": "customer"}]},
    "accounts": {"all": [{"field": "industry", "op": "eq", "value": "Software"}]},
}


@router.get("/segments", include_in_schema=False)
def segments_page(request: Request, session: DbSession, user: WebUser) -> Response:
    """Every segment with its size and when it was last evaluated in full."""
    del user
    ingestion = ingestion_of(request)
    with ingestion.store.reader() as reader:
        rows = [
            {"segment": s, "evaluated": queries.evaluation(reader, s.id)}
            for s in actions.list_segments(session)
        ]
    return render(request, "segments/list.html", {"rows": rows})


@router.get("/segments/new", include_in_schema=False)
def new_segment_page(
    request: Request, user: WebUser, target: str = Query("persons", pattern="^(persons|accounts)$")
) -> Response:
    del user
    values = {"target": target, "rule": pretty_json(EMPTY_RULES[target])}
    return render(
        request,
        "segments/edit.html",
        {"segment": None, "form": FormView(values=values), "targets": TARGETS},
    )


@router.post("/segments", include_in_schema=False)
def create_segment_from_form(
    request: Request, session: DbSession, user: WebFormUser, form: SubmittedForm
) -> Response:
    problems = FormProblems()
    created: Segment | None = None
    with problems.capture(session):
        data = SegmentCreate(
            name=form_text(form, "name"),
            description=form_text(form, "description"),
            target=_target_of(form),
            rule=json_field(form, "rule", missing="write a rule (JSON), or build one above"),
        )
        created = actions.create_segment(session, actor=user, data=data)
    if created is None:
        context = {"segment": None, "form": submitted(form, problems), "targets": TARGETS}
        return render(request, "segments/edit.html", context, status_code=problems.status)
    ingestion_of(request).segments.evaluate_saved(as_definition(created))
    return see_other(f"/segments/{created.id}")


@router.get("/segments/{segment_id}", include_in_schema=False)
def segment_page(
    request: Request,
    session: DbSession,
    user: WebUser,
    segment_id: RecordId,
    after: int | None = Query(None, ge=0),
) -> Response:
    """Members (a page at a time), size over time, the rule, and the exports."""
    segment = actions.get_segment(session, segment_id)
    return _segment_page(request, session, user, segment, after=after)


@router.get("/segments/{segment_id}/edit", include_in_schema=False)
def edit_segment_page(
    request: Request, session: DbSession, user: WebUser, segment_id: RecordId
) -> Response:
    del user
    segment = actions.get_segment(session, segment_id)
    values = {
        "name": segment.name,
        "description": segment.description,
        "target": segment.target,
        "rule": pretty_json(segment.rule),
    }
    context = {"segment": segment, "form": FormView(values=values), "targets": TARGETS}
    return render(request, "segments/edit.html", context)


@router.post("/segments/{segment_id}", include_in_schema=False)
def update_segment_from_form(
    request: Request,
    session: DbSession,
    user: WebFormUser,
    form: SubmittedForm,
    segment_id: RecordId,
) -> Response:
    segment = actions.get_segment(session, segment_id)
    problems = FormProblems()
    with problems.capture(session):
        data = SegmentUpdate(
            name=form_text(form, "name"),
            description=form_text(form, "description"),
            rule=json_field(form, "rule", missing="write a rule (JSON), or build one above"),
        )
        actions.update_segment(session, actor=user, segment=segment, data=data)
    if problems:
        context = {"segment": segment, "form": submitted(form, problems), "targets": TARGETS}
        return render(request, "segments/edit.html", context, status_code=problems.status)
    ingestion_of(request).segments.evaluate_saved(as_definition(segment))
    return see_other(f"/segments/{segment.id}")


@router.post("/segments/{segment_id}/delete", include_in_schema=False)
def delete_segment_from_form(
    request: Request, session: DbSession, user: WebFormUser, segment_id: RecordId
) -> Response:
    segment = actions.get_segment(session, segment_id)
    problems = FormProblems()
    with problems.capture(session):
        actions.delete_segment(session, actor=user, segment=segment)
    if problems:
        return _segment_page(
            request, session, user, segment, problem=problems.message, status_code=problems.status
        )
    session.flush()
    ingestion_of(request).segments.forget(segment_id)
    return see_other("/segments")


@router.get("/segments/{segment_id}/export.csv", include_in_schema=False)
def export_members(
    request: Request, session: DbSession, user: WebUser, segment_id: RecordId
) -> StreamingResponse:
    ensure_can_export_audience(user)
    segment = actions.get_segment(session, segment_id)
    target = _target(segment)
    header = ("id", "name", "domain" if target == "accounts" else "email", "entered_at")
    return csv_response(
        f"segment-{segment.id}-members.csv",
        header,
        lambda reader: queries.member_rows(reader, segment.id, target),
        ingestion_of(request).store,
    )


@router.get("/segments/{segment_id}/audience.csv", include_in_schema=False)
def export_audience(
    request: Request,
    session: DbSession,
    user: WebUser,
    segment_id: RecordId,
    audience_format: str = Query("meta", alias="format", pattern="^(meta|google)$"),
) -> StreamingResponse:
    ensure_can_export_audience(user)
    segment = actions.get_segment(session, segment_id)
    if segment.target != "persons":
        raise ValidationFailed.on("format", "audience files are made of persons' contacts")
    chosen: AudienceFormat = "google" if audience_format == "google" else "meta"
    return csv_response(
        f"segment-{segment.id}-audience-{chosen}.csv",
        ("email_sha256", "phone_sha256"),
        lambda reader: queries.audience_rows(reader, segment.id, chosen),
        ingestion_of(request).store,
    )


def _segment_page(
    request: Request,
    session: Session,
    user: User,
    segment: Segment,
    *,
    after: int | None = None,
    problem: str | None = None,
    status_code: int = 200,
) -> Response:
    del session, user
    ingestion: Ingestion = ingestion_of(request)
    target = _target(segment)
    with ingestion.store.reader() as reader:
        evaluated = queries.evaluation(reader, segment.id)
        members, next_after = queries.member_page(reader, segment.id, target, limit=50, after=after)
        history = queries.size_history(reader, segment.id, days=90, now=naive_utc(utcnow()))
        latest = _latest_transitions(reader, segment.id)
    context = {
        "segment": segment,
        "target": target,
        "evaluated": evaluated,
        "members": members,
        "next_after": next_after,
        "after": after,
        "history": history,
        "latest": latest,
        "rule_json": pretty_json(segment.rule),
        "problem": problem,
    }
    return render(request, "segments/page.html", context, status_code=status_code)


def _latest_transitions(reader: Any, segment_id: int) -> list[dict[str, Any]]:
    rows = reader.execute(
        "SELECT member_id, kind, happened_at, cause FROM segment_transitions "
        "WHERE segment_id = ? ORDER BY transition_id DESC LIMIT 10",
        [segment_id],
    ).fetchall()
    return [{"member_id": m, "kind": k, "at": at, "cause": c} for m, k, at, c in rows]


def _target(segment: Segment) -> Target:
    return "accounts" if segment.target == "accounts" else "persons"


def _target_of(form: FormData) -> Target:
    return "accounts" if form_text(form, "target") == "accounts" else "persons"
