"""/api/v1/flows: flow definitions (checked on save), activation, runs and per-step counts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel
from sqlalchemy import select

from twofold.api.dependencies import ApiUser, DbSession, EventIngestion, ExpectedVersion
from twofold.api.routes.support import set_etag
from twofold.api.schemas.common import ListOut
from twofold.flows import actions
from twofold.flows.actions import FlowCreate, FlowUpdate
from twofold.flows.engine import step_counts
from twofold.store.listing import DEFAULT_LIMIT, MAX_LIMIT
from twofold.store.models import Flow, FlowRun

router = APIRouter(prefix="/flows", tags=["flows"])


class FlowOut(BaseModel):
    id: int
    name: str
    description: str
    status: str
    definition: Any
    steps: dict[str, dict[str, Any]]
    version: int
    created_at: datetime
    updated_at: datetime


class RunOut(BaseModel):
    id: int
    person_id: int
    status: str
    step_id: str | None
    due_at: datetime | None
    variant: str | None
    entered_at: datetime
    ended_at: datetime | None
    end_reason: str | None


def flow_out(session: DbSession, flow: Flow) -> FlowOut:
    return FlowOut(
        id=flow.id,
        name=flow.name,
        description=flow.description,
        status=flow.status,
        definition=flow.definition,
        steps=step_counts(session, flow.id),
        version=flow.version,
        created_at=flow.created_at,
        updated_at=flow.updated_at,
    )


@router.get("")
def list_(session: DbSession) -> ListOut[FlowOut]:
    return ListOut(
        items=[flow_out(session, f) for f in actions.list_flows(session)], next_cursor=None
    )


@router.post("", status_code=status.HTTP_201_CREATED)
def create(data: FlowCreate, session: DbSession, user: ApiUser, response: Response) -> FlowOut:
    """A draft flow (422 with the path of every problem in its definition)."""
    flow = actions.create_flow(session, actor=user, data=data)
    set_etag(response, flow.version)
    return flow_out(session, flow)


@router.get("/{flow_id}")
def read(flow_id: int, session: DbSession, response: Response) -> FlowOut:
    flow = actions.get_flow(session, flow_id)
    set_etag(response, flow.version)
    return flow_out(session, flow)


@router.patch("/{flow_id}")
def update(
    flow_id: int,
    data: FlowUpdate,
    session: DbSession,
    user: ApiUser,
    expected_version: ExpectedVersion,
    response: Response,
) -> FlowOut:
    flow = actions.get_flow(session, flow_id)
    actions.update_flow(
        session, actor=user, flow=flow, data=data, expected_version=expected_version
    )
    set_etag(response, flow.version)
    return flow_out(session, flow)


@router.post("/{flow_id}/activate")
def activate(flow_id: int, session: DbSession, user: ApiUser, ingestion: EventIngestion) -> FlowOut:
    """Start the flow: people enter from now on (history is not replayed)."""
    flow = actions.get_flow(session, flow_id)
    actions.set_status(session, ingestion.store, actor=user, flow=flow, status="active")
    return flow_out(session, flow)


@router.post("/{flow_id}/pause")
def pause(flow_id: int, session: DbSession, user: ApiUser, ingestion: EventIngestion) -> FlowOut:
    """Stop executing steps; runs stay where they are until the flow is activated again."""
    flow = actions.get_flow(session, flow_id)
    actions.set_status(session, ingestion.store, actor=user, flow=flow, status="paused")
    return flow_out(session, flow)


@router.delete("/{flow_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete(flow_id: int, session: DbSession, user: ApiUser) -> None:
    actions.delete_flow(session, actor=user, flow=actions.get_flow(session, flow_id))


@router.get("/{flow_id}/runs")
def runs(
    flow_id: int,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[int | None, Query(ge=0)] = None,
    run_status: Annotated[
        str | None, Query(alias="status", pattern="^(active|completed|exited|failed)$")
    ] = None,
) -> ListOut[RunOut]:
    """The flow's runs, newest first."""
    flow = actions.get_flow(session, flow_id)
    query = select(FlowRun).where(FlowRun.flow_id == flow.id)
    if run_status is not None:
        query = query.where(FlowRun.status == run_status)
    if cursor is not None:
        query = query.where(FlowRun.id < cursor)
    rows = list(session.scalars(query.order_by(FlowRun.id.desc()).limit(limit + 1)))
    items = [RunOut.model_validate(row, from_attributes=True) for row in rows[:limit]]
    return ListOut(items=items, next_cursor=str(rows[limit - 1].id) if len(rows) > limit else None)
