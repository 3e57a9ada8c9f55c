"""A person merge keeps what the duplicate was engaged in (decisions 0018, 0023): static list
memberships (the union, once each, noted on the timeline), sequence enrollments (moved; a
second current one in the same sequence stopped as ``merged``) and flow runs (moved; a second
active one in the same flow ended as ``merged``) — and the moved ones go on running for the
survivor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from support import PASSWORD
from twofold.auth.users import create_user
from twofold.core.enums import RecordType
from twofold.flows.actions import FlowCreate, create_flow
from twofold.flows.engine import definition_of, enter, run_due
from twofold.lists.actions import ListCreate, add_people, create_list
from twofold.persons.actions import create_person, get_person
from twofold.persons.merge import merge_person_records
from twofold.persons.schemas import PersonCreate
from twofold.sequences.actions import SequenceCreate, create_sequence
from twofold.sequences.enrollments import enroll
from twofold.store.database import Database
from twofold.store.models import (
    FlowRun,
    Person,
    SequenceEnrollment,
    StaticListMember,
    User,
)
from twofold.timeline.entries import read_timeline

MONDAY = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
STEPS: list[dict[str, Any]] = [{"type": "email", "subject": "Hello", "body": "Hi"}]


def _people(database: Database, admin: User) -> tuple[int, int]:
    with database.transaction() as session:
        actor = session.merge(admin)
        keep, duplicate = (
            create_person(
                session,
                actor=actor,
                data=PersonCreate(first_name="Ann", last_name=last, emails=[email]),
            ).id
            for last, email in (("Keep", "ann@keep.example"), ("Dup", "ann@dup.example"))
        )
    return keep, duplicate


def _merge(database: Database, admin: User, keep: int, duplicate: int) -> dict[str, int]:
    with database.transaction() as session:
        report = merge_person_records(
            session,
            actor=session.merge(admin),
            into=get_person(session, keep),
            duplicate=get_person(session, duplicate),
        )
    return report.moved


def test_list_memberships_become_the_union_once_each(database: Database, admin: User) -> None:
    keep, duplicate = _people(database, admin)
    with database.transaction() as session:
        actor = session.merge(admin)
        lists = {
            name: create_list(session, actor=actor, data=ListCreate(name=name))
            for name in ("Both", "Dup only", "Keep only")
        }
        add_people(session, actor=actor, found=lists["Both"], person_ids=[keep], source="api")
        add_people(session, actor=None, found=lists["Both"], person_ids=[duplicate], source="flow")
        add_people(session, actor=None, found=lists["Dup only"], person_ids=[duplicate], source="x")
        add_people(session, actor=actor, found=lists["Keep only"], person_ids=[keep], source="api")
        ids = {name: found.id for name, found in lists.items()}

    moved = _merge(database, admin, keep, duplicate)

    assert moved["lists"] == 1
    with database.transaction() as session:
        rows = session.execute(
            select(StaticListMember.list_id, StaticListMember.person_id, StaticListMember.source)
        ).all()
        assert sorted(rows) == sorted(
            [
                (ids["Both"], keep, "api"),
                (ids["Dup only"], keep, "x"),
                (ids["Keep only"], keep, "api"),
            ]
        )
        summaries = [e.summary for e in read_timeline(session, record=(RecordType.PERSON, keep))]
        assert "added to list Dup only (merged from Ann Dup)" in summaries
        assert not any("Both (merged" in summary for summary in summaries)


def test_enrollments_move_and_a_second_current_one_stops_as_merged(
    database: Database, admin: User
) -> None:
    keep, duplicate = _people(database, admin)
    with database.transaction() as session:
        rep = create_user(
            session, email="rep@seller.example", name="Rita Rep", password=PASSWORD, role="rep"
        )
        shared, theirs, ended = (
            create_sequence(
                session,
                actor=rep,
                data=SequenceCreate(name=name, steps=STEPS),
                default_timezone="UTC",
            )
            for name in ("Shared", "Theirs", "Ended")
        )
        ours_shared = enroll(session, actor=rep, sequence=shared, person_id=keep, now=MONDAY).id
        dup_shared = enroll(session, actor=rep, sequence=shared, person_id=duplicate, now=MONDAY)
        dup_theirs = enroll(session, actor=rep, sequence=theirs, person_id=duplicate, now=MONDAY)
        dup_ended = enroll(session, actor=rep, sequence=ended, person_id=duplicate, now=MONDAY)
        dup_ended.status, dup_ended.stop_reason = "stopped", "replied"
        ours_ended = enroll(session, actor=rep, sequence=ended, person_id=keep, now=MONDAY).id
        ids = (dup_shared.id, dup_theirs.id, dup_ended.id)

    moved = _merge(database, admin, keep, duplicate)

    assert (moved["sequence_enrollments"], moved["sequence_enrollments_stopped"]) == (3, 1)
    with database.transaction() as session:
        rows = {
            row.id: (row.person_id, row.status, row.stop_reason)
            for row in session.scalars(select(SequenceEnrollment))
        }
        assert rows == {
            ours_shared: (keep, "active", None),
            ids[0]: (keep, "stopped", "merged"),
            ids[1]: (keep, "active", None),
            ids[2]: (keep, "stopped", "replied"),
            ours_ended: (keep, "active", None),
        }
        summaries = [e.summary for e in read_timeline(session, record=(RecordType.PERSON, keep))]
        assert "Sequence Shared stopped: merged" in summaries


def test_flow_runs_move_go_on_for_the_survivor_and_a_second_active_one_ends(
    database: Database, admin: User
) -> None:
    keep, duplicate = _people(database, admin)
    definition = {
        "trigger": {"type": "event", "event": "Signed Up"},
        "start": "wait",
        "steps": [
            {"id": "wait", "type": "delay", "hours": 1, "next": "tag"},
            {"id": "tag", "type": "update_trait", "trait": "welcomed", "value": True},
        ],
    }
    with database.transaction() as session:
        actor = session.merge(admin)
        flows = [
            create_flow(session, actor=actor, data=FlowCreate(name=name, definition=definition))
            for name in ("Shared", "Theirs")
        ]
        for flow in flows:
            flow.status = "active"

        def run(flow_index: int, person: int, key: str) -> int:
            flow = flows[flow_index]
            entered = enter(
                session, flow, definition_of(flow), person_id=person, entry_key=key, now=MONDAY
            )
            assert entered.run_id is not None
            return entered.run_id

        ours_shared = run(0, keep, "keep-1")
        dup_shared, dup_theirs = run(0, duplicate, "dup-1"), run(1, duplicate, "dup-2")

    moved = _merge(database, admin, keep, duplicate)

    assert (moved["flow_runs"], moved["flow_runs_ended"]) == (2, 1)
    with database.transaction() as session:
        runs = {
            run.id: (run.person_id, run.status, run.end_reason)
            for run in session.scalars(select(FlowRun))
        }
        assert runs == {
            ours_shared: (keep, "active", None),
            dup_shared: (keep, "exited", "merged"),
            dup_theirs: (keep, "active", None),
        }
    # The moved run goes on for the survivor (before the fix it failed: person gone).
    for hours in (1, 2):
        run_due(database, None, now=MONDAY + timedelta(hours=hours, minutes=1))
    with database.transaction() as session:
        assert session.get_one(FlowRun, dup_theirs).status == "completed"
        assert session.get_one(FlowRun, ours_shared).status == "completed"
        assert session.get_one(Person, keep).traits["welcomed"] is True
        assert session.get(Person, duplicate) is None
