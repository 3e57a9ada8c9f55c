"""Flows in the UI: the list with status and people in each step, a flow's page (the flow
drawn as a diagram with each step's counts and conversions, latest runs), and the advanced
editor (the flow JSON, checked on save with the path of every problem; the step and trigger
forms are in ``flow_editor``). Activation and pausing are buttons on the flow's page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.core.time import utcnow
from twofold.flows import actions
from twofold.flows.actions import FlowCreate, FlowUpdate
from twofold.flows.attribution import DEFAULT_WINDOW_DAYS, TOUCHES, check_options, flow_report
from twofold.flows.choices import flow_choices
from twofold.flows.definition import STEP_TYPES, parse_flow
from twofold.flows.editing import slots
from twofold.flows.engine import step_counts
from twofold.store.models import Flow, FlowRun
from twofold.web.dependencies import DbSession, SubmittedForm, WebFormUser, WebUser, form_text
from twofold.web.flow_diagram import drawn_diagram
from twofold.web.forms import FormProblems, FormView, json_field, pretty_json, submitted
from twofold.web.pages.shared import RecordId, see_other
from twofold.web.pages.sources import ingestion_of
from twofold.web.templating import render

router = APIRouter()
EXAMPLE: dict[str, Any] = {
    "trigger": {"type": "event", "event": "Checkout Started"},
    "start": "wait",
    "steps": [
        {"id": "wait", "type": "delay", "hours": 1, "next": "bought?"},
        {
            "id": "bought?",
            "type": "condition",
            "rule": {"order": {"within_days": 1}},
            "yes": None,
            "no": "remind",
        },
        {"id": "remind", "type": "create_task", "subject": "Call about the open cart"},
    ],
    "exit": [{"event": "Order Completed"}],
    "reentry": {"mode": "after_days", "days": 7},
}


@router.get("/flows", include_in_schema=False)
def flows_page(request: Request, session: DbSession, user: WebUser) -> Response:
    del user
    rows = [
        {"flow": flow, "active_runs": _active_runs(session, flow.id)}
        for flow in actions.list_flows(session)
    ]
    return render(request, "flows/list.html", {"rows": rows})


@router.get("/flows/new", include_in_schema=False)
def new_flow_page(request: Request, user: WebUser) -> Response:
    del user
    form = FormView(values={"definition": pretty_json(EXAMPLE)})
    return render(request, "flows/edit.html", {"flow": None, "form": form})


@router.post("/flows", include_in_schema=False)
def create_flow_from_form(
    request: Request, session: DbSession, user: WebFormUser, form: SubmittedForm
) -> Response:
    problems = FormProblems()
    created: Flow | None = None
    with problems.capture(session):
        data = FlowCreate(
            name=form_text(form, "name"),
            description=form_text(form, "description"),
            definition=json_field(form, "definition", missing="write the flow's definition (JSON)"),
        )
        created = actions.create_flow(session, actor=user, data=data)
    if created is None:
        context = {"flow": None, "form": submitted(form, problems)}
        return render(request, "flows/edit.html", context, status_code=problems.status)
    return see_other(f"/flows/{created.id}")


@router.get("/flows/{flow_id}", include_in_schema=False)
def flow_page(
    request: Request,
    session: DbSession,
    user: WebUser,
    flow_id: RecordId,
    window_days: float = DEFAULT_WINDOW_DAYS,
    touch: str = "sent",
) -> Response:
    del user
    check_options(window_days, touch)
    flow = actions.get_flow(session, flow_id)
    return _flow_page(request, session, flow, window_days=window_days, touch=touch)


@router.get("/flows/{flow_id}/edit", include_in_schema=False)
def edit_flow_page(
    request: Request, session: DbSession, user: WebUser, flow_id: RecordId
) -> Response:
    del user
    flow = actions.get_flow(session, flow_id)
    values = {
        "name": flow.name,
        "description": flow.description,
        "definition": pretty_json(flow.definition),
    }
    return render(request, "flows/edit.html", {"flow": flow, "form": FormView(values=values)})


@router.post("/flows/{flow_id}", include_in_schema=False)
def update_flow_from_form(
    request: Request,
    session: DbSession,
    user: WebFormUser,
    form: SubmittedForm,
    flow_id: RecordId,
) -> Response:
    flow = actions.get_flow(session, flow_id)
    problems = FormProblems()
    with problems.capture(session):
        data = FlowUpdate(
            name=form_text(form, "name"),
            description=form_text(form, "description"),
            definition=json_field(form, "definition", missing="write the flow's definition (JSON)"),
        )
        actions.update_flow(session, actor=user, flow=flow, data=data, expected_version=None)
    if problems:
        context = {"flow": flow, "form": submitted(form, problems)}
        return render(request, "flows/edit.html", context, status_code=problems.status)
    return see_other(f"/flows/{flow.id}")


@router.post("/flows/{flow_id}/status", include_in_schema=False)
def change_status(
    request: Request,
    session: DbSession,
    user: WebFormUser,
    form: SubmittedForm,
    flow_id: RecordId,
) -> Response:
    flow = actions.get_flow(session, flow_id)
    problems = FormProblems()
    with problems.capture(session):
        actions.set_status(
            session,
            ingestion_of(request).store,
            actor=user,
            flow=flow,
            status=form_text(form, "status"),
        )
    if problems:
        return _flow_page(
            request, session, flow, problem=problems.message, status_code=problems.status
        )
    return see_other(f"/flows/{flow.id}")


def _flow_page(
    request: Request,
    session: Session,
    flow: Flow,
    *,
    problem: str | None = None,
    status_code: int = 200,
    window_days: float = DEFAULT_WINDOW_DAYS,
    touch: str = "sent",
) -> Response:
    counts = step_counts(session, flow.id)
    definition = parse_flow(flow.definition)
    report = flow_report(
        session,
        ingestion_of(request).store,
        flow=flow,
        definition=definition,
        window_days=window_days,
        touch=touch,
        base_currency=request.app.state.settings.base_currency,
        now=utcnow(),
    )
    choices = flow_choices(session)
    diagram, boxes = drawn_diagram(
        flow.id, definition, counts=counts, report=report, choices=choices
    )
    steps = [
        {
            "id": step.get("id"),
            "type": step.get("type"),
            **counts.get(str(step.get("id")), {"executed": 0, "waiting": 0}),
        }
        for step in flow.definition.get("steps", [])
        if isinstance(step, dict)
    ]
    runs = list(
        session.scalars(
            select(FlowRun).where(FlowRun.flow_id == flow.id).order_by(FlowRun.id.desc()).limit(25)
        )
    )
    context = {
        "flow": flow,
        "steps": steps,
        "runs": runs,
        "problem": problem,
        "definition": pretty_json(flow.definition),
        "report": report,
        "touches": TOUCHES,
        "diagram": diagram,
        "boxes": boxes,
        "slots": slots(flow.definition),
        "step_types": STEP_TYPES,
    }
    return render(request, "flows/page.html", context, status_code=status_code)


def _active_runs(session: Session, flow_id: int) -> int:
    return sum(entry["waiting"] for entry in step_counts(session, flow_id).values())
