"""The account jobs thread: renewal deals, the daily account values and health snapshot.

A small daemon thread started by the app's lifespan (not the ingestion loader thread: a
slow recompute must never hold up event loading). Every ``interval`` seconds it makes the
renewal deals that are due; once a day (at the first pass of a new UTC day, and at start
when today has no snapshot yet) it recomputes every account's value (renewal outlooks,
decision 0021) and then its health, which reads them. Both are safe to
repeat: renewals are unique per contract term, and a day's snapshot is replaced.
"""

from __future__ import annotations

import logging
import threading
from datetime import date, datetime

from sqlalchemy import select

from twofold.account_value.compute import compute_account_values, store_account_values
from twofold.contracts.renewals import run_renewals
from twofold.core.time import utcnow
from twofold.events.store import EventStore
from twofold.intelligence.recompute import compute_health, store_health
from twofold.quotes.actions import expire_quotes
from twofold.store.database import Database
from twofold.store.models import HealthSnapshot

log = logging.getLogger(__name__)


class AccountJobs:
    """Runs renewals and the health snapshot on a schedule until stopped."""

    def __init__(
        self,
        database: Database,
        *,
        store: EventStore | None,
        interval_seconds: float,
        renewal_lead_days: int,
    ) -> None:
        self.database = database
        self.store = store
        self.interval_seconds = interval_seconds
        self.renewal_lead_days = renewal_lead_days
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._health_day: date | None = None
        self.passes = 0
        self.last_error: BaseException | None = None

    def start(self) -> None:
        """Start the thread (the first pass runs at once)."""
        self._thread = threading.Thread(target=self._run, name="twofold-account-jobs", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Ask the thread to finish and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def run_once(self) -> None:
        """One pass: renewals and quote expiry, then health when today has no snapshot from
        this process."""
        now = utcnow()
        with self.database.transaction() as session:
            made = run_renewals(
                session, actor=None, today=now.date(), default_lead_days=self.renewal_lead_days
            )
            expire_quotes(session, today=now.date())
        if made.created:
            log.info("made %s renewal deals", len(made.created))
        if self._health_day != now.date():
            self._snapshot_health(now)
            self._health_day = now.date()
        self.passes += 1

    def _snapshot_health(self, now: datetime) -> None:
        """Compute in a read transaction, then write in a short one: on SQLite a write
        transaction holds the one write lock, and computing takes seconds."""
        with self.database.transaction(write=False) as session:
            done_today = session.scalar(
                select(HealthSnapshot.id).where(HealthSnapshot.day == now.date()).limit(1)
            )
            if self._health_day is None and done_today is not None:
                return  # a process that started today already took today's snapshot
            values = compute_account_values(session, today=now.date())
        with self.database.transaction() as session:
            store_account_values(session, values, now=now, everything=True)
        with self.database.transaction(write=False) as session:
            results = compute_health(
                session, store=self.store, now=now, default_lead_days=self.renewal_lead_days
            )
        with self.database.transaction() as session:
            store_health(session, results, now=now, everything=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception as error:  # retried at the next pass; the server goes on
                self.last_error = error
                log.exception("account jobs failed")
            self._stop.wait(self.interval_seconds)
