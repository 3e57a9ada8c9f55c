"""``twofold contracts renewals`` and ``twofold accounts health`` as real subprocesses."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from cli_support import run_cli

from twofold.accounts.actions import create_account
from twofold.accounts.schemas import AccountCreate
from twofold.contracts.actions import create_contract
from twofold.contracts.schemas import ContractCreate
from twofold.core.time import utcnow
from twofold.store.database import Database
from twofold.store.models import User


def test_renewals_print_what_they_made_once(
    database: Database, database_url: str, admin: User, tmp_path: Path
) -> None:
    today = utcnow().date()
    with database.transaction() as session:
        actor = session.merge(admin)
        account = create_account(session, actor=actor, data=AccountCreate(name="Acme"))
        data = ContractCreate(
            name="Acme yearly",
            account_id=account.id,
            status="active",
            start_date=today - timedelta(days=300),
            end_date=today + timedelta(days=50),
            mrr="100",
            currency="EUR",
        )
        create_contract(session, actor=actor, data=data)
    first = run_cli(tmp_path, database_url, "contracts", "renewals", "--lead-days", "60")
    assert first.returncode == 0, first.stderr
    assert "Renewal: Acme yearly" in first.stdout
    assert "1200.00 EUR" in first.stdout
    assert "1 renewal deals created" in first.stdout
    again = run_cli(tmp_path, database_url, "contracts", "renewals")
    assert again.returncode == 0
    assert "No renewal deals were due." in again.stdout
    bad = run_cli(tmp_path, database_url, "contracts", "renewals", "--lead-days", "-3")
    assert bad.returncode != 0
    health = run_cli(tmp_path, database_url, "accounts", "health")
    assert health.returncode == 0, health.stderr
    assert "Health recomputed for 1 accounts" in health.stdout


def test_account_value_prints_the_rates(
    database: Database, database_url: str, admin: User, tmp_path: Path
) -> None:
    today = utcnow().date()
    empty = run_cli(tmp_path, database_url, "accounts", "value")
    assert empty.returncode == 0, empty.stderr
    assert "No contract term has ended yet." in empty.stdout
    with database.transaction() as session:
        actor = session.merge(admin)
        account = create_account(session, actor=actor, data=AccountCreate(name="Acme"))
        data = ContractCreate(
            name="Acme lapsed",
            account_id=account.id,
            status="ended",
            start_date=today - timedelta(days=500),
            end_date=today - timedelta(days=135),
            mrr="100",
            currency="EUR",
        )
        create_contract(session, actor=actor, data=data)
    done = run_cli(tmp_path, database_url, "accounts", "value")
    assert done.returncode == 0, done.stderr
    # 0 of 1 renewed: (0 + 1) / (1 + 2) overall.
    assert "all contracts" in done.stdout
    assert "33.3%" in done.stdout
    assert "Account value recomputed for 1 accounts, 0 contracts" in done.stdout
