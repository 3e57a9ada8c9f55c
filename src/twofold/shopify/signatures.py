"""Shopify's webhook signature: base64 of the HMAC-SHA256 of the raw body, keyed with the
app's (or the shop's notification) secret, sent in ``X-Shopify-Hmac-Sha256``."""

from __future__ import annotations

import base64
import hashlib
import hmac


def signature_of(body: bytes, secret: bytes) -> str:
    """The signature Shopify sends for ``body``."""
    return base64.b64encode(hmac.new(secret, body, hashlib.sha256).digest()).decode()


def signature_matches(body: bytes, secret: bytes, sent: str | None) -> bool:
    """Whether ``sent`` is the body's signature (constant-time; a missing one never is)."""
    if not sent:
        return False
    return hmac.compare_digest(signature_of(body, secret).encode(), sent.strip().encode())
