"""Renewal deals: when they are made, once per term, also when two runs race."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from twofold.accounts.actions import create_account
from twofold.accounts.schemas import AccountCreate
from twofold.contracts.actions import create_contract, get_contract, update_contract
from twofold.contracts.renewals import RenewalRun, contracts_due, run_renewals
from twofold.contracts.schemas import ContractCreate, ContractUpdate
from twofold.deals.actions import delete_deal, get_deal
from twofold.pipelines.actions import default_pipeline, pipeline_stages
from twofold.store.database import Database
from twofold.store.models import ContractRenewal, Deal, User

TODAY = date(2027, 1, 1)


def add_contract(database: Database, admin: User, *, ends_in: int, **fields: Any) -> int:
    with database.transaction() as session:
        actor = session.merge(admin)
        account = create_account(session, actor=actor, data=AccountCreate(name="Acme"))
        data = ContractCreate(
            name=fields.pop("name", f"Ends in {ends_in}"),
            account_id=account.id,
            status=fields.pop("status", "active"),
            start_date=TODAY - timedelta(days=300),
            end_date=TODAY + timedelta(days=ends_in),
            arr="1200",
            currency="EUR",
            **fields,
        )
        return create_contract(session, actor=actor, data=data).id


def run(database: Database, today: date = TODAY, lead: int = 90) -> RenewalRun:
    with database.transaction() as session:
        return run_renewals(session, actor=None, today=today, default_lead_days=lead)


def deal_count(database: Database) -> int:
    with database.transaction() as session:
        return session.scalar(select(func.count()).select_from(Deal)) or 0


def test_due_contracts_follow_the_lead_days(database: Database, admin: User) -> None:
    on_the_day = add_contract(database, admin, ends_in=90, name="day 90")
    add_contract(database, admin, ends_in=91, name="day 91")
    override = add_contract(database, admin, ends_in=150, renewal_lead_days=150, name="override")
    add_contract(database, admin, ends_in=10, renewal_lead_days=5, name="short lead")
    add_contract(database, admin, ends_in=30, status="draft", name="draft")
    add_contract(database, admin, ends_in=30, status="cancelled", name="cancelled")
    add_contract(database, admin, ends_in=-1, name="already over")
    ends_today = add_contract(database, admin, ends_in=0, name="ends today")
    with database.transaction() as session:
        due = contracts_due(session, today=TODAY, default_lead_days=90)
        assert [contract.id for contract in due] == [ends_today, on_the_day, override]
    made = run(database)
    assert [item.contract_id for item in made.created] == [ends_today, on_the_day, override]
    with database.transaction() as session:
        deal = get_deal(session, made.created[1].deal_id)
        first_stage = pipeline_stages(session, default_pipeline(session).id)[0]
        assert (deal.stage_id, deal.amount, deal.currency) == (first_stage.id, 1200, "EUR")
        assert deal.expected_close_date == TODAY + timedelta(days=90)
    assert run(database).created == []
    assert deal_count(database) == 3


def test_a_deleted_renewal_deal_is_not_made_again_but_a_new_term_is(
    database: Database, admin: User
) -> None:
    contract_id = add_contract(database, admin, ends_in=30)
    first = run(database).created[0]
    with database.transaction() as session:
        actor = session.merge(admin)
        delete_deal(session, actor=actor, deal=get_deal(session, first.deal_id))
    assert run(database).created == []
    with database.transaction() as session:
        contract = get_contract(session, contract_id)
        renewal = session.scalar(select(ContractRenewal))
        assert renewal is not None
        assert renewal.deal_id is None
        extended = ContractUpdate(end_date=TODAY + timedelta(days=395))
        update_contract(session, actor=session.merge(admin), contract=contract, data=extended)
    assert run(database, today=TODAY + timedelta(days=310)).created[
        0
    ].term_end == TODAY + timedelta(days=395)


def test_a_stage_gate_is_reported_not_raised(database: Database, admin: User) -> None:
    add_contract(database, admin, ends_in=30)
    with database.transaction() as session:
        stage = pipeline_stages(session, default_pipeline(session).id)[0]
        stage.entry_criteria = ["stakeholders"]
    result = run(database)
    assert result.created == []
    assert "cannot enter" in result.skipped[0][1]
    assert deal_count(database) == 0
    with database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(ContractRenewal)) == 0


@pytest.mark.parametrize("runs", [4])
def test_concurrent_runs_make_one_deal_per_term(database: Database, admin: User, runs: int) -> None:
    for days in (10, 20, 30):
        add_contract(database, admin, ends_in=days)
    start = threading.Barrier(runs)
    results: list[RenewalRun] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            results.append(run(database))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(len(result.created) for result in results) == 3
    assert deal_count(database) == 3
