"""Per-source Shopify webhook secrets, sealed with the installation key (decision 0008).

Verifying an HMAC needs the secret itself, so it cannot be stored as a hash like a write key.
It is stored encrypted (Fernet: AES-128-CBC + HMAC-SHA256) under a key derived from the
installation's ``secret_key``, which lives outside the event store; the API never returns it,
only a hint of its last characters.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.orm import Session

from twofold.auth.permissions import ensure_admin
from twofold.core.errors import NotFound, ValidationFailed
from twofold.core.time import as_utc, utcnow
from twofold.events.store import EventStore
from twofold.ingest.sources import get_source
from twofold.store.models import User

log = logging.getLogger(__name__)

SHOPIFY: Final = "shopify"
_PURPOSE: Final = b"twofold: shopify webhook secrets"


@dataclass(frozen=True)
class SecretInfo:
    """What may be shown about a stored secret."""

    source_id: int
    hint: str
    set_at: datetime


def set_webhook_secret(
    session: Session,
    store: EventStore,
    *,
    actor: User,
    source_id: int,
    secret: str,
    installation_key: str,
) -> SecretInfo:
    """Store (or replace) the secret Shopify signs this source's webhooks with."""
    ensure_admin(actor)
    source = get_source(session, source_id)
    if source.kind != SHOPIFY:
        raise ValidationFailed.on("source_id", "webhook secrets are for sources of kind shopify")
    secret = secret.strip()
    if not 8 <= len(secret) <= 512 or not secret.isprintable() or " " in secret:
        raise ValidationFailed.on("secret", "must be 8-512 printable characters without spaces")
    sealed = _sealer(installation_key).encrypt(secret.encode()).decode()
    info = SecretInfo(source_id=source_id, hint="…" + secret[-4:], set_at=utcnow())
    with store.writer() as writer:
        writer.execute(
            "INSERT OR REPLACE INTO source_secrets VALUES (?, ?, ?, ?)",
            [source_id, sealed, info.hint, info.set_at.replace(tzinfo=None)],
        )
    return info


def remove_webhook_secret(store: EventStore, *, actor: User, source_id: int) -> None:
    """Forget the secret: the source's webhooks are refused from now on."""
    ensure_admin(actor)
    with store.writer() as writer:
        writer.execute("DELETE FROM source_secrets WHERE source_id = ?", [source_id])


def secret_info(store: EventStore, source_id: int) -> SecretInfo:
    """The hint and time of a source's secret, or NotFound."""
    with store.reader() as reader:
        row = reader.execute(
            "SELECT hint, set_at FROM source_secrets WHERE source_id = ?", [source_id]
        ).fetchone()
    if row is None:
        raise NotFound(f"source {source_id} has no webhook secret")
    return SecretInfo(source_id=source_id, hint=str(row[0]), set_at=as_utc(row[1]))


def webhook_secret(store: EventStore, source_id: int, installation_key: str) -> bytes | None:
    """The secret to verify a source's webhooks with; None when there is none (or it was
    sealed under another installation key)."""
    with store.reader() as reader:
        row = reader.execute(
            "SELECT sealed FROM source_secrets WHERE source_id = ?", [source_id]
        ).fetchone()
    if row is None:
        return None
    try:
        return _sealer(installation_key).decrypt(str(row[0]).encode())
    except InvalidToken:
        log.warning("the webhook secret of source %s cannot be unsealed; set it again", source_id)
        return None


def _sealer(installation_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(
        installation_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))
