"""``X-Twofold-Signature: t=<unix seconds>, v1=<hex HMAC-SHA256>``.

The MAC is computed with the subscription's secret over ``"<t>." + raw body``. A receiver
recomputes it over the body bytes exactly as received, compares in constant time, and
refuses a ``t`` further than five minutes from its own clock, so a captured delivery cannot
be replayed later. :func:`verify_signature` is that check (receivers in Python may copy it).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Final

TOLERANCE_SECONDS: Final = 300
HEADER: Final = "X-Twofold-Signature"


def sign_body(secret: bytes, body: bytes, timestamp: int) -> str:
    """The signature header value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp}, v1={mac}"


def verify_signature(
    secret: bytes,
    header: str | None,
    body: bytes,
    *,
    now: float,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:
    """Whether ``header`` signs ``body`` with ``secret``, recently enough."""
    if not header:
        return False
    parts = dict(item.strip().partition("=")[::2] for item in header.split(","))
    timestamp, given = parts.get("t", ""), parts.get("v1", "")
    if not timestamp.isdigit() or abs(now - int(timestamp)) > tolerance:
        return False
    expected = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, given)
