"""Logging a call, meeting, note... from a record page; it lands on every linked timeline."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import Response

from twofold.activities.actions import log_activity
from twofold.activities.schemas import ActivityCreate
from twofold.core.enums import ActivityKind
from twofold.store.models import Activity
from twofold.web.dependencies import DbSession, SubmittedForm, WebFormUser, WebUser, form_text
from twofold.web.forms import FormProblems, FormView, schema_input, submitted
from twofold.web.pages.shared import OptionalId, as_text, see_other
from twofold.web.paths import is_local_path
from twofold.web.templating import render

ACTIVITY_FIELDS = ("kind", "subject", "body", "account_ids", "person_ids", "deal_ids")
LINK_FIELDS = ("account_ids", "person_ids", "deal_ids")
KINDS = [(kind.value, kind.value.capitalize()) for kind in ActivityKind]

router = APIRouter()


@router.get("/activities/new", include_in_schema=False)
def new_activity_page(
    request: Request,
    _user: WebUser,
    account_id: OptionalId = None,
    person_id: OptionalId = None,
    deal_id: OptionalId = None,
) -> Response:
    """A form to log an activity on the records given."""
    values = {
        "kind": ActivityKind.NOTE.value,
        "account_ids": as_text(account_id),
        "person_ids": as_text(person_id),
        "deal_ids": as_text(deal_id),
        "return_to": urlsplit(request.headers.get("referer", "")).path,
    }
    return render(request, "activities/new.html", {"form": FormView(values=values), "kinds": KINDS})


@router.post("/activities", include_in_schema=False)
def log_activity_from_form(
    request: Request, session: DbSession, user: WebFormUser, form: SubmittedForm
) -> Response:
    """Log the activity and go back to the record page it was logged from."""
    problems = FormProblems()
    logged: Activity | None = None
    with problems.capture(session):
        data = ActivityCreate.model_validate(schema_input(form, ACTIVITY_FIELDS, lists=LINK_FIELDS))
        logged = log_activity(session, actor=user, data=data)
    if logged is None:
        context = {"form": submitted(form, problems), "kinds": KINDS}
        return render(request, "activities/new.html", context, status_code=problems.status)
    return_to = form_text(form, "return_to")
    return see_other(return_to if is_local_path(return_to) else "/")
