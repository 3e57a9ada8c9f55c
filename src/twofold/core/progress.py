"""How long operations report progress without knowing who shows it (CLI bar, UI, nothing)."""

from __future__ import annotations

from typing import Protocol


class ProgressReporter(Protocol):
    """Receives the phases of a long operation and the work done in each."""

    def start(self, label: str, total: int) -> None:
        """A new phase with ``total`` units of work begins."""

    def advance(self, amount: int) -> None:
        """``amount`` more units of the current phase are done."""


class SilentProgress:
    """A reporter that shows nothing (tests, library use)."""

    def start(self, label: str, total: int) -> None:
        """Ignore the phase."""

    def advance(self, amount: int) -> None:
        """Ignore the work."""
