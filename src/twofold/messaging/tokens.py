"""Signed tokens for the links in messages: unsubscribe, opt-in confirmation, open, click.

A token is ``base64url(json payload) + "." + base64url(HMAC-SHA256)``. The key is derived from
the installation's ``secret_key`` per purpose (HKDF), so a click token can never be used as an
unsubscribe token and the other way round. Comparison is constant-time. Tokens carry ids, not
names or addresses, so a forwarded link shows nothing personal.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from datetime import datetime
from enum import StrEnum
from typing import Any

import orjson
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from twofold.core.time import utcnow

MAX_TOKEN_LENGTH = 4096


class TokenPurpose(StrEnum):
    """What a token may be used for; each has its own key."""

    UNSUBSCRIBE = "unsubscribe"
    CONFIRM = "confirm"
    OPEN = "open"
    CLICK = "click"


class BadToken(ValueError):
    """A token that is malformed, forged, for another purpose, or expired."""


def _key(secret_key: str, purpose: TokenPurpose) -> bytes:
    info = f"twofold: messaging {purpose.value} links".encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(
        secret_key.encode()
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(secret_key: str, purpose: TokenPurpose, payload: dict[str, Any]) -> str:
    """A token carrying ``payload`` (JSON-able), signed for ``purpose``."""
    body = _b64(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS))
    mac = hmac.new(_key(secret_key, purpose), body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def verify(
    secret_key: str, purpose: TokenPurpose, token: str, *, now: datetime | None = None
) -> dict[str, Any]:
    """The payload of a genuine token for ``purpose``; BadToken otherwise. A payload with an
    ``exp`` (Unix seconds) is refused after that time."""
    if not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
        raise BadToken("malformed token")
    body, _, mac_text = token.partition(".")
    expected = hmac.new(_key(secret_key, purpose), body.encode(), hashlib.sha256).digest()
    try:
        given = _unb64(mac_text)
        payload = orjson.loads(_unb64(body)) if hmac.compare_digest(expected, given) else None
    except (binascii.Error, ValueError, orjson.JSONDecodeError):
        raise BadToken("malformed token") from None
    if not isinstance(payload, dict):
        raise BadToken("the token's signature does not match")
    expires = payload.get("exp")
    if expires is not None and (now or utcnow()).timestamp() > float(expires):
        raise BadToken("the link has expired")
    return payload
