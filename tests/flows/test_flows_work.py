"""``twofold flows work`` (issue 7, part 2): two worker processes on one PostgreSQL share the
due runs — every step executed exactly once, by one of them — and stop cleanly on SIGTERM;
on SQLite the command refuses with a clear message."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from server_process import cli_environment
from twofold.core.enums import ActivityKind
from twofold.core.time import utcnow
from twofold.flows.actions import FlowCreate, create_flow
from twofold.flows.engine import definition_of, enter_many
from twofold.store.database import Database
from twofold.store.models import Activity, FlowStepVisit, Person, User

PEOPLE = 300
DEFINITION = {
    "trigger": {"type": "event", "event": "Never Sent"},
    "start": "t1",
    "steps": [
        {"id": "t1", "type": "update_trait", "trait": "stage", "value": 1, "next": "d1"},
        {"id": "d1", "type": "delay", "hours": 0.0002, "next": "task"},
        {"id": "task", "type": "create_task", "subject": "Say hello", "next": None},
    ],
}


def count(database: Database, query: object) -> int:
    with database.transaction(write=False) as session:
        return int(session.scalar(query) or 0)  # type: ignore[call-overload]


def worker(home: Path, url: str, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "twofold.cli",
            "flows",
            "work",
            "--seconds",
            "0.05",
            "--batch",
            "10",
        ],
        env={**cli_environment(home), "TWOFOLD_DATABASE_URL": url},
        stdin=subprocess.DEVNULL,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_workers_share_the_runs_and_no_step_runs_twice(
    tmp_path: Path, admin: User, database: Database
) -> None:
    with database.transaction() as session:
        actor = session.get_one(User, admin.id)
        people = [Person(first_name=f"P{i}", traits={}, owner_id=actor.id) for i in range(PEOPLE)]
        session.add_all(people)
        session.flush()
        flow = create_flow(
            session, actor=actor, data=FlowCreate(name="Shared", definition=DEFINITION)
        )
        flow.status = "active"
        entries = [(person.id, f"p{person.id}") for person in people]
        assert enter_many(session, flow, definition_of(flow), entries, now=utcnow()) == PEOPLE
    url = database.engine.url.render_as_string(hide_password=False)
    logs = [tmp_path / "w1.log", tmp_path / "w2.log"]
    workers = [worker(tmp_path / "home", url, log) for log in logs]
    try:
        deadline = time.monotonic() + 120
        while count(database, select(func.count()).select_from(FlowStepVisit)) < PEOPLE * 3:
            assert all(w.poll() is None for w in workers), [log.read_text() for log in logs]
            assert time.monotonic() < deadline, "the workers made no progress"
            time.sleep(0.1)
    finally:
        for process in workers:
            process.send_signal(signal.SIGTERM)
        codes = [process.wait(timeout=30) for process in workers]
    outputs = [log.read_text() for log in logs]
    assert codes == [0, 0], outputs
    executed = [int(out.split(" entered, ")[1].split(" steps")[0]) for out in outputs]
    assert sum(executed) == PEOPLE * 3, outputs  # every step once, between them
    assert all(share > 0 for share in executed), outputs  # both took part
    tasks = select(func.count()).select_from(Activity).where(Activity.kind == ActivityKind.TASK)
    assert count(database, tasks) == PEOPLE  # the side effect happened once per run


def test_on_sqlite_the_worker_refuses(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "twofold.cli", "flows", "work"],
        env={**cli_environment(tmp_path / "home")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "needs PostgreSQL" in done.stderr
    assert "server's own flow worker" in done.stderr
