"""Flood limits on the public form endpoint: attempts per form and client address, and per
form, in sliding one-hour windows.

Kept in this process's memory, like the login throttle (decision 0003): a flood is refused
before it reaches the database, and a restart forgetting the counts only opens one more
window. With several server processes each counts its own share (decision 0020).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Final

WINDOW_SECONDS: Final = 3600.0
MAX_KEYS: Final = 100_000  # addresses remembered at most: inventing addresses cannot fill memory


class SubmissionLimiter:
    """Counts submission attempts per (form, address) and per form."""

    def __init__(
        self,
        *,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = MAX_KEYS,
    ) -> None:
        self._window = window
        self._clock = clock
        self._max_keys = max_keys
        self._attempts: dict[tuple[int, str], deque[float]] = {}
        self._lock = threading.Lock()

    def admit(self, *, form_id: int, address: str, per_address: int, per_form: int) -> int | None:
        """Count an attempt and answer ``None``, or the seconds to wait when a limit is reached
        (a refused attempt is not counted: waiting is enough to be let in again)."""
        now = self._clock()
        keys = ((form_id, address), (form_id, ""))
        with self._lock:
            waits = [
                self._wait(key, limit, now)
                for key, limit in zip(keys, (per_address, per_form), strict=True)
            ]
            refused = [wait for wait in waits if wait is not None]
            if refused:
                return max(1, math.ceil(max(refused)))
            if len(self._attempts) >= self._max_keys:
                self._forget_expired(now)
            for key in keys:
                if key not in self._attempts and len(self._attempts) >= self._max_keys:
                    self._attempts.pop(next(iter(self._attempts)))  # the oldest key
                self._attempts.setdefault(key, deque()).append(now)
        return None

    def _wait(self, key: tuple[int, str], limit: int, now: float) -> float | None:
        attempts = self._recent(key, now)
        if len(attempts) < limit:
            return None
        # Allowed again once enough of the oldest attempts have left the window.
        return attempts[len(attempts) - limit] + self._window - now

    def _recent(self, key: tuple[int, str], now: float) -> deque[float]:
        attempts = self._attempts.get(key, deque())
        while attempts and attempts[0] <= now - self._window:
            attempts.popleft()
        if not attempts:
            self._attempts.pop(key, None)
        return attempts

    def _forget_expired(self, now: float) -> None:
        for key in list(self._attempts):
            self._recent(key, now)
