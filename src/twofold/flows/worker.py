"""The flow worker: a thread in the server that enters people from the trigger feeds and
executes due steps, about once a second (decision 0018). It takes the database's write lock
only when there is something to do."""

from __future__ import annotations

import logging
import threading

from twofold.core.time import utcnow
from twofold.events.store import EventStore
from twofold.flows.engine import run_due
from twofold.flows.triggers import collect_entries
from twofold.store.database import Database

log = logging.getLogger(__name__)


class FlowWorker:
    def __init__(self, database: Database, store: EventStore, *, seconds: float = 1.0) -> None:
        self.database = database
        self.store = store
        self.seconds = seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="twofold-flows", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def run_once(self) -> tuple[int, int]:
        """Entries, then due steps; answers ``(entered, steps executed)``."""
        now = utcnow()
        entered = collect_entries(self.database, self.store, now=now)
        return entered, run_due(self.database, self.store, now=now)

    def _run(self) -> None:
        while not self._stop.wait(self.seconds):
            try:
                self.run_once()
            except Exception:  # a bad pass must not stop the worker; retried next second
                log.exception("flow worker pass failed")
