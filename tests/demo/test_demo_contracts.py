"""The demo company's contracts: one per account that won a deal, from that deal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from twofold.contracts.renewals import run_renewals
from twofold.demo.generator import build_demo_company
from twofold.demo.sizes import DemoSize
from twofold.store.database import Database
from twofold.store.models import Contract, ContractLine, Deal

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def test_contracts_come_from_won_deals_and_renew(database: Database) -> None:
    summary = build_demo_company(database, size=DemoSize.parse("small"), seed=7, now=NOW)
    with database.transaction() as session:
        contracts = list(session.scalars(select(Contract).order_by(Contract.id)))
        assert summary.contracts == len(contracts) > 0
        assert summary.contract_lines == session.scalar(select(func.count(ContractLine.id)))
        accounts = [contract.account_id for contract in contracts]
        assert len(accounts) == len(set(accounts))  # one per account
        for contract in contracts:
            deal = session.get(Deal, contract.won_deal_id)
            assert deal is not None
            assert deal.closed_at is not None
            assert (contract.arr, contract.currency) == (deal.amount, deal.currency)
            assert contract.start_date == deal.closed_at.date()
            assert contract.end_date == contract.start_date + timedelta(days=364)
            assert contract.status == ("active" if contract.end_date >= NOW.date() else "ended")
            lines = session.scalars(
                select(ContractLine.amount).where(ContractLine.contract_id == contract.id)
            )
            assert sum(lines, Decimal(0)) == contract.arr
        due = [
            c
            for c in contracts
            if c.status == "active" and NOW.date() <= c.end_date <= NOW.date() + timedelta(days=90)
        ]
        made = run_renewals(session, actor=None, today=NOW.date(), default_lead_days=90)
        assert len(made.created) == len(due)
