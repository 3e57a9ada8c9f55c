"""Enrol contacts in a sequence, pause, resume and stop them, and read where they stand.

Enrolment is refused for a contact without an email address, one whose address is suppressed
or who unsubscribed (a personal email could not go), and one already enrolled (active or
paused) in the same sequence — the last also by a partial unique index, for races.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from twofold.auth.permissions import ensure_can_edit
from twofold.core.enums import RecordType
from twofold.core.errors import Conflict, NotFound, ValidationFailed
from twofold.core.time import utcnow
from twofold.deals.actions import get_deal
from twofold.messaging.channels import Channel, Purpose
from twofold.messaging.consent import may_send
from twofold.persons.actions import get_person
from twofold.sequences.steps import describe, parse_steps
from twofold.store.models import (
    SalesSequence,
    SequenceEnrollment,
    SequenceStepVisit,
    User,
)
from twofold.timeline import kinds
from twofold.timeline.entries import append_to_timelines

CURRENT = ("active", "paused")
REFUSALS = {
    "no_address": "the contact has no email address",
    "invalid_address": "the contact's email address is not valid",
}


@dataclass(frozen=True)
class EnrollmentView:
    """An enrollment with its sequence and what comes next, for lists and the person page."""

    enrollment: SequenceEnrollment
    sequence: SalesSequence
    steps_total: int
    next_step: str | None


def get_enrollment(
    session: Session, enrollment_id: int, *, lock: bool = False
) -> SequenceEnrollment:
    """One enrollment (locked against the worker when ``lock``), or NotFound."""
    enrollment = session.get(SequenceEnrollment, enrollment_id, with_for_update=lock or None)
    if enrollment is None:
        raise NotFound(f"no sequence enrollment {enrollment_id}")
    return enrollment


def enroll(
    session: Session,
    *,
    actor: User,
    sequence: SalesSequence,
    person_id: int,
    deal_id: int | None = None,
    now: datetime | None = None,
) -> SequenceEnrollment:
    """Start the sequence for a contact now (its first step runs on the worker's next pass)."""
    ensure_can_edit(actor, sequence.owner_id, record="sequence")
    if sequence.owner_id is None:
        raise Conflict("the sequence has no owner to send its emails")
    person = get_person(session, person_id)
    if deal_id is not None:
        try:
            get_deal(session, deal_id)
        except NotFound:
            raise ValidationFailed.on("deal_id", f"no deal {deal_id}") from None
    decision = may_send(session, person, Channel.EMAIL, Purpose.PERSONAL)
    if not decision.allowed:
        why = REFUSALS.get(
            decision.reason, f"emails to this contact are refused ({decision.reason})"
        )
        raise ValidationFailed.on("person_id", why)
    _refuse_current(session, sequence.id, person.id)
    at = now or utcnow()
    enrollment = SequenceEnrollment(
        sequence_id=sequence.id,
        person_id=person.id,
        deal_id=deal_id,
        sender_id=sequence.owner_id,
        enrolled_by_id=actor.id,
        status="active",
        position=0,
        due_at=at,
        enrolled_at=at,
    )
    try:
        with session.begin_nested():
            session.add(enrollment)
            session.flush()
    except IntegrityError:  # enrolled by someone else a moment ago
        raise Conflict("the contact is already in this sequence") from None
    _note(session, actor, enrollment, f"Enrolled in sequence {sequence.name}")
    return enrollment


def pause(session: Session, *, actor: User, enrollment: SequenceEnrollment) -> SequenceEnrollment:
    """Hold an active enrollment where it is."""
    _ensure_can_change(session, actor, enrollment)
    if enrollment.status == "paused":
        return enrollment
    if enrollment.status != "active":
        raise Conflict(f"the enrollment has ended ({enrollment.status})")
    enrollment.status = "paused"
    session.flush()
    return enrollment


def resume(
    session: Session, *, actor: User, enrollment: SequenceEnrollment, now: datetime | None = None
) -> SequenceEnrollment:
    """Go on from the step it was paused at (a step that fell due meanwhile runs now)."""
    _ensure_can_change(session, actor, enrollment)
    if enrollment.status == "active":
        return enrollment
    if enrollment.status != "paused":
        raise Conflict(f"the enrollment has ended ({enrollment.status})")
    enrollment.status = "active"
    enrollment.due_at = max(enrollment.due_at or (now or utcnow()), now or utcnow())
    session.flush()
    return enrollment


def stop(
    session: Session,
    *,
    actor: User | None,
    enrollment: SequenceEnrollment,
    reason: str,
    now: datetime | None = None,
) -> bool:
    """End a current enrollment for ``reason`` (``manual``, ``replied``...); False if it had
    already ended. ``actor`` None: the system (a reply, a meeting, the worker)."""
    if actor is not None:
        _ensure_can_change(session, actor, enrollment)
    if enrollment.status not in CURRENT:
        return False
    end(enrollment, "stopped", reason, now or utcnow())
    sequence = session.get_one(SalesSequence, enrollment.sequence_id)
    _note(session, actor, enrollment, f"Sequence {sequence.name} stopped: {reason}")
    return True


def end(enrollment: SequenceEnrollment, status: str, reason: str | None, now: datetime) -> None:
    """Mark the enrollment ended (completed or stopped)."""
    enrollment.status = status
    enrollment.stop_reason = reason[:200] if reason else None
    enrollment.ended_at = now
    enrollment.due_at = None


def list_enrollments(
    session: Session,
    *,
    sequence_id: int | None = None,
    person_id: int | None = None,
    status: str | None = None,
    limit: int = 200,
) -> list[EnrollmentView]:
    """Enrollments, newest first, of a sequence and/or a person."""
    query = select(SequenceEnrollment, SalesSequence).join(
        SalesSequence, SalesSequence.id == SequenceEnrollment.sequence_id
    )
    if sequence_id is not None:
        query = query.where(SequenceEnrollment.sequence_id == sequence_id)
    if person_id is not None:
        query = query.where(SequenceEnrollment.person_id == person_id)
    if status is not None:
        query = query.where(SequenceEnrollment.status == status)
    rows = session.execute(query.order_by(SequenceEnrollment.id.desc()).limit(limit))
    return [view_of(enrollment, sequence) for enrollment, sequence in rows]


def view_of(enrollment: SequenceEnrollment, sequence: SalesSequence) -> EnrollmentView:
    """The enrollment with its sequence's step count and the next step's description."""
    steps = parse_steps(sequence.steps)
    following = None
    if enrollment.status in CURRENT and enrollment.position < len(steps):
        following = describe(steps[enrollment.position])
    return EnrollmentView(enrollment, sequence, len(steps), following)


def visits_of(session: Session, enrollment_id: int) -> list[SequenceStepVisit]:
    """The steps an enrollment executed, in order."""
    return list(
        session.scalars(
            select(SequenceStepVisit)
            .where(SequenceStepVisit.enrollment_id == enrollment_id)
            .order_by(SequenceStepVisit.position)
        )
    )


def _refuse_current(session: Session, sequence_id: int, person_id: int) -> None:
    current = session.scalar(
        select(SequenceEnrollment.id).where(
            SequenceEnrollment.sequence_id == sequence_id,
            SequenceEnrollment.person_id == person_id,
            SequenceEnrollment.status.in_(CURRENT),
        )
    )
    if current is not None:
        raise Conflict("the contact is already in this sequence")


def _ensure_can_change(session: Session, actor: User, enrollment: SequenceEnrollment) -> None:
    sequence = session.get_one(SalesSequence, enrollment.sequence_id)
    if actor.id == enrollment.sender_id:
        return
    ensure_can_edit(actor, sequence.owner_id, record="sequence")


def _note(
    session: Session, actor: User | None, enrollment: SequenceEnrollment, summary: str
) -> None:
    records = [(RecordType.PERSON, enrollment.person_id)]
    if enrollment.deal_id is not None:
        records.append((RecordType.DEAL, enrollment.deal_id))
    append_to_timelines(
        session,
        actor=actor,
        records=records,
        kind=kinds.SEQUENCE_CHANGED,
        summary=summary,
        changes={"enrollment_id": enrollment.id, "status": enrollment.status},
    )
