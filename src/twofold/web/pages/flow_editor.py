"""The flow editor's forms (decision 0018): the trigger, and each step added, changed or
removed through a form with dropdowns of templates, segments, lists and stages. Every change
is the flow JSON changed in one place (``flows.editing``) and saved through
``actions.update_flow`` — the JSON editor's validation — with its problems shown beside the
fields they concern."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from twofold.core.errors import NotAuthenticated, NotFound, TwofoldError, ValidationFailed
from twofold.flows import actions, editing
from twofold.flows.actions import FlowUpdate
from twofold.flows.choices import flow_choices
from twofold.flows.definition import STEP_TYPES
from twofold.flows.trigger_definitions import TRIGGERS
from twofold.persons.lookups import person_choices
from twofold.store.models import Flow, User
from twofold.web.dependencies import DbSession, SubmittedForm, WebFormUser, WebUser, form_text
from twofold.web.flow_forms import (
    SEND_TYPES,
    exit_events_from_form,
    reentry_from_form,
    step_from_form,
    step_problems,
    step_values,
    trigger_from_form,
    trigger_problems,
    trigger_values,
)
from twofold.web.forms import CORRECT_FIELDS, FormProblems, FormView, submitted
from twofold.web.pages.shared import RecordId, see_other
from twofold.web.templating import render

router = APIRouter()


@router.get("/flows/{flow_id}/trigger", include_in_schema=False)
def trigger_page(
    request: Request, session: DbSession, user: WebUser, flow_id: RecordId, kind: str = ""
) -> Response:
    del user
    flow = actions.get_flow(session, flow_id)
    values = trigger_values(flow.definition)
    if kind in TRIGGERS:
        values["type"] = kind
    return _trigger_form(request, session, flow, FormView(values=values))


@router.post("/flows/{flow_id}/trigger", include_in_schema=False)
def save_trigger(
    request: Request, session: DbSession, user: WebFormUser, form: SubmittedForm, flow_id: RecordId
) -> Response:
    flow = actions.get_flow(session, flow_id)
    problems = FormProblems()

    def change() -> None:
        document = editing.replace_trigger(
            flow.definition,
            trigger_from_form(form),
            exit_events=exit_events_from_form(form),
            reentry=reentry_from_form(form),
        )
        _save(session, user, flow, document)

    _apply(session, problems, change, lambda error: trigger_problems(problems, error))
    if problems:
        view = submitted(form, problems)
        return _trigger_form(request, session, flow, view, status_code=problems.status)
    return see_other(f"/flows/{flow.id}")


@router.get("/flows/{flow_id}/steps/new", include_in_schema=False)
def new_step_page(
    request: Request,
    session: DbSession,
    user: WebUser,
    flow_id: RecordId,
    slot: str = editing.START_SLOT,
    kind: str = "send_email",
) -> Response:
    del user
    flow = actions.get_flow(session, flow_id)
    chosen = kind if kind in STEP_TYPES else "send_email"
    values = {"type": chosen, "slot": slot, "id": _free_id(flow.definition, chosen)}
    return step_form(request, session, flow, FormView(values=values), step_id=None)


@router.post("/flows/{flow_id}/steps", include_in_schema=False)
def add_step(
    request: Request, session: DbSession, user: WebFormUser, form: SubmittedForm, flow_id: RecordId
) -> Response:
    return _save_step_form(request, session, user, actions.get_flow(session, flow_id), form)


@router.get("/flows/{flow_id}/steps/{step_id}", include_in_schema=False)
def step_page(
    request: Request,
    session: DbSession,
    user: WebUser,
    flow_id: RecordId,
    step_id: str,
    kind: str = "",
) -> Response:
    del user
    flow = actions.get_flow(session, flow_id)
    values = step_values(stored_step(flow, step_id))
    if kind in STEP_TYPES:
        values["type"] = kind
    return step_form(request, session, flow, FormView(values=values), step_id=step_id)


@router.post("/flows/{flow_id}/steps/{step_id}", include_in_schema=False)
def save_step(
    request: Request,
    session: DbSession,
    user: WebFormUser,
    form: SubmittedForm,
    flow_id: RecordId,
    step_id: str,
) -> Response:
    flow = actions.get_flow(session, flow_id)
    stored_step(flow, step_id)
    return _save_step_form(request, session, user, flow, form, step_id=step_id)


@router.post("/flows/{flow_id}/steps/{step_id}/delete", include_in_schema=False)
def delete_step(
    request: Request,
    session: DbSession,
    user: WebFormUser,
    form: SubmittedForm,
    flow_id: RecordId,
    step_id: str,
) -> Response:
    del form
    flow = actions.get_flow(session, flow_id)
    stored = stored_step(flow, step_id)
    problems = FormProblems()

    def change() -> None:
        _save(session, user, flow, editing.remove_step(flow.definition, step_id))

    def explain(error: ValidationFailed) -> None:
        for problem in error.details:
            problems.add("form", f"{problem.field}: {problem.message}")

    _apply(session, problems, change, explain)
    if problems:
        problems.message = f"Step {step_id} was not removed: {problems.message}"
        view = FormView(values=step_values(stored), problems=problems)
        return step_form(request, session, flow, view, step_id=step_id, status_code=problems.status)
    return see_other(f"/flows/{flow.id}")


def _save_step_form(
    request: Request,
    session: Session,
    user: User,
    flow: Flow,
    form: FormData,
    *,
    step_id: str | None = None,
) -> Response:
    """Add (no ``step_id``: at the form's slot) or replace a step; on refusal the form again
    with the problems beside its fields and nothing stored."""
    problems = FormProblems()
    steps = flow.definition.get("steps") or []
    position = len(steps) if step_id is None else editing.step_position(flow.definition, step_id)

    def change() -> None:
        step = step_from_form(form_text(form, "type"), form)
        if step_id is None:
            document = editing.insert_step(flow.definition, step, _slot(form))
        else:
            document = editing.replace_step(flow.definition, step_id, step)
        _save(session, user, flow, document)

    def explain(error: ValidationFailed) -> None:
        new_id = form_text(form, "id").strip()
        step_problems(problems, error, step_id=new_id, position=position)

    _apply(session, problems, change, explain)
    if problems:
        view = submitted(form, problems)
        return step_form(request, session, flow, view, step_id=step_id, status_code=problems.status)
    return see_other(f"/flows/{flow.id}")


def _apply(
    session: Session,
    problems: FormProblems,
    change: Callable[[], None],
    explain: Callable[[ValidationFailed], None],
) -> None:
    """``change`` in a savepoint; a refusal is kept in ``problems`` (validation problems
    placed by ``explain``) and nothing of it is stored."""
    savepoint = session.begin_nested()
    try:
        change()
    except (NotAuthenticated, NotFound):
        savepoint.rollback()
        raise
    except ValidationFailed as error:
        savepoint.rollback()
        problems.status = error.status
        problems.message = CORRECT_FIELDS
        explain(error)
    except TwofoldError as error:
        savepoint.rollback()
        problems.record_domain(error)
    else:
        savepoint.commit()


def _save(session: Session, user: User, flow: Flow, document: dict[str, Any]) -> None:
    actions.update_flow(
        session, actor=user, flow=flow, data=FlowUpdate(definition=document), expected_version=None
    )


def stored_step(flow: Flow, step_id: str) -> dict[str, Any]:
    step = editing.find_step(flow.definition, step_id)
    if step is None:
        raise NotFound(f"flow {flow.id} has no step {step_id}")
    return step


def _slot(form: FormData) -> str:
    return form_text(form, "slot") or editing.START_SLOT


def _free_id(definition: dict[str, Any], kind: str) -> str:
    """A step id not yet taken: ``email``, ``email_2``..."""
    base = kind.removeprefix("send_")
    taken = {str(step.get("id")) for step in definition.get("steps") or []}
    if base not in taken:
        return base
    number = 2
    while f"{base}_{number}" in taken:
        number += 1
    return f"{base}_{number}"


def step_form(
    request: Request,
    session: Session,
    flow: Flow,
    form: FormView,
    *,
    step_id: str | None,
    status_code: int = 200,
    preview: dict[str, Any] | None = None,
) -> Response:
    """The step's form page (``preview``: a message rendered for a chosen person)."""
    kind = form.value("type")
    others = [
        (str(step.get("id")), str(step.get("id")))
        for step in flow.definition.get("steps") or []
        if step.get("id") != step_id
    ]
    context = {
        "flow": flow,
        "form": form,
        "step_id": step_id,
        "kind": kind,
        "step_types": STEP_TYPES,
        "channel": SEND_TYPES.get(kind),
        "targets": others,
        "slots": editing.slots(flow.definition),
        "choices": flow_choices(session),
        "preview": preview,
        "people": [(str(value), label) for value, label in person_choices(session)],
    }
    return render(request, "flows/step.html", context, status_code=status_code)


def _trigger_form(
    request: Request, session: Session, flow: Flow, form: FormView, *, status_code: int = 200
) -> Response:
    context = {
        "flow": flow,
        "form": form,
        "triggers": [kind for kind in TRIGGERS if kind != "form"],
        "choices": flow_choices(session),
    }
    return render(request, "flows/trigger.html", context, status_code=status_code)
