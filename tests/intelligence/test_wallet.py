"""Share of wallet and whitespace against values worked out by hand, on both databases."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from twofold.accounts.actions import create_account, get_account
from twofold.accounts.schemas import AccountCreate
from twofold.contracts.actions import create_contract
from twofold.contracts.schemas import ContractCreate
from twofold.core.errors import PermissionDenied, ValidationFailed
from twofold.core.time import utcnow
from twofold.deals.actions import create_deal
from twofold.deals.schemas import DealCreate
from twofold.forecasting.rates import add_exchange_rate
from twofold.forecasting.schemas import ExchangeRateCreate
from twofold.intelligence.wallet import clear_potential, set_potential, share_of_wallet, whitespace
from twofold.pipelines.actions import default_pipeline, pipeline_stages
from twofold.store.database import Database
from twofold.store.models import User

TODAY = utcnow().date()


def test_share_of_wallet_and_whitespace(database: Database, admin: User) -> None:
    """Group (Software) > Sub (Software), Sub2; Peer (Software) elsewhere; Other (Retail).

    Sub: contract EUR 1000 ARR (EUR = 1.10 USD) with "Analytics"; a won deal USD 500 this
    year; a won deal USD 700 that won its contract (counted in ARR, not again); 100
    employees x 1000 USD = 100000 potential. Our revenue 1100 + 500 = 1600: 1.60 %.
    Whitespace of Sub: Reporting (Group, Sub2 and Peer: 2 in the hierarchy, 3 in Software),
    API (Peer: 0, 1); not Analytics (it has it), not Retail-only Kiosk.
    """
    with database.transaction() as session:
        actor = session.merge(admin)
        add_exchange_rate(
            session,
            actor=actor,
            base_currency="USD",
            data=ExchangeRateCreate(
                currency="EUR", rate="1.10", valid_from=TODAY - timedelta(days=30)
            ),
        )

        def account(name: str, industry: str, parent: int | None = None, **more: object) -> int:
            data = AccountCreate(name=name, industry=industry, parent_id=parent, **more)
            return create_account(session, actor=actor, data=data).id

        group = account("Group", "Software")
        sub = account("Sub", "Software", group, employees=100)
        sub2 = account("Sub2", "Retail", group)
        peer = account("Peer", "Software")
        other = account("Other", "Retail")
        won_stage = next(
            s for s in pipeline_stages(session, default_pipeline(session).id) if s.kind == "won"
        )

        def won(account_id: int, amount: str) -> int:
            data = DealCreate(
                name=f"won {amount}",
                account_id=account_id,
                amount=amount,
                currency="USD",
                stage_id=won_stage.id,
                expected_close_date=TODAY,
            )
            return create_deal(session, actor=actor, data=data).id

        won(sub, "500")
        winning = won(sub, "700")

        def contract(account_id: int, currency: str, *products: str, **more: object) -> None:
            data = ContractCreate(
                name="c",
                account_id=account_id,
                status="active",
                start_date=TODAY - timedelta(days=10),
                end_date=TODAY + timedelta(days=300),
                arr="1000",
                currency=currency,
                lines=[{"description": p, "amount": "10"} for p in products],
                **more,
            )
            create_contract(session, actor=actor, data=data)

        contract(sub, "EUR", "Analytics", won_deal_id=winning)
        contract(group, "USD", "Reporting", "analytics")
        contract(sub2, "USD", "REPORTING ")
        contract(peer, "USD", "Reporting", "API")
        contract(other, "USD", "Kiosk")
        wallet = share_of_wallet(
            session, account=get_account(session, sub), base_currency="USD", today=TODAY
        )
        assert (wallet.arr, wallet.won_revenue, wallet.our_revenue) == (
            Decimal("1100.00"),
            Decimal("500.00"),
            Decimal("1600.00"),
        )
        assert (wallet.potential, wallet.potential_source) == (Decimal("100000.00"), "employees")
        assert wallet.share_percent == Decimal("1.60")
        items = whitespace(session, account=get_account(session, sub))
        assert [(i.product, i.hierarchy_accounts, i.industry_accounts) for i in items] == [
            ("reporting", 2, 2),
            ("api", 0, 1),
        ]
        set_potential(
            session, actor=actor, account=get_account(session, sub), amount="4000", currency="eur"
        )
        wallet = share_of_wallet(
            session, account=get_account(session, sub), base_currency="USD", today=TODAY
        )
        assert (wallet.potential, wallet.potential_source) == (Decimal("4400.00"), "estimate")
        assert wallet.share_percent == Decimal("36.36")  # 1600 / 4400
        for amount, currency in (("-1", "EUR"), ("1", "EURO"), ("1.234", "EUR")):
            with pytest.raises(ValidationFailed):
                set_potential(
                    session,
                    actor=actor,
                    account=get_account(session, sub),
                    amount=amount,
                    currency=currency,
                )
        clear_potential(session, actor=actor, account=get_account(session, sub))
        assert (
            share_of_wallet(
                session, account=get_account(session, other), base_currency="USD", today=TODAY
            ).share_percent
            is None
        )  # no employees, no estimate
        rep = User(email="r@example.com", name="R", role="rep", password_hash="x", id=10**6)
        with pytest.raises(PermissionDenied):
            set_potential(
                session, actor=rep, account=get_account(session, sub), amount="1", currency="USD"
            )
