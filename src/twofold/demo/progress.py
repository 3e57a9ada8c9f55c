"""Progress per phase, reported in batches so that reporting costs nothing measurable."""

from __future__ import annotations

from twofold.core.progress import ProgressReporter
from twofold.demo.bulk import BulkWriter

REPORT_EVERY = 1_000


class PhaseTicker:
    """Counts records of one phase; every ``REPORT_EVERY`` it reports and lets the writer flush."""

    def __init__(
        self, progress: ProgressReporter, writer: BulkWriter, label: str, total: int
    ) -> None:
        self._progress = progress
        self._writer = writer
        self._pending = 0
        progress.start(label, total)

    def tick(self, amount: int = 1) -> None:
        """``amount`` more records of this phase are buffered."""
        self._pending += amount
        if self._pending >= REPORT_EVERY:
            self._writer.flush_if_full()
            self._progress.advance(self._pending)
            self._pending = 0

    def done(self) -> None:
        """Report the rest of the phase."""
        if self._pending:
            self._progress.advance(self._pending)
            self._pending = 0
