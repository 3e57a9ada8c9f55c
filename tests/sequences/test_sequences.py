"""Sales sequences on a controllable clock, on SQLite and PostgreSQL: steps checked on save,
enrolment refusals, every step once with business-day waits in the rep's zone, tasks for the
rep, and the stops — a booked meeting, an unsubscribe, a bounce, a reply (matched by thread
or sender; unknown replies refused with nothing stored)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sequence_world import MONDAY, SalesWorld
from sqlalchemy import func, select

from support import count_rows
from twofold.activities.actions import log_activity, update_activity
from twofold.activities.schemas import ActivityCreate, ActivityUpdate
from twofold.auth.users import create_user
from twofold.core.enums import ActivityKind
from twofold.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from twofold.core.time import utcnow
from twofold.messaging.channels import Channel, ConsentStatus, SuppressionReason
from twofold.messaging.compose import message_id_header
from twofold.messaging.consent import set_consent
from twofold.messaging.suppressions import suppress
from twofold.persons.actions import create_person
from twofold.persons.schemas import PersonCreate
from twofold.sequences.actions import SequenceCreate, create_sequence, get_sequence
from twofold.sequences.engine import advance, run_due
from twofold.sequences.enrollments import enroll, get_enrollment
from twofold.sequences.replies import InboundEmailIn, record_reply
from twofold.sequences.schedule import add_business_days, into_working_hours
from twofold.store.database import Database
from twofold.store.models import (
    Activity,
    OutboxMessage,
    Person,
    SequenceEnrollment,
    SequenceStepVisit,
    User,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=AMSTERDAM).astimezone(UTC)  # type: ignore[misc]


def test_business_days_and_working_hours() -> None:
    friday_4pm = _local(2027, 3, 5, 16, 0)
    assert add_business_days(friday_4pm, 1, AMSTERDAM) == _local(2027, 3, 8, 16, 0)
    assert add_business_days(friday_4pm, 5, AMSTERDAM) == _local(2027, 3, 12, 16, 0)
    saturday = _local(2027, 3, 6, 12, 0)
    assert add_business_days(saturday, 1, AMSTERDAM) == _local(2027, 3, 8, 12, 0)
    # Across the change to summer time (28 March 2027): the same wall-clock time.
    assert add_business_days(_local(2027, 3, 26, 10, 0), 1, AMSTERDAM) == datetime(
        2027, 3, 29, 8, 0, tzinfo=UTC
    )
    assert into_working_hours(_local(2027, 3, 8, 7, 0), AMSTERDAM) == _local(2027, 3, 8, 8, 0)
    assert into_working_hours(_local(2027, 3, 5, 19, 0), AMSTERDAM) == _local(2027, 3, 8, 8, 0)
    assert into_working_hours(_local(2027, 3, 8, 11, 0), AMSTERDAM) == _local(2027, 3, 8, 11, 0)


@pytest.mark.parametrize(
    ("steps", "field"),
    [
        ([], "steps"),
        ("not a list", "steps"),
        ([{"type": "fax"}], "steps.0"),
        ([{"type": "wait", "business_days": 0}], "steps.0.business_days"),
        ([{"type": "email", "subject": "Hi {{ person.first_name", "body": "x"}], "steps.0.subject"),
        ([{"type": "email", "subject": "ok", "body": "{{ ''.__class__ }}"}], "steps.0.body"),
        ([{"type": "task", "task": "telex", "subject": "x"}], "steps.0.task"),
        ([{"type": "wait", "business_days": 1, "extra": 1}], "steps.0.extra"),
    ],
)
def test_steps_are_checked_with_their_path(database: Database, steps: object, field: str) -> None:
    SalesWorld(database)
    with database.transaction() as session:
        actor = session.scalar(select(User).where(User.role == "rep"))
        assert actor is not None
        with pytest.raises(ValidationFailed) as refused:
            create_sequence(
                session,
                actor=actor,
                data=SequenceCreate(name="Broken", steps=steps),
                default_timezone="UTC",
            )
    assert field in [problem.field for problem in refused.value.details]
    assert count_rows(database, "sequences") == 1  # only the world's


def test_enrolment_refusals(database: Database) -> None:
    world = SalesWorld(database)
    with database.transaction() as session:
        rep = world.rep(session)
        sequence = get_sequence(session, world.sequence_id)
        nobody = create_person(
            session, actor=rep, data=PersonCreate(first_name="No", owner_id=rep.id)
        )
        enroll(session, actor=rep, sequence=sequence, person_id=world.people["Ann"], now=MONDAY)
        suppress(
            session,
            channel=Channel.EMAIL,
            address="bob@buyer.example",
            reason=SuppressionReason.HARD_BOUNCE,
        )
        person = session.get_one(Person, world.people["Cas"])
        set_consent(
            session,
            actor=rep,
            person=person,
            channel=Channel.EMAIL,
            status=ConsentStatus.UNSUBSCRIBED,
            source="asked us",
        )
        other_rep = create_user(
            session, email="o@seller.example", name="Otto", password="x" * 12, role="rep"
        )
        nobody_id, other_id = nobody.id, other_rep.id
    before = count_rows(database, "sequence_enrollments")
    cases = [
        (world.people["Ann"], None, Conflict, None),
        (nobody_id, None, ValidationFailed, "no email address"),
        (world.people["Bob"], None, ValidationFailed, "suppressed:hard_bounce"),
        (world.people["Cas"], None, ValidationFailed, "suppressed:unsubscribe"),
        (world.people["Bob"] + 10_000, None, NotFound, None),
    ]
    for person_id, deal_id, error, words in cases:
        with database.transaction() as session, pytest.raises(error) as refused:
            enroll(
                session,
                actor=world.rep(session),
                sequence=get_sequence(session, world.sequence_id),
                person_id=person_id,
                deal_id=deal_id,
            )
        if words:
            assert words in refused.value.message
    with database.transaction() as session, pytest.raises(ValidationFailed):
        enroll(
            session,
            actor=world.rep(session),
            sequence=get_sequence(session, world.sequence_id),
            person_id=world.people["Ann"],
            deal_id=999_999,
        )
    with database.transaction() as session, pytest.raises(PermissionDenied):
        enroll(
            session,
            actor=session.get_one(User, other_id),
            sequence=get_sequence(session, world.sequence_id),
            person_id=world.people["Ann"],
        )
    assert count_rows(database, "sequence_enrollments") == before == 1


def _enrol(world: SalesWorld, *names: str, at: datetime = MONDAY) -> list[int]:
    with world.database.transaction() as session:
        sequence = get_sequence(session, world.sequence_id)
        return [
            enroll(
                session,
                actor=world.rep(session),
                sequence=sequence,
                person_id=world.people[name],
                now=at,
            ).id
            for name in names
        ]


def _state(database: Database, enrollment_id: int) -> tuple[str, str | None, int]:
    with database.transaction(write=False) as session:
        enrollment = get_enrollment(session, enrollment_id)
        return enrollment.status, enrollment.stop_reason, enrollment.position


def test_every_step_once_with_business_day_waits(database: Database) -> None:
    world = SalesWorld(database)
    [ann] = _enrol(world, "Ann")
    assert run_due(database, now=MONDAY) == 2  # the email, then the wait
    assert run_due(database, now=MONDAY + timedelta(hours=1)) == 0
    with database.transaction(write=False) as session:
        [message] = session.scalars(select(OutboxMessage)).all()
        enrollment = get_enrollment(session, ann)
        assert message.purpose == "personal"
        assert message.variables["from"] == "Rita Rep <rita@seller.example>"
        assert message.variables["reply_to"] == "rita@seller.example"
        assert message.variables["context"]["account"] == {"name": "Acme"}
        assert message.variables["subject"].startswith("{{ account.name }}")
        # Two business days later at the same local time: Wednesday 10:00 in Amsterdam.
        assert enrollment.due_at == _local(2027, 3, 3, 10, 0)
        assert enrollment.position == 2
    wednesday = _local(2027, 3, 3, 10, 0)
    assert run_due(database, now=wednesday - timedelta(minutes=1)) == 0
    assert run_due(database, now=wednesday) == 2  # the task, the second email
    assert run_due(database, now=wednesday + timedelta(days=1)) == 0
    assert _state(database, ann) == ("completed", None, 4)
    with database.transaction(write=False) as session:
        visits = session.scalars(select(SequenceStepVisit).order_by(SequenceStepVisit.position))
        assert [(v.position, v.kind) for v in visits] == [
            (0, "email"),
            (1, "wait"),
            (2, "task"),
            (3, "email"),
        ]
        [task] = session.scalars(select(Activity).where(Activity.kind == "task")).all()
        assert task.subject == "Call: Call about the first email"
        assert task.owner_id == world.rep_id
        assert task.due_at == wednesday
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 2


def test_an_interrupted_step_runs_once_later(database: Database) -> None:
    world = SalesWorld(database)
    [ann] = _enrol(world, "Ann")

    class Crash(Exception):
        pass

    def interrupted() -> None:
        with database.transaction() as session:
            enrollment = session.get_one(SequenceEnrollment, ann)
            advance(session, get_sequence(session, world.sequence_id), enrollment, now=MONDAY)
            raise Crash  # the process died before the commit: nothing of the step remains

    with pytest.raises(Crash):
        interrupted()
    assert count_rows(database, "outbox_messages") == 0
    assert count_rows(database, "sequence_step_visits") == 0
    assert run_due(database, now=MONDAY) == 2
    assert run_due(database, now=MONDAY) == 0
    assert count_rows(database, "outbox_messages") == 1


def test_meeting_unsubscribe_and_bounce_stop_the_sequence(database: Database) -> None:
    # Meetings count from when they were created, so this test runs on the real clock.
    world = SalesWorld(database)
    with database.transaction() as session:  # a meeting before enrolment does not count
        log_activity(
            session,
            actor=world.rep(session),
            data=ActivityCreate(
                kind=ActivityKind.MEETING, subject="Old meeting", person_ids=[world.people["Cas"]]
            ),
        )
    start = utcnow()
    ann, bob, cas = _enrol(world, "Ann", "Bob", "Cas", at=start)
    run_due(database, now=start)
    assert count_rows(database, "outbox_messages") == 3
    with database.transaction() as session:
        rep = world.rep(session)
        log_activity(
            session,
            actor=rep,
            data=ActivityCreate(
                kind=ActivityKind.MEETING,
                subject="Intro",
                person_ids=[world.people["Ann"]],
                occurred_at=start + timedelta(days=7),
            ),
        )
        bob_person = session.get_one(Person, world.people["Bob"])
        set_consent(
            session,
            actor=rep,
            person=bob_person,
            channel=Channel.EMAIL,
            status=ConsentStatus.UNSUBSCRIBED,
            source="unsubscribe link",
        )
    run_due(database, now=start + timedelta(minutes=1))  # the sweep: Ann stops at once
    assert _state(database, ann) == ("stopped", "meeting booked", 2)
    assert _state(database, bob)[0] == "active"  # an unsubscribe is seen at the next step
    with database.transaction() as session:
        suppress(
            session,
            channel=Channel.EMAIL,
            address="cas@buyer.example",
            reason=SuppressionReason.HARD_BOUNCE,
        )
    assert run_due(database, now=start + timedelta(days=10)) == 0
    assert _state(database, bob) == ("stopped", "unsubscribed", 2)
    assert _state(database, cas) == ("stopped", "bounced", 2)
    assert count_rows(database, "outbox_messages") == 3
    assert count_rows(database, "sequence_step_visits") == 6


def test_a_meeting_linked_later_is_seen_before_the_next_step(database: Database) -> None:
    world = SalesWorld(database)
    start = utcnow()
    [ann] = _enrol(world, "Ann", at=start)
    run_due(database, now=start)
    with database.transaction() as session:  # booked for someone else, then linked to Ann
        meeting = log_activity(
            session,
            actor=world.rep(session),
            data=ActivityCreate(
                kind=ActivityKind.DEMO, subject="Demo", person_ids=[world.people["Bob"]]
            ),
        )
    run_due(database, now=start + timedelta(minutes=1))
    assert _state(database, ann)[0] == "active"
    with database.transaction() as session:
        update_activity(
            session,
            actor=world.rep(session),
            activity=session.get_one(Activity, meeting.id),
            data=ActivityUpdate(person_ids=[world.people["Ann"]]),
        )
    assert run_due(database, now=start + timedelta(days=10)) == 0
    assert _state(database, ann) == ("stopped", "meeting booked", 2)


def test_replies_stop_by_thread_or_sender_and_unknown_ones_are_refused(
    database: Database,
) -> None:
    world = SalesWorld(database)
    ann, bob = _enrol(world, "Ann", "Bob")
    run_due(database, now=MONDAY)
    quoted = message_id_header(f"sequence-{ann}-step-0", "Twofold <no-reply@localhost>")
    reply = InboundEmailIn.model_validate(
        {
            "from": "Ann Colleague <someone.else@buyer.example>",
            "to": "rita@seller.example",
            "subject": "Re: Acme and us",
            "text": "Sounds good, call me.",
            "headers": [
                {"name": "Message-ID", "value": "<r1@buyer.example>"},
                {"name": "In-Reply-To", "value": quoted},
            ],
        }
    )
    with database.transaction() as session:
        outcome = record_reply(session, reply, now=MONDAY + timedelta(hours=2))
    assert (outcome.matched_by, outcome.enrollment_ids, outcome.stopped) == ("thread", [ann], 1)
    assert _state(database, ann)[:2] == ("stopped", "replied")
    with database.transaction() as session:  # posted again: the first answer, nothing new
        again = record_reply(session, reply)
        activity = session.get_one(Activity, outcome.activity_id)
        assert (activity.kind, activity.subject) == ("email", "Reply: Re: Acme and us")
    assert again.duplicate
    assert again.inbound_id == outcome.inbound_id
    assert count_rows(database, "inbound_emails") == 1
    by_sender = InboundEmailIn.model_validate(
        {"from": "BOB@buyer.example", "subject": "Not now", "text": "Next quarter."}
    )
    with database.transaction() as session:
        assert record_reply(session, by_sender).matched_by == "sender"
    assert _state(database, bob)[:2] == ("stopped", "replied")
    activities = count_rows(database, "activities")
    stranger = InboundEmailIn.model_validate({"from": "who@else.example", "text": "hello"})
    with database.transaction() as session, pytest.raises(NotFound):
        record_reply(session, stranger)
    with database.transaction() as session, pytest.raises(NotFound):  # Bob is no longer enrolled
        record_reply(
            session,
            InboundEmailIn.model_validate(
                {"from": "bob@buyer.example", "subject": "More", "text": "x"}
            ),
        )
    assert count_rows(database, "inbound_emails") == 2
    assert count_rows(database, "activities") == activities
    assert run_due(database, now=_local(2027, 3, 3, 10, 0)) == 0
    assert count_rows(database, "outbox_messages") == 2
