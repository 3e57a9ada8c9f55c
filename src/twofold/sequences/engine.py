"""Running sequences: every due step executed exactly once (decision 0023).

The flows engine's pattern (decision 0018): a step is executed inside the transaction that
records its visit (``sequence_step_visits``, unique per enrollment and position), writes its
effect (an outbox message, a task) and moves the enrollment on. A crash before the commit
leaves no trace and the step runs again; after it, the visit exists and the step is never
repeated. Emails leave through the messaging outbox, keyed by enrollment and position.

Before every step the enrollment is checked for what stops it: a meeting booked since it
began, a bounce, a complaint, an unsubscribe or a suppression. Replies stop it when they
are posted (``sequences.replies``); booked meetings also by a sweep on every pass.
"""

from __future__ import annotations

from datetime import datetime
from email.utils import formataddr
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from twofold.accounts.memberships import person_accounts
from twofold.activities.actions import log_activity
from twofold.activities.schemas import ActivityCreate
from twofold.core.enums import ActivityKind
from twofold.core.errors import TwofoldError
from twofold.core.time import as_utc, utcnow
from twofold.messaging.channels import Channel, Purpose
from twofold.messaging.compose import message_ref
from twofold.messaging.consent import may_send
from twofold.messaging.outbox import BUILTIN_INLINE, enqueue
from twofold.sequences.enrollments import end, stop
from twofold.sequences.schedule import add_business_days, into_working_hours
from twofold.sequences.steps import TASK_LABELS, EmailStep, TaskStep, WaitStep, parse_steps
from twofold.store.database import Database
from twofold.store.models import (
    Activity,
    Deal,
    FeedCursor,
    Person,
    SalesSequence,
    SequenceEnrollment,
    SequenceStepVisit,
    User,
    activity_persons,
)

MEETING_KINDS: Final = (ActivityKind.MEETING.value, ActivityKind.DEMO.value)
MEETINGS_FEED: Final = "sequences.meetings"
STOPPED_BY: Final = {
    "suppressed:hard_bounce": "bounced",
    "suppressed:complaint": "complained",
    "suppressed:unsubscribe": "unsubscribed",
    "no_consent:unsubscribed": "unsubscribed",
    "suppressed:manual": "suppressed",
    "no_address": "no email address",
    "invalid_address": "invalid email address",
}
AnyStep = EmailStep | WaitStep | TaskStep


def run_due(database: Database, *, now: datetime | None = None, limit: int = 200) -> int:
    """Stop enrollments whose contact booked a meeting, then execute every due step of
    active sequences (up to ``limit`` enrollments); answers how many steps ran."""
    at = now or utcnow()
    due_query = (
        select(SequenceEnrollment)
        .join(SalesSequence, SalesSequence.id == SequenceEnrollment.sequence_id)
        .where(
            SequenceEnrollment.status == "active",
            SequenceEnrollment.due_at <= at,
            SalesSequence.status == "active",
        )
    )
    with database.transaction(write=False) as session:  # idle passes never write
        due = session.scalar(select(due_query.exists()))
        meetings = _meetings_head(session) > _cursor(session)
    if not due and not meetings:
        return 0
    executed = 0
    with database.transaction() as session:
        stop_for_meetings(session, now=at)
        query = due_query.order_by(SequenceEnrollment.due_at, SequenceEnrollment.id).limit(limit)
        if database.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True, of=SequenceEnrollment)
        for enrollment in list(session.scalars(query)):
            sequence = session.get_one(SalesSequence, enrollment.sequence_id)
            try:
                with session.begin_nested():
                    executed += advance(session, sequence, enrollment, now=at)
            except TwofoldError as error:  # a step the data refuses: stopped, visibly
                end(enrollment, "stopped", f"step {enrollment.position + 1}: {error.message}", at)
            except IntegrityError:  # another worker executed this step: leave it to it
                session.expire(enrollment)
    return executed


def advance(
    session: Session, sequence: SalesSequence, enrollment: SequenceEnrollment, *, now: datetime
) -> int:
    """Execute the enrollment's steps from its position until it waits or ends."""
    steps = parse_steps(sequence.steps)
    zone = ZoneInfo(sequence.timezone)
    executed = 0
    for _ in range(len(steps) + 1):
        if enrollment.position >= len(steps):
            end(enrollment, "completed", None, now)
            return executed
        reason = stop_reason(session, enrollment)
        if reason is not None:
            end(enrollment, "stopped", reason, now)
            return executed
        step = steps[enrollment.position]
        outcome, message_id, activity_id, reference = _execute(
            session, sequence, enrollment, step, now=now, zone=zone
        )
        session.add(
            SequenceStepVisit(
                enrollment_id=enrollment.id,
                position=enrollment.position,
                kind=step.type,
                outcome=outcome[:200],
                message_id=message_id,
                activity_id=activity_id,
                message_ref=reference,
                executed_at=now,
            )
        )
        session.flush()  # a visit another worker recorded fails here, inside the savepoint
        executed += 1
        enrollment.position += 1
        if isinstance(step, WaitStep):
            enrollment.due_at = into_working_hours(
                add_business_days(now, step.business_days, zone), zone
            )
            if enrollment.due_at > now:
                return executed
    return executed


Executed = tuple[str, int | None, int | None, str | None]  # outcome, message, task, reference


def _execute(
    session: Session,
    sequence: SalesSequence,
    enrollment: SequenceEnrollment,
    step: AnyStep,
    *,
    now: datetime,
    zone: ZoneInfo,
) -> Executed:
    if isinstance(step, WaitStep):
        until = into_working_hours(add_business_days(now, step.business_days, zone), zone)
        return f"wait until {until.isoformat()}", None, None, None
    sender = session.get(User, enrollment.sender_id) if enrollment.sender_id else None
    if sender is None or not sender.is_active:
        raise TwofoldError("the sequence has no active sender")
    if isinstance(step, EmailStep):
        key = f"sequence-{enrollment.id}-step-{enrollment.position}"
        message, new = enqueue(
            session,
            actor=None,
            person_id=enrollment.person_id,
            channel=Channel.EMAIL,
            purpose=Purpose.PERSONAL,
            template_id=None,
            variables={
                "builtin": BUILTIN_INLINE,
                "subject": step.subject,
                "text": step.body,
                "from": formataddr((sender.name, sender.email)),
                "reply_to": sender.email,
                "context": personal_context(session, sequence, enrollment, sender),
                "sequence_id": sequence.id,
                "enrollment_id": enrollment.id,
            },
            idempotency_key=key,
        )
        outcome = f"queued message {message.id}" if new else f"message {message.id} was queued"
        return outcome, message.id, None, message_ref(key)
    return _task(session, enrollment, step, sender, now=now, zone=zone)


def _task(
    session: Session,
    enrollment: SequenceEnrollment,
    step: TaskStep,
    sender: User,
    *,
    now: datetime,
    zone: ZoneInfo,
) -> Executed:
    due = into_working_hours(add_business_days(now, step.due_business_days, zone), zone)
    activity = log_activity(
        session,
        actor=sender,
        data=ActivityCreate(
            kind=ActivityKind.TASK,
            subject=f"{TASK_LABELS[step.task]}: {step.subject}",
            body=step.note or None,
            due_at=due,
            owner_id=sender.id,
            person_ids=[enrollment.person_id],
            deal_ids=[enrollment.deal_id] if enrollment.deal_id is not None else [],
        ),
    )
    return f"task {activity.id}", None, activity.id, None


def personal_context(
    session: Session, sequence: SalesSequence, enrollment: SequenceEnrollment, sender: User
) -> dict[str, Any]:
    """What an email step may use beyond ``person``: the sender, the contact's current
    account, the deal the enrollment is tied to, the sequence."""
    accounts = [
        account
        for membership, account in person_accounts(session, enrollment.person_id)
        if membership.ended_on is None
    ]
    deal = session.get(Deal, enrollment.deal_id) if enrollment.deal_id is not None else None
    return {
        "sender": {
            "name": sender.name,
            "first_name": sender.name.split()[0] if sender.name.split() else "",
            "email": sender.email,
        },
        "account": {"name": accounts[0].name} if accounts else {},
        "deal": {"name": deal.name} if deal is not None else {},
        "sequence": {"name": sequence.name},
    }


def stop_reason(session: Session, enrollment: SequenceEnrollment) -> str | None:
    """Why the enrollment must stop before its next step, if it must."""
    if _meeting_since(session, enrollment.person_id, as_utc(enrollment.enrolled_at)):
        return "meeting booked"
    person = session.get(Person, enrollment.person_id)
    if person is None:
        return "the contact was deleted"
    decision = may_send(session, person, Channel.EMAIL, Purpose.PERSONAL)
    if decision.allowed:
        return None
    return STOPPED_BY.get(decision.reason, decision.reason)


def _meeting_since(session: Session, person_id: int, since: datetime) -> bool:
    linked = select(activity_persons.c.activity_id).where(activity_persons.c.person_id == person_id)
    found = session.scalar(
        select(Activity.id)
        .where(
            Activity.id.in_(linked),
            Activity.kind.in_(MEETING_KINDS),
            Activity.created_at >= since,
        )
        .limit(1)
    )
    return found is not None


def stop_for_meetings(session: Session, *, now: datetime) -> int:
    """Stop the current enrollments of every contact a meeting was booked with since the
    last sweep (meetings created after they were enrolled); answers how many stopped."""
    cursor = session.get(FeedCursor, MEETINGS_FEED, with_for_update=True)
    head = _meetings_head(session)
    if cursor is None:  # first sweep: older meetings are checked step by step instead
        session.add(FeedCursor(name=MEETINGS_FEED, position=head))
        session.flush()
        return 0
    if head <= cursor.position:
        return 0
    rows = session.execute(
        select(SequenceEnrollment)
        .join(activity_persons, activity_persons.c.person_id == SequenceEnrollment.person_id)
        .join(Activity, Activity.id == activity_persons.c.activity_id)
        .where(
            Activity.id > cursor.position,
            Activity.id <= head,
            Activity.kind.in_(MEETING_KINDS),
            Activity.created_at >= SequenceEnrollment.enrolled_at,
            SequenceEnrollment.status.in_(("active", "paused")),
        )
        .distinct()
    )
    stopped = sum(
        stop(session, actor=None, enrollment=enrollment, reason="meeting booked", now=now)
        for enrollment in rows.scalars()
    )
    cursor.position = head
    return stopped


def _meetings_head(session: Session) -> int:
    return int(session.scalar(select(func.coalesce(func.max(Activity.id), 0))) or 0)


def _cursor(session: Session) -> int:
    cursor = session.get(FeedCursor, MEETINGS_FEED)
    return cursor.position if cursor is not None else -1
