"""A send step's message rendered for a chosen person (issue 7 part 10): the step's template
with that person's name, traits and recommendations, through the messaging preview (the
sandboxed rendering a real send uses). Nothing is queued or sent."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from twofold.core.errors import NotFound, PermissionDenied
from twofold.flows import actions
from twofold.messaging.preview import preview_for_person
from twofold.messaging.templates import get_template
from twofold.persons.actions import get_person
from twofold.store.models import Flow, User
from twofold.web.dependencies import DbSession, WebUser, is_htmx
from twofold.web.flow_forms import SEND_TYPES, step_values
from twofold.web.forms import FormProblems, FormView, parse_id
from twofold.web.pages.flow_editor import step_form, stored_step
from twofold.web.pages.shared import RecordId
from twofold.web.pages.sources import ingestion_of
from twofold.web.templating import render

router = APIRouter()


@router.get("/flows/{flow_id}/steps/{step_id}/preview", include_in_schema=False)
def preview_step_message(
    request: Request,
    session: DbSession,
    user: WebUser,
    flow_id: RecordId,
    step_id: str,
    person_id: str = "",
) -> Response:
    flow = actions.get_flow(session, flow_id)
    step = stored_step(flow, step_id)
    problems = FormProblems()
    preview = _preview(request, session, user, flow, step, person_id, problems)
    values = {**step_values(step), "person_id": person_id}
    status_code = problems.status if problems else 200
    if is_htmx(request):
        context = {"preview": preview, "preview_error": problems.message}
        return render(request, "flows/preview.html", context, status_code=status_code)
    form = FormView(values=values, problems=problems)
    return step_form(
        request, session, flow, form, step_id=step_id, status_code=status_code, preview=preview
    )


def _preview(
    request: Request,
    session: Session,
    user: User,
    flow: Flow,
    step: dict[str, Any],
    person_id: str,
    problems: FormProblems,
) -> dict[str, Any] | None:
    if step.get("type") not in SEND_TYPES:
        problems.refuse("person_id", "only message steps have a message to preview")
        return None
    chosen = parse_id(person_id)
    if chosen is None:
        problems.refuse("person_id", "choose a person to preview the message for")
        return None
    try:
        person = get_person(session, chosen)
        template = get_template(session, int(step["template_id"]))
    except NotFound as error:
        problems.refuse("person_id", error.message)
        return None
    variables = {"flow": flow.name, "flow_id": flow.id, "step": step["id"], "variant": None}
    try:
        rendered = preview_for_person(
            session,
            ingestion_of(request).store,
            actor=user,
            template=template,
            person=person,
            settings=request.app.state.settings,
            variables=variables,
        )
    except PermissionDenied:
        raise
    except Exception as error:  # noqa: BLE001 - a template failing for this person's data
        problems.refuse("person_id", f"the template fails for this person: {error}")
        return None
    return {"person": person, "template": template, "rendered": rendered}
