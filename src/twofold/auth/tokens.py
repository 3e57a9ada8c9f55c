"""Random bearer secrets (API keys, session tokens) and their stored digests.

The secrets are 256-bit random values, so a single SHA-256 is enough to store them safely:
there is nothing to brute-force, unlike a password (see docs/decisions/0003-auth.md).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

API_KEY_PREFIX = "tf_"


def new_secret(prefix: str = "") -> str:
    """A fresh URL-safe random secret."""
    return prefix + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """The hex SHA-256 stored in place of a secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def same_secret(left: str, right: str) -> bool:
    """Constant-time comparison."""
    return hmac.compare_digest(left.encode(), right.encode())
