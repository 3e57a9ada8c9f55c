"""The durable outbox: every message is a row that goes queued → sending → sent, or failed
(after retries with exponential backoff), blocked (no consent, suppressed) or dropped (over a
cap, when the sender chose to drop rather than delay).

Enqueueing is exactly-once per ``idempotency_key`` (a unique column; enqueueing the same key
again answers the existing row). Delivery is at-least-once: a message is committed as
``sending`` with a lease before it is handed to SMTP or a provider; if the process dies after
the hand-over but before ``sent`` is committed, the lease runs out and the message is sent
again, with the same Message-ID / Idempotency-Key so that receivers can tell (decision 0017).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import orjson
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from twofold.core.errors import NotFound, ValidationFailed
from twofold.core.time import utcnow
from twofold.messaging.channels import Channel, OnLimit, Purpose
from twofold.messaging.suppressions import ensure_can_manage_audience
from twofold.messaging.templates import get_template
from twofold.persons.actions import get_person
from twofold.store.listing import Page, PageRequest, paginate
from twofold.store.models import OutboxMessage, User

LEASE: Final = timedelta(minutes=5)
MAX_VARIABLES_BYTES: Final = 16_000
BUILTIN_OPT_IN: Final = "opt_in_confirmation"  # ``variables.builtin``: no template needed
# A message that carries its own sources (``subject``, ``text``), sender (``from``,
# ``reply_to``) and extra template ``context``: a rep's personal email (decision 0023).
BUILTIN_INLINE: Final = "inline"
BUILTINS: Final = frozenset({BUILTIN_OPT_IN, BUILTIN_INLINE})


@dataclass(frozen=True)
class Backoff:
    """Retry n waits ``base * 2**(n-1)`` (at most ``ceiling``); after ``attempts`` it fails."""

    base: timedelta = timedelta(seconds=30)
    ceiling: timedelta = timedelta(hours=1)
    attempts: int = 6

    def delay(self, attempt: int) -> timedelta:
        """How long to wait after the ``attempt``-th failed attempt."""
        delay: timedelta = self.base * (2 ** max(attempt - 1, 0))
        return min(delay, self.ceiling)


def enqueue(
    session: Session,
    *,
    actor: User | None,
    person_id: int,
    channel: Channel,
    purpose: Purpose,
    template_id: int | None,
    variables: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
    on_limit: OnLimit = OnLimit.DELAY,
    not_before: datetime | None = None,
) -> tuple[OutboxMessage, bool]:
    """Queue a message (``actor`` None: the system, e.g. a flow). Returns the row and whether
    it is new: a key seen before answers the first message, whatever else was asked."""
    ensure_can_manage_audience(actor)
    key = (idempotency_key or f"msg-{uuid.uuid4()}").strip()
    if not 1 <= len(key) <= 200 or not key.isprintable():
        raise ValidationFailed.on("idempotency_key", "must be 1-200 printable characters")
    existing = session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == key))
    if existing is not None:
        return existing, False
    get_person(session, person_id)
    variables = variables or {}
    if len(orjson.dumps(variables)) > MAX_VARIABLES_BYTES:
        raise ValidationFailed.on(
            "variables", f"may be at most {MAX_VARIABLES_BYTES} bytes of JSON"
        )
    if template_id is None and variables.get("builtin") not in BUILTINS:
        raise ValidationFailed.on("template_id", "a message needs a template")
    if template_id is not None and get_template(session, template_id).channel != channel.value:
        raise ValidationFailed.on("template_id", f"the template is not for {channel.value}")
    message = OutboxMessage(
        idempotency_key=key,
        person_id=person_id,
        channel=channel.value,
        purpose=purpose.value,
        template_id=template_id,
        variables=variables,
        on_limit=on_limit.value,
        not_before=not_before or utcnow(),
        created_by_id=actor.id if actor else None,
    )
    session.add(message)
    session.flush()
    return message, True


def is_inline(message: OutboxMessage) -> bool:
    """Whether the message carries its own sources and sender (no template)."""
    return message.template_id is None and message.variables.get("builtin") == BUILTIN_INLINE


def get_message(session: Session, message_id: int) -> OutboxMessage:
    """One outbox message, or NotFound."""
    message = session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound(f"no message {message_id}")
    return message


def list_messages(
    session: Session,
    *,
    actor: User,
    person_id: int | None,
    status: str | None,
    page: PageRequest,
) -> Page[OutboxMessage]:
    """Messages, newest first, optionally of one person or in one status."""
    ensure_can_manage_audience(actor)
    query = select(OutboxMessage)
    if person_id is not None:
        query = query.where(OutboxMessage.person_id == person_id)
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    return paginate(
        session,
        query,
        page=page,
        sortable={"id": OutboxMessage.id},
        default_sort="-id",
        id_column=OutboxMessage.id,
    )


def due_messages(session: Session, *, now: datetime, limit: int) -> list[OutboxMessage]:
    """Queued messages whose time has come, oldest first, locked against other workers
    (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite has one writer anyway)."""
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == "queued", OutboxMessage.not_before <= now)
        .order_by(OutboxMessage.not_before, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(query))


def has_due(session: Session, *, now: datetime) -> bool:
    """Whether any queued message is due (a cheap read before a write transaction)."""
    return (
        session.scalar(
            select(OutboxMessage.id)
            .where(OutboxMessage.status == "queued", OutboxMessage.not_before <= now)
            .limit(1)
        )
        is not None
    )


def has_expired_leases(session: Session, *, now: datetime) -> bool:
    """Whether a send was interrupted (its lease ran out)."""
    return (
        session.scalar(
            select(OutboxMessage.id)
            .where(OutboxMessage.status == "sending", OutboxMessage.lease_until < now)
            .limit(1)
        )
        is not None
    )


def claim(message: OutboxMessage, *, now: datetime) -> None:
    """Mark the message as being sent, under a lease (see the module docstring)."""
    message.status = "sending"
    message.attempts += 1
    message.lease_until = now + LEASE


def requeue_expired(session: Session, *, now: datetime) -> int:
    """Messages whose sender died mid-send go back to the queue (at-least-once)."""
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "sending", OutboxMessage.lease_until < now)
        .values(status="queued", not_before=now, lease_until=None)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def mark_sent(message: OutboxMessage, *, now: datetime, provider_id: str | None) -> None:
    """Handed over: the provider or SMTP server accepted it."""
    message.status, message.sent_at, message.lease_until = "sent", now, None
    message.provider_id = provider_id
    message.reason = ""


def mark_failed(
    message: OutboxMessage, *, now: datetime, error: str, permanent: bool, backoff: Backoff
) -> None:
    """A failed attempt: retried later with backoff, or failed for good."""
    message.lease_until = None
    message.reason = error[:2000]
    if permanent or message.attempts >= backoff.attempts:
        message.status = "failed"
        return
    message.status = "queued"
    message.not_before = now + backoff.delay(message.attempts)


def mark_held(message: OutboxMessage, *, status: str, reason: str, until: datetime | None) -> None:
    """Not sent now: ``blocked`` or ``dropped`` for good, or back to ``queued`` until a time."""
    message.status, message.reason, message.lease_until = status, reason, None
    if until is not None:
        message.not_before = until
