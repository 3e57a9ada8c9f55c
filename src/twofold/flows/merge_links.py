"""Flow runs follow a person merge (decision 0018). ``flow_runs.person_id`` is not a foreign
key, so without this the duplicate's runs would point at a deleted person: an active one
would fail at its next step, and its finished ones would no longer count for re-entry.

The duplicate's runs become the survivor's, history included (re-entry and attribution then
see one human). An active run of the duplicate in a flow where the survivor has an active
run too is ended first (``exited``, reason ``merged``): one human, one run of a flow."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.core.time import utcnow
from twofold.flows.engine import end_run
from twofold.store.models import FlowRun

MERGED = "merged"


def move_flow_runs(session: Session, *, into_id: int, from_id: int) -> tuple[int, int]:
    """Answers how many runs moved and how many of them were ended as duplicates."""
    theirs = session.scalars(
        select(FlowRun).where(FlowRun.person_id == from_id).order_by(FlowRun.id).with_for_update()
    ).all()
    if not theirs:
        return 0, 0
    ours_active = set(
        session.scalars(
            select(FlowRun.flow_id).where(FlowRun.person_id == into_id, FlowRun.status == "active")
        )
    )
    now = utcnow()
    ended = 0
    for run in theirs:
        if run.status == "active" and run.flow_id in ours_active:
            end_run(run, "exited", now, MERGED)
            ended += 1
        run.person_id = into_id
    session.flush()
    return len(theirs), ended
