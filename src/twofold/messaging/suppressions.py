"""The suppression list: addresses and numbers that must not be messaged, whoever they
belong to now (a hard bounce, a complaint, an unsubscribe, or a manual entry)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.auth.permissions import AUDIENCE_ROLES
from twofold.core.errors import NotFound, PermissionDenied, ValidationFailed
from twofold.core.time import utcnow
from twofold.messaging.channels import Channel, SuppressionReason
from twofold.persons.contact_points import normalise_emails, normalise_phones
from twofold.store.listing import Page, PageRequest, paginate
from twofold.store.models import Suppression, User

# A stronger reason replaces a weaker one on the same address (never the other way round).
STRENGTH = {
    SuppressionReason.MANUAL: 0,
    SuppressionReason.UNSUBSCRIBE: 1,
    SuppressionReason.COMPLAINT: 2,
    SuppressionReason.HARD_BOUNCE: 3,
}

# Identifiers of erased persons (GDPR): a callable answering "was this address erased?".
ErasedCheck = Callable[[Channel, str], bool]


def ensure_can_manage_audience(actor: User | None) -> None:
    """Consent-wide lists and templates: admins and marketers (``None`` is the system)."""
    if actor is not None and actor.role not in AUDIENCE_ROLES:
        raise PermissionDenied("only admins and marketers can do this")


def normalise_address(channel: Channel, address: str, *, field: str = "address") -> str:
    """An email lower-cased and validated, a phone number in E.164, a push token trimmed."""
    if channel is Channel.EMAIL:
        return normalise_emails([address], field=field)[0]
    if channel is Channel.SMS:
        return normalise_phones([address], field=field)[0]
    token = address.strip()
    if not 1 <= len(token) <= 320 or not token.isprintable():
        raise ValidationFailed.on(field, "a push token is 1-320 printable characters")
    return token


def suppress(
    session: Session,
    *,
    channel: Channel,
    address: str,
    reason: SuppressionReason,
    actor: User | None = None,
    note: str = "",
) -> Suppression:
    """Add the address to the list (idempotent; a stronger reason replaces a weaker one)."""
    ensure_can_manage_audience(actor)
    address = normalise_address(channel, address)
    if len(note) > 2000:
        raise ValidationFailed.on("note", "may be at most 2000 characters")
    existing = suppression_for(session, channel, address)
    if existing is not None:
        if STRENGTH[reason] > STRENGTH[SuppressionReason(existing.reason)]:
            existing.reason = reason.value
            existing.note = note or existing.note
            existing.created_at = utcnow()
        return existing
    entry = Suppression(
        channel=channel.value,
        address=address,
        reason=reason.value,
        note=note,
        created_by_id=actor.id if actor else None,
    )
    session.add(entry)
    session.flush()
    return entry


def suppression_for(session: Session, channel: Channel, address: str) -> Suppression | None:
    """The entry for an (already normalised) address, if any."""
    return session.scalar(
        select(Suppression).where(
            Suppression.channel == channel.value, Suppression.address == address
        )
    )


def lift_unsubscribe(session: Session, channel: Channel, address: str) -> None:
    """A confirmed new opt-in lifts an earlier unsubscribe of the same address (bounces and
    complaints stay)."""
    entry = suppression_for(session, channel, address)
    if entry is not None and entry.reason == SuppressionReason.UNSUBSCRIBE:
        session.delete(entry)


def remove_suppression(session: Session, *, actor: User, suppression_id: int) -> None:
    """Take an address off the list (a mistaken manual entry, a mailbox that exists again)."""
    ensure_can_manage_audience(actor)
    entry = session.get(Suppression, suppression_id)
    if entry is None:
        raise NotFound(f"no suppression {suppression_id}")
    session.delete(entry)


def list_suppressions(
    session: Session, *, actor: User, channel: Channel | None, page: PageRequest
) -> Page[Suppression]:
    """The list, newest first, optionally for one channel."""
    ensure_can_manage_audience(actor)
    query = select(Suppression)
    if channel is not None:
        query = query.where(Suppression.channel == channel.value)
    return paginate(
        session,
        query,
        page=page,
        sortable={"id": Suppression.id},
        default_sort="-id",
        id_column=Suppression.id,
    )
