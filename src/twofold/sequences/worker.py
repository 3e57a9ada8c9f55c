"""The sequence job: a thread of the messaging worker (``twofold-sequences``) that sweeps
booked meetings and executes due steps about once a second; state lives in the records
database, so a restart goes on where the last process stopped."""

from __future__ import annotations

from dataclasses import dataclass

from twofold.sequences.engine import run_due
from twofold.store.database import Database


@dataclass
class SequenceJob:
    """Sequences as a messaging worker job."""

    database: Database

    def recover(self) -> int:
        """Nothing to recover: an interrupted step left no visit and simply runs again."""
        return 0

    def run_once(self) -> int:
        """Execute what is due now."""
        return run_due(self.database)
