"""Double opt-in for email: consent becomes ``pending`` and a confirmation email (built in,
transactional) is queued; following its signed link makes the consent ``subscribed``."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from twofold.messaging import outbox
from twofold.messaging.channels import Channel, ConsentStatus, Purpose
from twofold.messaging.consent import ChannelConsent, request_email_opt_in
from twofold.store.models import Person, User


def start_double_opt_in(
    session: Session, *, actor: User | None, person: Person, source: str
) -> ChannelConsent:
    """Mark email consent pending and queue the confirmation (nothing when already subscribed)."""
    state = request_email_opt_in(session, actor=actor, person=person, source=source)
    if state.status is ConsentStatus.PENDING:
        outbox.enqueue(
            session,
            actor=None,  # the confirmation is the system's, whoever asked for the opt-in
            person_id=person.id,
            channel=Channel.EMAIL,
            purpose=Purpose.TRANSACTIONAL,
            template_id=None,
            variables={"builtin": outbox.BUILTIN_OPT_IN},
            idempotency_key=f"opt-in-{person.id}-{uuid.uuid4()}",
        )
    return state
