"""The account jobs thread makes renewal deals and the day's health snapshot."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import func, select

from twofold.accounts.actions import create_account
from twofold.accounts.schemas import AccountCreate
from twofold.contracts.actions import create_contract
from twofold.contracts.schemas import ContractCreate
from twofold.core.time import utcnow
from twofold.scheduling.account_jobs import AccountJobs
from twofold.store.database import Database
from twofold.store.models import ContractRenewal, HealthSnapshot, User


def add_due_contract(database: Database, admin: User) -> None:
    today = utcnow().date()
    with database.transaction() as session:
        actor = session.merge(admin)
        account = create_account(session, actor=actor, data=AccountCreate(name="Acme"))
        data = ContractCreate(
            name="Acme",
            account_id=account.id,
            status="active",
            start_date=today - timedelta(days=300),
            end_date=today + timedelta(days=20),
            mrr="10",
        )
        create_contract(session, actor=actor, data=data)


def counts(database: Database) -> tuple[int, int]:
    with database.transaction() as session:
        renewals = session.scalar(select(func.count()).select_from(ContractRenewal)) or 0
        snapshots = session.scalar(select(func.count()).select_from(HealthSnapshot)) or 0
    return renewals, snapshots


def test_a_pass_renews_and_snapshots_once(database: Database, admin: User) -> None:
    add_due_contract(database, admin)
    jobs = AccountJobs(database, store=None, interval_seconds=3600, renewal_lead_days=90)
    jobs.run_once()
    jobs.run_once()
    assert counts(database) == (1, 1)
    # A new process the same day finds today's snapshot and leaves it to the schedule.
    AccountJobs(database, store=None, interval_seconds=3600, renewal_lead_days=90).run_once()
    assert counts(database) == (1, 1)


def test_the_thread_runs_on_its_interval_and_stops(database: Database, admin: User) -> None:
    add_due_contract(database, admin)
    jobs = AccountJobs(database, store=None, interval_seconds=0.05, renewal_lead_days=90)
    jobs.start()
    deadline = time.monotonic() + 10
    while jobs.passes < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    jobs.stop()
    assert jobs.passes >= 3
    assert jobs.last_error is None
    assert counts(database) == (1, 1)
