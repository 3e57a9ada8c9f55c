"""Leads and form submissions follow their person through a merge, and go with them in an
erasure (the ``ON DELETE CASCADE`` of ``leads.person_id`` would otherwise drop a merged
person's leads, and a submission's values would outlive an erased person)."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from twofold.core.enums import RecordType
from twofold.core.time import utcnow
from twofold.store.models import FormSubmission, Lead, TimelineEntry
from twofold.store.statements import affected_rows


def move_leads(session: Session, *, into_id: int, from_id: int) -> int:
    """The duplicate's leads and submissions belong to the kept person; how many leads."""
    moved = affected_rows(
        session,
        update(Lead)
        .where(Lead.person_id == from_id)
        .values(person_id=into_id, version=Lead.version + 1, updated_at=utcnow()),
    )
    affected_rows(
        session,
        update(FormSubmission).where(FormSubmission.person_id == from_id).values(person_id=into_id),
    )
    return moved


def erase_leads(session: Session, person_id: int) -> int:
    """The person's leads, their timelines and their form submissions; how many leads."""
    lead_ids = list(session.scalars(select(Lead.id).where(Lead.person_id == person_id)))
    affected_rows(session, delete(FormSubmission).where(FormSubmission.person_id == person_id))
    if lead_ids:
        affected_rows(
            session,
            delete(TimelineEntry).where(
                TimelineEntry.record_type == RecordType.LEAD.value,
                TimelineEntry.record_id.in_(lead_ids),
            ),
        )
    return affected_rows(session, delete(Lead).where(Lead.person_id == person_id))
