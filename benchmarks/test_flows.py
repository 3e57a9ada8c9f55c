"""100,000 people entering a flow at once (issue 7, part 2), on SQLite.

The flow has two steps that change a trait. Timed: the entry (one call of ``enter_many``)
and the engine executing every step (``run_due`` passes until no run is active), each step
recorded as a visit in the same transaction as its effect. Reference in the same run: the
same trait changes written directly, person by person, with no flow bookkeeping — what the
steps' effects cost by themselves. Size: ``TWOFOLD_BENCH_FLOW_PEOPLE`` (default 100,000).
"""

from __future__ import annotations

import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from twofold.core.settings import sqlite_url_for
from twofold.core.time import utcnow
from twofold.events.store import EventStore
from twofold.flows.actions import FlowCreate, create_flow
from twofold.flows.engine import definition_of, enter_many, run_due
from twofold.store.database import open_database
from twofold.store.migrate import upgrade_to_latest
from twofold.store.models import FlowRun, Person, Segment, User

pytestmark = pytest.mark.bench
RESULTS = Path(__file__).parent / "results"
PEOPLE = int(os.environ.get("TWOFOLD_BENCH_FLOW_PEOPLE", "100000"))
DEFINITION = {
    "trigger": {"type": "segment_entered", "segment_id": 1},
    "start": "tag",
    "steps": [
        {"id": "tag", "type": "update_trait", "trait": "welcome", "value": "sent", "next": "done"},
        {"id": "done", "type": "update_trait", "trait": "stage", "value": 2, "next": None},
    ],
}


def test_a_hundred_thousand_people_enter_a_flow(tmp_path: Path) -> None:
    database = open_database(sqlite_url_for(tmp_path))
    upgrade_to_latest(database)
    store = EventStore(tmp_path / "events.duckdb")
    with database.transaction() as session:
        admin = User(email="bench@example.com", name="Bench", role="admin", password_hash="x")
        session.add(admin)
        session.flush()
        session.execute(
            insert(Person),
            [
                {"first_name": f"P{i}", "traits": {}, "emails": [], "phones": []}
                for i in range(PEOPLE)
            ],
        )
        session.add(
            Segment(id=1, name="Everyone", target="persons", rule={"trait": "x", "op": "exists"})
        )
        session.flush()
        flow = create_flow(
            session, actor=admin, data=FlowCreate(name="Welcome", definition=DEFINITION)
        )
        flow.status = "active"
        flow_id = flow.id
        person_ids = list(session.scalars(select(Person.id)))

    started = time.perf_counter()
    with database.transaction() as session:
        flow = session.get_one(type(flow), flow_id)
        entered = enter_many(
            session, flow, definition_of(flow), [(p, f"t:{p}") for p in person_ids], now=utcnow()
        )
    entering = time.perf_counter() - started
    assert entered == PEOPLE

    started = time.perf_counter()
    steps = 0
    while True:
        done = run_due(database, store, limit=2000)
        steps += done
        if not done:
            break
    executing = time.perf_counter() - started
    with database.transaction(write=False) as session:
        active = session.scalar(select(FlowRun.id).where(FlowRun.status == "active").limit(1))
        stages = {p.traits.get("stage") for p in session.scalars(select(Person).limit(1000))}
    assert active is None
    assert steps == 2 * PEOPLE
    assert stages == {2}

    # Reference: the same two trait changes per person, written directly.
    started = time.perf_counter()
    for offset in range(0, PEOPLE, 2000):
        with database.transaction() as session:
            for person in session.scalars(
                select(Person).where(Person.id.in_(person_ids[offset : offset + 2000]))
            ):
                person.traits = {**person.traits, "welcome": "again"}
                session.flush()
                person.traits = {**person.traits, "stage": 3}
    reference = time.perf_counter() - started
    store.close()
    database.dispose()

    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    report = "\n".join(
        [
            f"## Flows — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC ({machine})",
            "",
            f"{PEOPLE:,} people enter a two-step flow at once (SQLite).",
            "",
            "| | seconds | per second |",
            "|---|---:|---:|",
            f"| entering (`enter_many`) | {entering:.1f} | {PEOPLE / entering:,.0f} people |",
            (
                f"| executing every step (`run_due`) | {executing:.1f} | "
                f"{steps / executing:,.0f} steps |"
            ),
            (
                f"| reference: the same trait changes, no flow | {reference:.1f} | "
                f"{2 * PEOPLE / reference:,.0f} changes |"
            ),
            "",
        ]
    )
    print(report)
    with (RESULTS / "latest.md").open("a") as handle:
        handle.write("\n" + report)
