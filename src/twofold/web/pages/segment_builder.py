"""What the segment builder asks while the user edits: the live count and the pickers.

JSON answers for static/segments.js: ``POST /segments/builder/preview`` (the rule in a form
field, CSRF header) answers ``{"count", "sample", "seconds"}`` or a 422 with every problem's
path; the pickers offer event names, traits, fields and properties seen in the data.
"""

from __future__ import annotations

import time

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from twofold.core.errors import ValidationFailed
from twofold.core.time import naive_utc, utcnow
from twofold.segments import queries
from twofold.segments.actions import list_segments
from twofold.segments.rules import Target, parse_rule
from twofold.segments.vocabulary import event_properties, vocabulary
from twofold.web.dependencies import DbSession, SubmittedForm, WebFormUser, WebUser, form_text
from twofold.web.pages.sources import ingestion_of

router = APIRouter()


@router.post("/segments/builder/preview", include_in_schema=False)
def preview(request: Request, user: WebFormUser, form: SubmittedForm) -> JSONResponse:
    """How many match the rule being edited, and who (nothing is saved)."""
    del user
    target: Target = "accounts" if form_text(form, "target") == "accounts" else "persons"
    try:
        document = orjson.loads(form_text(form, "rule") or "null")
        node = parse_rule(document, target=target)
    except orjson.JSONDecodeError as error:
        problem = ValidationFailed.on("rule", f"the rule is not valid JSON: {error}")
        return JSONResponse(problem.as_dict(), status_code=problem.status)
    except ValidationFailed as error:
        return JSONResponse(error.as_dict(), status_code=error.status)
    started = time.perf_counter()
    with ingestion_of(request).store.reader() as reader:
        count, sample = queries.preview(reader, node, target, naive_utc(utcnow()))
    return JSONResponse(
        {
            "count": count,
            "sample": [{"id": m.id, "name": m.name, "email": m.email} for m in sample],
            "seconds": round(time.perf_counter() - started, 3),
        }
    )


@router.get("/segments/builder/vocabulary", include_in_schema=False)
def builder_vocabulary(request: Request, session: DbSession, user: WebUser) -> JSONResponse:
    """Names for the pickers, and the segments a rule can refer to."""
    del user
    with ingestion_of(request).store.reader() as reader:
        found = vocabulary(reader)
    found["segments"] = [
        {"id": s.id, "name": s.name, "target": s.target} for s in list_segments(session)
    ]
    return JSONResponse(found)


@router.get("/segments/builder/properties", include_in_schema=False)
def builder_properties(
    request: Request, user: WebUser, event: str = Query(min_length=1, max_length=200)
) -> JSONResponse:
    """Property names seen on events of one name."""
    del user
    with ingestion_of(request).store.reader() as reader:
        return JSONResponse({"event": event, "properties": event_properties(reader, event)})
