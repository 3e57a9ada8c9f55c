"""Replies posted to the inbound endpoint: matched to the enrollment they answer, recorded on
the contact's timeline as an email activity, and the enrollment stopped.

Matching, in order: the Message-IDs quoted in ``In-Reply-To`` / ``References`` (every
sequence email's Message-ID carries a hash of its idempotency key, kept on the step visit),
then the sender's address (the current enrollments of the person whose primary email it
is). An email that matches nothing is refused and nothing is stored. The same email posted
twice (the same Message-ID) answers the first result.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parseaddr
from typing import Final

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.activities.actions import log_activity
from twofold.activities.schemas import ActivityCreate
from twofold.core.enums import ActivityKind
from twofold.core.errors import NotFound
from twofold.core.time import utcnow
from twofold.messaging.webhooks.signatures import verify_signature
from twofold.persons.contact_points import normalise_email
from twofold.sequences.enrollments import CURRENT, stop
from twofold.store.models import (
    InboundEmail,
    Person,
    SequenceEnrollment,
    SequenceStepVisit,
    User,
)

_MESSAGE_ID = re.compile(r"<([^<>@\s]+)@[^<>\s]+>")
_REFERENCE = re.compile(r"^[0-9a-f]{32}$")
MAX_REFERENCES: Final = 100


class HeaderPair(BaseModel):
    """One header as ``{"name": ..., "value": ...}`` (the Postmark / Mailgun shape)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    name: str = Field(max_length=200, alias="Name")
    value: str = Field(max_length=20_000, alias="Value")


class InboundEmailIn(BaseModel):
    """An email as inbound-parse services post it: ``from``, ``to``, ``subject``, ``text``
    (``html`` when there is no text) and ``headers`` (an object or a list of name/value pairs).
    Other fields the service adds are ignored."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    sender: str = Field(alias="from", min_length=3, max_length=1000)
    to: str | list[str] = ""
    subject: str = Field(default="", max_length=2000)
    text: str = Field(default="", max_length=200_000)
    html: str = Field(default="", max_length=500_000)
    headers: dict[str, str] | list[HeaderPair] = Field(default_factory=dict)

    def header(self, name: str) -> str:
        """A header's value ('' when absent), whatever the case of its name."""
        wanted = name.lower()
        pairs = (
            self.headers.items()
            if isinstance(self.headers, dict)
            else ((pair.name, pair.value) for pair in self.headers)
        )
        return next((value for key, value in pairs if key.lower() == wanted), "")


@dataclass
class ReplyOutcome:
    """What a posted reply did."""

    inbound_id: int
    matched_by: str
    person_id: int | None
    activity_id: int | None
    enrollment_ids: list[int] = field(default_factory=list)
    stopped: int = 0
    duplicate: bool = False


def inbound_secret(secret_key: str) -> str:
    """The secret that signs posts to the inbound endpoint (derived from the installation's
    key, so there is nothing more to keep)."""
    info = b"twofold: inbound email"
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info)
    return key.derive(secret_key.encode()).hex()


def is_authentic(
    secret_key: str, *, signature: str | None, authorization: str | None, body: bytes, now: float
) -> bool:
    """An ``X-Twofold-Signature`` over the body (``t=<unix>, v1=<hex HMAC-SHA256>``, the
    outgoing webhooks' scheme), or ``Authorization: Bearer <the secret>`` for services that
    can only add a fixed header."""
    secret = inbound_secret(secret_key)
    if signature:
        return verify_signature(secret.encode(), signature, body, now=now)
    scheme, _, given = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), secret)


def record_reply(
    session: Session, data: InboundEmailIn, *, now: datetime | None = None
) -> ReplyOutcome:
    """Match, record and stop (see the module docstring); NotFound when nothing matches."""
    at = now or utcnow()
    address = normalise_email(parseaddr(data.sender)[1] or data.sender, field="from")
    key = _dedupe_key(data, address)
    seen = session.scalar(select(InboundEmail).where(InboundEmail.dedupe_key == key))
    if seen is not None:
        return _outcome_of(seen)
    matched_by, enrollments = _match(session, data, address)
    if not enrollments:
        raise NotFound("no sequence enrollment matches this email (thread or sender)")
    stopped = sum(
        stop(session, actor=None, enrollment=enrollment, reason="replied", now=at)
        for enrollment in enrollments
    )
    first = enrollments[0]
    activity_id = _log_reply(session, data, first, at)
    inbound = InboundEmail(
        dedupe_key=key,
        from_address=address,
        subject=data.subject,
        matched_by=matched_by,
        person_id=first.person_id,
        enrollment_id=first.id,
        activity_id=activity_id,
        stopped=stopped,
        received_at=at,
    )
    session.add(inbound)
    session.flush()
    return ReplyOutcome(
        inbound_id=inbound.id,
        matched_by=matched_by,
        person_id=first.person_id,
        activity_id=activity_id,
        enrollment_ids=[enrollment.id for enrollment in enrollments],
        stopped=stopped,
    )


def _match(
    session: Session, data: InboundEmailIn, address: str
) -> tuple[str, list[SequenceEnrollment]]:
    quoted = f"{data.header('In-Reply-To')} {data.header('References')}"
    references = [
        local.lower()
        for local in _MESSAGE_ID.findall(quoted)[-MAX_REFERENCES:]
        if _REFERENCE.match(local.lower())
    ]
    if references:
        ids = session.scalars(
            select(SequenceStepVisit.enrollment_id)
            .where(SequenceStepVisit.message_ref.in_(references))
            .distinct()
        ).all()
        if ids:
            return "thread", _locked(
                session, select(SequenceEnrollment.id).where(SequenceEnrollment.id.in_(ids))
            )
    people = select(Person.id).where(Person.primary_email == address)
    current = select(SequenceEnrollment.id).where(
        SequenceEnrollment.person_id.in_(people), SequenceEnrollment.status.in_(CURRENT)
    )
    return "sender", _locked(session, current)


def _locked(session: Session, ids: object) -> list[SequenceEnrollment]:
    # Locked: the worker may be executing a step of the same enrollment (PostgreSQL).
    query = (
        select(SequenceEnrollment)
        .where(SequenceEnrollment.id.in_(ids))  # type: ignore[arg-type]
        .order_by(SequenceEnrollment.id)
        .with_for_update()
    )
    return list(session.scalars(query))


def _log_reply(
    session: Session, data: InboundEmailIn, enrollment: SequenceEnrollment, at: datetime
) -> int | None:
    sender = session.get(User, enrollment.sender_id) if enrollment.sender_id else None
    if sender is None:
        return None
    subject = data.subject.strip() or "(no subject)"
    activity = log_activity(
        session,
        actor=sender,
        data=ActivityCreate(
            kind=ActivityKind.EMAIL,
            subject=f"Reply: {subject}"[:500],
            body=(data.text or data.html)[:100_000] or None,
            occurred_at=at,
            outcome="replied",
            owner_id=sender.id,
            person_ids=[enrollment.person_id],
            deal_ids=[enrollment.deal_id] if enrollment.deal_id is not None else [],
        ),
    )
    return activity.id


def _dedupe_key(data: InboundEmailIn, address: str) -> str:
    message_id = data.header("Message-ID").strip()
    basis = message_id or f"{address}\n{data.subject}\n{data.text}"
    return hashlib.sha256(basis.encode()).hexdigest()


def _outcome_of(inbound: InboundEmail) -> ReplyOutcome:
    return ReplyOutcome(
        inbound_id=inbound.id,
        matched_by=inbound.matched_by,
        person_id=inbound.person_id,
        activity_id=inbound.activity_id,
        enrollment_ids=[inbound.enrollment_id] if inbound.enrollment_id else [],
        stopped=inbound.stopped,
        duplicate=True,
    )
