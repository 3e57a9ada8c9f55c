"""kill -9 of the server while flows run: after restarts every step of every run has been
executed exactly once — none twice, none lost (issue 7, part 2)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from server_process import Server, run_cli
from twofold.core.settings import sqlite_url_for
from twofold.core.time import utcnow
from twofold.flows.actions import FlowCreate, create_flow
from twofold.flows.engine import definition_of, enter
from twofold.store.database import Database, open_database
from twofold.store.models import Flow, FlowRun, FlowStepVisit, Person, User

PEOPLE = 150
STEPS = ["t1", "d1", "t2", "d2", "t3"]
DEFINITION = {
    "trigger": {"type": "event", "event": "Never Sent"},
    "start": "t1",
    "steps": [
        {"id": "t1", "type": "update_trait", "trait": "stage", "value": 1, "next": "d1"},
        {"id": "d1", "type": "delay", "hours": 0.0002, "next": "t2"},
        {"id": "t2", "type": "update_trait", "trait": "stage", "value": 2, "next": "d2"},
        {"id": "d2", "type": "delay", "hours": 0.0002, "next": "t3"},
        {"id": "t3", "type": "update_trait", "trait": "stage", "value": 3, "next": None},
    ],
}


def visits(database: Database) -> int:
    with database.transaction(write=False) as session:
        return int(session.scalar(select(func.count()).select_from(FlowStepVisit)) or 0)


def test_no_step_runs_twice_and_none_is_lost_across_kill_9(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    run_cli(home, "init")
    database = open_database(sqlite_url_for(home))
    with database.transaction() as session:
        admin = session.scalars(select(User)).first()
        if admin is None:
            admin = User(email="ops@example.com", name="Ops", role="admin", password_hash="x")
            session.add(admin)
            session.flush()
        people = [Person(first_name=f"P{i}", traits={}) for i in range(PEOPLE)]
        session.add_all(people)
        session.flush()
        flow = create_flow(
            session, actor=admin, data=FlowCreate(name="Crash", definition=DEFINITION)
        )
        flow.status = "active"
        definition = definition_of(flow)
        now = utcnow()
        for person in people:
            enter(
                session, flow, definition, person_id=person.id, entry_key=f"p{person.id}", now=now
            )
        flow_id = flow.id
    monkeypatch.setenv("TWOFOLD_FLOW_WORKER_SECONDS", "0.05")
    total = PEOPLE * len(STEPS)
    kills = 0
    for target in (total // 5, total // 2):  # kill twice, mid-way
        server = Server(home, tmp_path / "server.log")
        deadline = time.monotonic() + 120
        while visits(database) < target:
            assert time.monotonic() < deadline, "the flow made no progress"
            time.sleep(0.01)
        server.kill()
        kills += 1
    server = Server(home, tmp_path / "server.log")
    try:
        deadline = time.monotonic() + 180
        while True:
            with database.transaction(write=False) as session:
                active = session.scalar(
                    select(func.count()).select_from(FlowRun).where(FlowRun.status == "active")
                )
            if not active:
                break
            assert time.monotonic() < deadline, f"{active} runs never finished"
            time.sleep(0.1)
    finally:
        server.stop()
    with database.transaction(write=False) as session:
        per_step = session.execute(
            select(FlowStepVisit.run_id, FlowStepVisit.step_id, func.count()).group_by(
                FlowStepVisit.run_id, FlowStepVisit.step_id
            )
        ).all()
        statuses = set(session.scalars(select(FlowRun.status).where(FlowRun.flow_id == flow_id)))
        stages = {person.traits.get("stage") for person in session.scalars(select(Person))}
        assert session.get_one(Flow, flow_id).status == "active"
    database.dispose()
    assert kills == 2
    assert statuses == {"completed"}
    assert len(per_step) == total  # every step of every run...
    assert {count for _run, _step, count in per_step} == {1}  # ...exactly once
    assert stages == {3}
