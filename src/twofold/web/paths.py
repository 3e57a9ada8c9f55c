"""Which redirect targets are safe: only paths on this site (no open redirects)."""

from __future__ import annotations

from urllib.parse import urlsplit


def is_local_path(target: str) -> bool:
    """A path on this site (``/accounts/3``), never ``//evil.example`` or ``https://...``."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
