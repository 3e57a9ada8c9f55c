"""Bounces and complaints posted back by the mail system: hard bounces and complaints put
the address on the suppression list; a complaint also unsubscribes whoever has that primary
email (a complaint is the strongest "stop"); soft bounces are noted on the message only."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.messaging.channels import Channel, ConsentStatus, SuppressionReason
from twofold.messaging.consent import set_consent
from twofold.messaging.suppressions import ensure_can_manage_audience, normalise_address, suppress
from twofold.store.models import OutboxMessage, Person, User


@dataclass(frozen=True)
class BounceResult:
    """What a bounce changed."""

    email: str
    suppressed: bool
    unsubscribed_persons: int


def record_bounce(
    session: Session,
    *,
    actor: User | None,
    email: str,
    kind: str,
    message_id: int | None = None,
    diagnostic: str = "",
) -> BounceResult:
    """Apply a bounce of ``kind`` (hard, soft, complaint) for ``email``."""
    ensure_can_manage_audience(actor)
    address = normalise_address(Channel.EMAIL, email, field="email")
    note = f"{kind} bounce" + (f" of message {message_id}" if message_id else "")
    if diagnostic:
        note += f": {diagnostic}"
    if message_id is not None:
        message = session.get(OutboxMessage, message_id)
        if message is not None and message.address == address:
            message.reason = note[:2000]
    if kind == "soft":
        return BounceResult(email=address, suppressed=False, unsubscribed_persons=0)
    reason = SuppressionReason.HARD_BOUNCE if kind == "hard" else SuppressionReason.COMPLAINT
    suppress(session, channel=Channel.EMAIL, address=address, reason=reason, note=note[:2000])
    unsubscribed = 0
    if kind == "complaint":
        for person in session.scalars(select(Person).where(Person.primary_email == address)):
            set_consent(session, actor=None, person=person, channel=Channel.EMAIL,
                        status=ConsentStatus.UNSUBSCRIBED, source="spam complaint")  # fmt: skip
            unsubscribed += 1
    return BounceResult(email=address, suppressed=True, unsubscribed_persons=unsubscribed)
