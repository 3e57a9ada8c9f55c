"""Consent per person and channel: the current state, an append-only history, double opt-in
for email, and :func:`may_send`, the one question every sender asks before a message goes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.auth.permissions import ensure_can_edit_person
from twofold.core.errors import Conflict, ValidationFailed
from twofold.core.time import utcnow
from twofold.messaging.channels import Channel, ConsentStatus, Purpose, SuppressionReason
from twofold.messaging.suppressions import (
    ErasedCheck,
    lift_unsubscribe,
    normalise_address,
    suppress,
    suppression_for,
)
from twofold.store.models import ConsentChange, ConsentState, Person, User

MAX_SOURCE_LENGTH: Final = 100
OPT_IN_LINK_DAYS: Final = 7


@dataclass(frozen=True)
class Decision:
    """Whether a message may go, why (a stable code), and to which address."""

    allowed: bool
    reason: str
    address: str | None = None


@dataclass(frozen=True)
class ChannelConsent:
    """The current consent on one channel (``never_subscribed`` when nothing was recorded)."""

    channel: Channel
    status: ConsentStatus
    source: str | None
    changed_at: datetime | None


def address_of(person: Person, channel: Channel) -> str | None:
    """Where a message on ``channel`` goes: the primary email, the first phone, or the push
    token kept in the ``push_token`` trait."""
    if channel is Channel.EMAIL:
        return person.primary_email or (person.emails[0] if person.emails else None)
    if channel is Channel.SMS:
        return person.phones[0] if person.phones else None
    token = person.traits.get("push_token")
    return token.strip() if isinstance(token, str) and token.strip() else None


def consent_of(session: Session, person_id: int) -> dict[Channel, ChannelConsent]:
    """The person's consent on every channel."""
    states = {
        state.channel: state
        for state in session.scalars(
            select(ConsentState).where(ConsentState.person_id == person_id)
        )
    }
    result: dict[Channel, ChannelConsent] = {}
    for channel in Channel:
        state = states.get(channel.value)
        result[channel] = (
            ChannelConsent(channel, ConsentStatus(state.status), state.source, state.changed_at)
            if state
            else ChannelConsent(channel, ConsentStatus.NEVER_SUBSCRIBED, None, None)
        )
    return result


def consent_history(session: Session, person_id: int, *, limit: int = 200) -> list[ConsentChange]:
    """The person's consent changes, newest first."""
    return list(
        session.scalars(
            select(ConsentChange)
            .where(ConsentChange.person_id == person_id)
            .order_by(ConsentChange.id.desc())
            .limit(limit)
        )
    )


def check_source(source: str) -> str:
    """Where a consent came from (``signup form``, ``checkout``, ``import 2027-01``...)."""
    source = source.strip()
    if not 1 <= len(source) <= MAX_SOURCE_LENGTH or not source.isprintable():
        raise ValidationFailed.on(
            "source", f"say where the consent came from (1-{MAX_SOURCE_LENGTH} characters)"
        )
    return source


def set_consent(
    session: Session,
    *,
    actor: User | None,
    person: Person,
    channel: Channel,
    status: ConsentStatus,
    source: str,
    note: str = "",
) -> ChannelConsent:
    """Record a consent change (a no-op when the status is already ``status``).

    ``pending`` is not set directly: :func:`request_email_opt_in` sets it with a link to confirm.
    ``actor`` None is the person themselves (unsubscribe and confirmation links).
    """
    if actor is not None:
        ensure_can_edit_person(actor, person.owner_id)
    if status is ConsentStatus.PENDING:
        raise ValidationFailed.on("status", "pending is set by a double opt-in request")
    if len(note) > 2000:
        raise ValidationFailed.on("note", "may be at most 2000 characters")
    source = check_source(source)
    _record(session, person, channel, status, source, actor=actor, note=note)
    address = address_of(person, channel)
    if address is not None and status is ConsentStatus.UNSUBSCRIBED:
        suppress(
            session,
            channel=channel,
            address=address,
            reason=SuppressionReason.UNSUBSCRIBE,
            note=f"person {person.id}: {source}",
        )
    return consent_of(session, person.id)[channel]


def request_email_opt_in(
    session: Session, *, actor: User | None, person: Person, source: str
) -> ChannelConsent:
    """Email consent becomes ``pending`` until the person follows the confirmation link (the
    caller queues the confirmation message). Already subscribed: nothing changes."""
    if actor is not None:
        ensure_can_edit_person(actor, person.owner_id)
    source = check_source(source)
    if address_of(person, Channel.EMAIL) is None:
        raise ValidationFailed.on("email", "the person has no email address to confirm")
    current = consent_of(session, person.id)[Channel.EMAIL]
    if current.status is not ConsentStatus.SUBSCRIBED:
        _record(session, person, Channel.EMAIL, ConsentStatus.PENDING, source, actor=actor)
    return consent_of(session, person.id)[Channel.EMAIL]


def opt_in_token_payload(person: Person, *, now: datetime | None = None) -> dict[str, object]:
    """What the confirmation link of a double opt-in carries (valid for a week)."""
    expires = (now or utcnow()) + timedelta(days=OPT_IN_LINK_DAYS)
    return {"p": person.id, "a": address_of(person, Channel.EMAIL), "exp": int(expires.timestamp())}


def confirm_email_opt_in(
    session: Session, *, person: Person, address: str | None
) -> ChannelConsent:
    """The person confirmed: ``pending`` becomes ``subscribed``; confirming twice is harmless.

    A link for an address the person no longer has, or a consent that is no longer pending
    (they unsubscribed since), is refused.
    """
    current = consent_of(session, person.id)[Channel.EMAIL]
    if current.status is ConsentStatus.SUBSCRIBED:
        return current
    if (
        current.status is not ConsentStatus.PENDING
        or address is None
        or address != address_of(person, Channel.EMAIL)
    ):
        raise Conflict("this confirmation link is no longer valid")
    _record(session, person, Channel.EMAIL, ConsentStatus.SUBSCRIBED, "double opt-in confirmed")
    lift_unsubscribe(session, Channel.EMAIL, address)
    return consent_of(session, person.id)[Channel.EMAIL]


def _record(
    session: Session,
    person: Person,
    channel: Channel,
    status: ConsentStatus,
    source: str,
    *,
    actor: User | None = None,
    note: str = "",
) -> None:
    state = session.get(ConsentState, (person.id, channel.value))
    if state is not None and state.status == status.value:
        return
    now = utcnow()
    if state is None:
        session.add(
            ConsentState(
                person_id=person.id,
                channel=channel.value,
                status=status.value,
                source=source,
                changed_at=now,
            )
        )
    else:
        state.status, state.source, state.changed_at = status.value, source, now
    session.add(
        ConsentChange(
            person_id=person.id,
            channel=channel.value,
            status=status.value,
            source=source,
            actor_id=actor.id if actor else None,
            note=note,
            changed_at=now,
        )
    )
    session.flush()


def may_send(  # noqa: PLR0911 - one answer per rule, in the documented order
    session: Session,
    person: Person,
    channel: Channel,
    purpose: Purpose,
    *,
    erased: ErasedCheck | None = None,
) -> Decision:
    """Whether a message may go to the person now, and where.

    In order: an address; not an erased person's identifier (GDPR); not a hard bounce (never,
    whatever the purpose); for marketing, not suppressed for any reason and consent
    ``subscribed`` (``pending`` is not consent). Transactional messages ignore marketing
    consent. Personal (1:1 sales) email is refused by any suppression and by an
    ``unsubscribed`` consent, and needs no opt-in otherwise (decision 0023).
    """
    raw = address_of(person, channel)
    if raw is None:
        return Decision(allowed=False, reason="no_address")
    try:
        address = normalise_address(channel, raw)
    except ValidationFailed:
        return Decision(allowed=False, reason="invalid_address")
    if erased is not None and erased(channel, address):
        return Decision(allowed=False, reason="erased", address=address)
    entry = suppression_for(session, channel, address)
    if entry is not None and (
        entry.reason == SuppressionReason.HARD_BOUNCE or purpose is not Purpose.TRANSACTIONAL
    ):
        return Decision(allowed=False, reason=f"suppressed:{entry.reason}", address=address)
    if purpose is Purpose.TRANSACTIONAL:
        return Decision(allowed=True, reason="transactional", address=address)
    status = consent_of(session, person.id)[channel].status
    if purpose is Purpose.PERSONAL:
        if status is ConsentStatus.UNSUBSCRIBED:
            return Decision(allowed=False, reason="no_consent:unsubscribed", address=address)
        return Decision(allowed=True, reason="personal", address=address)
    if status is not ConsentStatus.SUBSCRIBED:
        return Decision(allowed=False, reason=f"no_consent:{status.value}", address=address)
    return Decision(allowed=True, reason="subscribed", address=address)
