"""The demo's sales sequence: the first rep's outbound sequence (emails, a wait, a call task,
a follow-up) with a few of their contacts enrolled — one replied, one booked a meeting, the
rest on their way (their first steps run when the server starts; emails stay queued until
``TWOFOLD_SMTP_URL`` is set). Built through the domain actions, so it is what a rep makes."""

from __future__ import annotations

from sqlalchemy import select, update

from twofold.demo.world import World
from twofold.sequences.actions import SequenceCreate, create_sequence
from twofold.sequences.enrollments import enroll, stop
from twofold.store.database import Database
from twofold.store.models import Person, TimelineEntry, User
from twofold.timeline import kinds

ENROLLED = 6
STEPS = [
    {
        "type": "email",
        "subject": "{{ account.name or 'Your team' }} and faster quarter-end closes",
        "body": (
            "Hi {{ person.first_name }},\n\nTeams like {{ account.name or 'yours' }} tell us "
            "quarter-end takes a week of spreadsheets. Worth 20 minutes to see how others cut "
            "it to a day?\n\n{{ sender.first_name }}"
        ),
    },
    {"type": "wait", "business_days": 2},
    {"type": "task", "task": "call", "subject": "Call about the first email", "note": ""},
    {"type": "wait", "business_days": 3},
    {
        "type": "email",
        "subject": "Following up, {{ person.first_name }}",
        "body": "Hi {{ person.first_name }},\n\nShall I send a short recording instead?\n\n"
        "{{ sender.first_name }}",
    },
    {"type": "task", "task": "linkedin", "subject": "Connect on LinkedIn", "note": ""},
]


def add_sequences(database: Database, world: World) -> int:
    """Write the demo sequence and enrol some of the first rep's contacts; how many."""
    if not world.team.reps:
        return 0
    with database.transaction() as session:
        rep = session.get_one(User, world.team.reps[0])
        sequence = create_sequence(
            session,
            actor=rep,
            data=SequenceCreate(
                name="Outbound: finance leaders",
                description="Three touches over a week for new finance contacts.",
                timezone="Europe/Amsterdam",
                steps=STEPS,
            ),
            default_timezone="UTC",
        )
        contacts = session.scalars(
            select(Person.id)
            .where(Person.owner_id == rep.id, Person.primary_email.is_not(None))
            .order_by(Person.id)
            .limit(ENROLLED)
        ).all()
        now = world.clock.now
        enrolled = [
            enroll(session, actor=rep, sequence=sequence, person_id=person_id, now=now)
            for person_id in contacts
        ]
        for enrollment, reason in zip(enrolled, ("replied", "meeting booked"), strict=False):
            stop(session, actor=None, enrollment=enrollment, reason=reason, now=now)
        session.flush()
        # The same seed and clock build the same rows: the entries get the demo's clock too.
        session.execute(
            update(TimelineEntry).where(TimelineEntry.kind == kinds.SEQUENCE_CHANGED).values(at=now)
        )
    return len(enrolled)
