"""Webhook subscriptions: where to post which events. The signing secret is generated here,
shown once, and stored sealed with the installation key (the signature needs the secret
itself, so it cannot be a hash; the same scheme as Shopify secrets, decision 0008)."""

from __future__ import annotations

import base64
import secrets
from typing import Final
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.auth.permissions import ensure_admin
from twofold.core.errors import NotFound, PreconditionFailed, ValidationFailed
from twofold.store.models import User, WebhookSubscription

# flow.webhook: the subscription may be the target of flows' webhook steps (decision 0018).
EVENT_TYPES: Final = (
    "segment.entered",
    "segment.exited",
    "deal.stage_changed",
    "order.created",
    "flow.webhook",
    "form.submitted",
)
SECRET_PREFIX: Final = "whsec_"  # noqa: S105 - a prefix, not a secret
_PURPOSE: Final = b"twofold: outgoing webhook secrets"


def check_url(url: str) -> str:
    """An absolute http(s) URL with a host, without credentials or a fragment."""
    url = url.strip()
    if not url or len(url) > 2000 or not url.isprintable() or " " in url:
        raise ValidationFailed.on("url", "must be an http(s) URL of at most 2000 characters")
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"}:
        raise ValidationFailed.on("url", "must start with https:// (or http://)")
    if not parts.hostname:
        raise ValidationFailed.on("url", "must name a host")
    if parts.username or parts.password:
        raise ValidationFailed.on("url", "must not carry credentials: the signature authenticates")
    if parts.fragment:
        raise ValidationFailed.on("url", "must not have a #fragment")
    try:
        _ = parts.port
    except ValueError:
        raise ValidationFailed.on("url", "has an invalid port") from None
    return url


def check_event_types(event_types: list[str]) -> list[str]:
    """Known event types, de-duplicated, at least one."""
    unknown = sorted(set(event_types) - set(EVENT_TYPES))
    if unknown:
        raise ValidationFailed.on(
            "event_types", f"unknown: {', '.join(unknown)}; choose from {', '.join(EVENT_TYPES)}"
        )
    if not event_types:
        raise ValidationFailed.on("event_types", "choose at least one event type")
    return list(dict.fromkeys(event_types))


def create_subscription(
    session: Session,
    *,
    actor: User,
    url: str,
    event_types: list[str],
    description: str,
    installation_key: str,
) -> tuple[WebhookSubscription, str]:
    """A new subscription and its secret (returned only now)."""
    ensure_admin(actor)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    subscription = WebhookSubscription(
        url=check_url(url),
        event_types=check_event_types(event_types),
        description=description.strip()[:2000],
        secret_sealed=_sealer(installation_key).encrypt(secret.encode()).decode(),
        secret_hint="…" + secret[-4:],
        created_by_id=actor.id,
    )
    session.add(subscription)
    session.flush()
    return subscription, secret


def update_subscription(
    session: Session,
    *,
    actor: User,
    subscription_id: int,
    expected_version: int | None,
    url: str | None = None,
    event_types: list[str] | None = None,
    description: str | None = None,
    active: bool | None = None,
) -> WebhookSubscription:
    """Change where, what, or whether a subscription posts."""
    ensure_admin(actor)
    subscription = get_subscription(session, subscription_id)
    if expected_version is not None and expected_version != subscription.version:
        raise PreconditionFailed(f"webhook {subscription_id} has changed")
    if url is not None:
        subscription.url = check_url(url)
    if event_types is not None:
        subscription.event_types = check_event_types(event_types)
    if description is not None:
        subscription.description = description.strip()[:2000]
    if active is not None:
        subscription.active = active
    session.flush()
    return subscription


def delete_subscription(session: Session, *, actor: User, subscription_id: int) -> None:
    """Remove a subscription and its delivery log."""
    ensure_admin(actor)
    session.delete(get_subscription(session, subscription_id))


def get_subscription(session: Session, subscription_id: int) -> WebhookSubscription:
    """One subscription, or NotFound."""
    subscription = session.get(WebhookSubscription, subscription_id)
    if subscription is None:
        raise NotFound(f"no webhook {subscription_id}")
    return subscription


def list_subscriptions(session: Session, *, actor: User) -> list[WebhookSubscription]:
    """Every subscription (admins only: they show where data goes)."""
    ensure_admin(actor)
    return list(session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id)))


def unseal_secret(subscription: WebhookSubscription, installation_key: str) -> bytes:
    """The signing secret (raises InvalidToken if sealed under another installation key)."""
    return _sealer(installation_key).decrypt(subscription.secret_sealed.encode())


def _sealer(installation_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(
        installation_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))
