"""The demo company's contracts: a history of one-year terms per customer account, built
around its latest won deal, renewed at the tier's rate, which the account value model learns."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

from sqlalchemy import func, select

from twofold.account_value.compute import compute_account_values
from twofold.contracts.renewals import run_renewals
from twofold.demo.contracts import WIN_BACK_GAP_DAYS
from twofold.demo.generator import build_demo_company
from twofold.demo.sizes import DemoSize
from twofold.store.database import Database
from twofold.store.models import Account, Contract, ContractLine, Deal

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def test_contracts_are_terms_around_the_won_deal_and_renew(database: Database) -> None:
    summary = build_demo_company(database, size=DemoSize.parse("small"), seed=7, now=NOW)
    today = NOW.date()
    with database.transaction() as session:
        contracts = list(session.scalars(select(Contract).order_by(Contract.id)))
        assert summary.contracts == len(contracts) > 0
        assert summary.contract_lines == session.scalar(select(func.count(ContractLine.id)))
        by_account: dict[int, list[Contract]] = defaultdict(list)
        for contract in contracts:
            assert contract.account_id is not None
            by_account[contract.account_id].append(contract)
            assert contract.end_date == contract.start_date + timedelta(days=364)
            assert contract.status == ("active" if contract.end_date >= today else "ended")
            lines = session.scalars(
                select(ContractLine.amount).where(ContractLine.contract_id == contract.id)
            )
            assert sum(lines, Decimal(0)) == contract.arr
        assert len(by_account) < len(contracts)  # some accounts have a history
        lifecycles = dict(session.execute(select(Account.id, Account.lifecycle)).tuples().all())
        for account_id, terms in by_account.items():
            won = [c for c in terms if c.won_deal_id is not None]
            if not won:  # a former customer: its last term ended and was not renewed
                assert lifecycles[account_id] == "former_customer"
                assert terms[-1].status == "ended"
                assert terms[-1].end_date < today - timedelta(days=30)
                continue
            assert len(won) == 1  # the account's latest won deal starts one term
            deal = session.get(Deal, won[0].won_deal_id)
            assert deal is not None
            assert deal.closed_at is not None
            assert (won[0].arr, won[0].currency) == (deal.amount, deal.currency)
            assert won[0].start_date == deal.closed_at.date()
            for earlier, later in pairwise(terms):
                gap = (later.start_date - earlier.end_date).days
                # renewed the next day, or lapsed and won back months later
                assert gap == 1 or WIN_BACK_GAP_DAYS[0] <= gap - 1 <= WIN_BACK_GAP_DAYS[1]
                assert later.currency == earlier.currency
            assert sum(c.status == "active" for c in terms) <= 1
        due = [
            c
            for c in contracts
            if c.status == "active" and today <= c.end_date <= today + timedelta(days=90)
        ]
        made = run_renewals(session, actor=None, today=today, default_lead_days=90)
        assert len(made.created) == len(due)


def test_account_value_learns_the_tier_renewal_rates(database: Database) -> None:
    build_demo_company(database, size=DemoSize.parse("default"), seed=7, now=NOW)
    with database.transaction() as session:
        run = compute_account_values(session, today=NOW.date())
    terms, renewed = run.rates.counts[()]
    assert terms >= 100
    assert 0.65 <= renewed / terms <= 0.9  # most renew, a few churn
    by_tier = {values[0]: counts for values, counts in run.rates.counts.items() if len(values) == 1}
    enterprise = by_tier["enterprise"][1] / by_tier["enterprise"][0]
    smb = by_tier["smb"][1] / by_tier["smb"][0]
    assert enterprise > smb
    expanded = [
        event
        for result in run.results
        for event in result.expansion
        if event.get("kind") == "renewal" and event.get("arr_after") != event.get("arr_before")
    ]
    assert expanded  # ARR moves at renewals
    assert any(not result.arr for result in run.results)  # a few accounts churned
