"""Create, change, activate, pause and delete flows (checked in full before anything is stored).

Only draft and paused flows can be changed; activating checks the definition again, checks
the segments and templates it names, and starts its trigger feeds at "now" (a flow does not
replay history).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.auth.permissions import AUDIENCE_ROLES
from twofold.core.enums import Role
from twofold.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from twofold.events.store import EventStore
from twofold.flows.definition import FlowDefinition, parse_flow
from twofold.flows.references import (
    start_trigger_positions,
    step_reference_problems,
    trigger_reference_problems,
)
from twofold.store.changes import ensure_version
from twofold.store.models import Flow, User

FLOW_ROLES = AUDIENCE_ROLES | {Role.MANAGER}


class FlowCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    definition: Any


class FlowUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    definition: Any = None


def ensure_can_manage_flows(actor: User) -> None:
    if actor.role not in FLOW_ROLES:
        raise PermissionDenied("only admins, managers and marketers can change flows")


def get_flow(session: Session, flow_id: int) -> Flow:
    flow = session.get(Flow, flow_id)
    if flow is None:
        raise NotFound(f"no flow {flow_id}")
    return flow


def list_flows(session: Session) -> list[Flow]:
    return list(session.scalars(select(Flow).order_by(Flow.name, Flow.id)))


def create_flow(session: Session, *, actor: User, data: FlowCreate) -> Flow:
    ensure_can_manage_flows(actor)
    definition = parse_flow(data.definition)
    _check_references(session, definition)
    _check_name_free(session, data.name.strip(), None)
    flow = Flow(
        name=data.name.strip(),
        description=data.description,
        status="draft",
        definition=data.definition,
        event_watermark=0,
        transition_watermark=0,
        created_by_id=actor.id,
    )
    session.add(flow)
    session.flush()
    return flow


def update_flow(
    session: Session, *, actor: User, flow: Flow, data: FlowUpdate, expected_version: int | None
) -> Flow:
    ensure_can_manage_flows(actor)
    ensure_version(flow, expected_version)
    if data.definition is not None:
        if flow.status == "active":
            raise Conflict("pause the flow before changing its steps")
        _check_references(session, parse_flow(data.definition))
        flow.definition = data.definition
    if data.name is not None and data.name.strip() != flow.name:
        _check_name_free(session, data.name.strip(), flow.id)
        flow.name = data.name.strip()
    if data.description is not None:
        flow.description = data.description
    session.flush()
    return flow


def set_status(
    session: Session, store: EventStore, *, actor: User, flow: Flow, status: str
) -> Flow:
    """``active`` (from draft or paused) or ``paused`` (from active)."""
    ensure_can_manage_flows(actor)
    if status == "active":
        if flow.status == "active":
            return flow
        definition = parse_flow(flow.definition)
        _check_references(session, definition)
        if flow.status == "draft":  # first activation: the triggers start from now
            start_trigger_positions(session, store, flow, definition.trigger)
        flow.status = "active"
    elif status == "paused":
        if flow.status != "active":
            raise Conflict("only an active flow can be paused")
        flow.status = "paused"
    else:
        raise ValidationFailed.on("status", "must be active or paused")
    session.flush()
    return flow


def delete_flow(session: Session, *, actor: User, flow: Flow) -> None:
    ensure_can_manage_flows(actor)
    if flow.status == "active":
        raise Conflict("pause the flow before deleting it")
    session.delete(flow)
    session.flush()


def _check_name_free(session: Session, name: str, flow_id: int | None) -> None:
    taken = select(Flow.id).where(Flow.name == name)
    if flow_id is not None:
        taken = taken.where(Flow.id != flow_id)
    if session.scalar(taken) is not None:
        raise Conflict(f"a flow named {name!r} already exists")


def _check_references(session: Session, definition: FlowDefinition) -> None:
    problems = trigger_reference_problems(session, definition.trigger)
    for step in definition.steps.values():
        problems += step_reference_problems(session, step)
    if problems:
        raise ValidationFailed(f"the flow is not valid: {problems[0].message}", details=problems)
