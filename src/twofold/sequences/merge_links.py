"""Sequence enrollments follow a person merge (decision 0023): the duplicate's enrollments
become the survivor's, history included. A current (active or paused) enrollment of the
duplicate in a sequence the survivor is already current in is stopped with reason
``merged`` first — one human gets one run of a sequence — and then moved as history."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.sequences.enrollments import CURRENT, stop
from twofold.store.models import SequenceEnrollment

MERGED = "merged"


def move_enrollments(session: Session, *, into_id: int, from_id: int) -> tuple[int, int]:
    """Answers how many enrollments moved and how many of them were stopped as duplicates.

    Call it before the duplicate's timeline moves: the stop notes land on the duplicate's
    timeline and travel with it."""
    theirs = session.scalars(
        select(SequenceEnrollment)
        .where(SequenceEnrollment.person_id == from_id)
        .order_by(SequenceEnrollment.id)
        .with_for_update()
    ).all()
    if not theirs:
        return 0, 0
    ours_current = set(
        session.scalars(
            select(SequenceEnrollment.sequence_id).where(
                SequenceEnrollment.person_id == into_id,
                SequenceEnrollment.status.in_(CURRENT),
            )
        )
    )
    stopped = 0
    for enrollment in theirs:
        if enrollment.status in CURRENT and enrollment.sequence_id in ours_current:
            stopped += stop(session, actor=None, enrollment=enrollment, reason=MERGED)
    session.flush()  # the stops first: the survivor may hold one current row per sequence
    for enrollment in theirs:
        enrollment.person_id = into_id
    session.flush()
    return len(theirs), stopped
