"""Limits on password guessing: failed logins per email and per client address.

Kept in this process's memory (docs/decisions/0003-auth.md): the embedded mode is one
process, and a restart forgetting the counts only gives an attacker one more window.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

FIFTEEN_MINUTES = 15 * 60.0


@dataclass(frozen=True)
class Limit:
    """At most ``failures`` failed logins within ``window`` seconds."""

    failures: int
    window: float


# Per email: the account under attack. Per address: a higher limit, since an office behind
# one address is many people (and each of their emails has its own limit as well).
PER_EMAIL = Limit(failures=10, window=FIFTEEN_MINUTES)
PER_ADDRESS = Limit(failures=30, window=FIFTEEN_MINUTES)
# Addresses and emails remembered at most (an attacker inventing emails cannot fill memory).
MAX_KEYS = 100_000


class LoginThrottle:
    """Counts failed logins per email and per client address in sliding windows."""

    def __init__(
        self,
        *,
        per_email: Limit = PER_EMAIL,
        per_address: Limit = PER_ADDRESS,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = MAX_KEYS,
    ) -> None:
        self._limits = {"email": per_email, "address": per_address}
        self._clock = clock
        self._max_keys = max_keys
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, *, email: str, address: str) -> int | None:
        """Seconds until a login for ``email`` from ``address`` may be tried again, or ``None``
        when it may be tried now (checked before the password, which is not even looked at)."""
        now = self._clock()
        waits = []
        with self._lock:
            for key in self._keys(email, address):
                failures = self._recent(key, now)
                limit = self._limits[key[0]]
                if failures is not None and len(failures) >= limit.failures:
                    # Allowed again once enough of the oldest failures have left the window.
                    waits.append(failures[len(failures) - limit.failures] + limit.window - now)
        return max(1, math.ceil(max(waits))) if waits else None

    def failed(self, *, email: str, address: str) -> None:
        """Count a wrong password (or unknown email) for both the email and the address."""
        now = self._clock()
        with self._lock:
            if len(self._failures) >= self._max_keys:
                self._forget_expired(now)
            for key in self._keys(email, address):
                if key not in self._failures and len(self._failures) >= self._max_keys:
                    self._failures.pop(next(iter(self._failures)))  # the oldest key
                self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, *, email: str) -> None:
        """A correct password clears the email's failures (not the address's: one working
        account must not let the same address go on guessing other accounts' passwords)."""
        with self._lock:
            self._failures.pop(("email", _normalised(email)), None)

    def _keys(self, email: str, address: str) -> list[tuple[str, str]]:
        return [("email", _normalised(email)), ("address", address)]

    def _recent(self, key: tuple[str, str], now: float) -> deque[float] | None:
        """The key's failures within its window (older ones dropped)."""
        failures = self._failures.get(key)
        if failures is None:
            return None
        window = self._limits[key[0]].window
        while failures and failures[0] <= now - window:
            failures.popleft()
        if not failures:
            del self._failures[key]
            return None
        return failures

    def _forget_expired(self, now: float) -> None:
        for key in list(self._failures):
            self._recent(key, now)


def _normalised(email: str) -> str:
    return email.strip().lower()
