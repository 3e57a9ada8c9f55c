"""New flows from the six classic starters (``flows.starters``): the list, and a starter's
form, which asks for a name and the templates and segment it needs, then creates a draft
through ``actions.create_flow`` (the same checks as every flow)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from twofold.core.errors import ValidationFailed
from twofold.flows import actions
from twofold.flows.actions import FlowCreate
from twofold.flows.choices import flow_choices
from twofold.flows.starters import STARTERS, Starter, get_starter
from twofold.web.dependencies import DbSession, SubmittedForm, WebFormUser, WebUser, form_text
from twofold.web.forms import FormProblems, FormView, parse_id, submitted
from twofold.web.pages.shared import see_other
from twofold.web.templating import render

router = APIRouter()


@router.get("/flows/starters", include_in_schema=False)
def starters_page(request: Request, user: WebUser) -> Response:
    del user
    return render(request, "flows/starters.html", {"starters": STARTERS})


@router.get("/flows/starters/{key}", include_in_schema=False)
def starter_page(request: Request, session: DbSession, user: WebUser, key: str) -> Response:
    del user
    starter = get_starter(key)
    form = FormView(values={"name": starter.name, "description": starter.description})
    return _form(request, session, starter, form)


@router.post("/flows/starters/{key}", include_in_schema=False)
def create_from_starter(
    request: Request, session: DbSession, user: WebFormUser, form: SubmittedForm, key: str
) -> Response:
    starter = get_starter(key)
    problems = FormProblems()
    chosen: dict[str, int] = {}
    for pick in starter.picks:
        found = parse_id(form_text(form, pick.field))
        if found is None:
            noun = "an email template" if pick.kind == "email_template" else "a segment"
            problems.add(pick.field, f"choose {noun}")
        else:
            chosen[pick.field] = found
    created = None
    if problems:
        problems.status, problems.message = 422, "Please choose what the flow needs."
    else:
        with problems.capture(session):
            data = FlowCreate(
                name=form_text(form, "name"),
                description=form_text(form, "description"),
                definition=starter.build(chosen),
            )
            try:
                created = actions.create_flow(session, actor=user, data=data)
            except ValidationFailed as error:  # a pick that does not fit: shown beside it
                raise _beside_picks(starter, error) from None
    if created is None:
        view = submitted(form, problems)
        return _form(request, session, starter, view, status_code=problems.status)
    return see_other(f"/flows/{created.id}")


def _beside_picks(starter: Starter, error: ValidationFailed) -> ValidationFailed:
    fields = {pick.path: pick.field for pick in starter.picks}
    details = [
        type(problem)(fields.get(problem.field, problem.field), problem.message)
        for problem in error.details
    ]
    return ValidationFailed(error.message, details=details)


def _form(
    request: Request, session: Session, starter: Starter, form: FormView, *, status_code: int = 200
) -> Response:
    context = {"starter": starter, "form": form, "choices": flow_choices(session)}
    return render(request, "flows/starter.html", context, status_code=status_code)
