"""The contracts page, the ABM board and the account's health panel over real HTTP."""

from __future__ import annotations

from datetime import timedelta

import httpx
from web_support import XSS_NAME, log_in

from support import PASSWORD
from twofold.account_value.compute import recompute_account_values
from twofold.accounts.actions import create_account
from twofold.accounts.schemas import AccountCreate
from twofold.contracts.actions import create_contract
from twofold.contracts.schemas import ContractCreate
from twofold.core.time import utcnow
from twofold.intelligence.recompute import recompute_health
from twofold.store.database import Database
from twofold.store.models import User


def test_contracts_abm_and_health_pages(live_server: str, database: Database, admin: User) -> None:
    today = utcnow().date()
    with database.transaction() as session:
        actor = session.merge(admin)
        acme = create_account(session, actor=actor, data=AccountCreate(name=XSS_NAME)).id
        create_account(session, actor=actor, data=AccountCreate(name="Coldish"))
        for name, start, end in (
            ("Fresh", today - timedelta(days=3), today + timedelta(days=360)),
            ("Unplanned", today - timedelta(days=300), today + timedelta(days=20)),
            ("Forgotten", today - timedelta(days=400), today - timedelta(days=5)),
        ):
            data = ContractCreate(
                name=name,
                account_id=acme,
                status="active",
                start_date=start,
                end_date=end,
                mrr="100",
            )
            create_contract(session, actor=actor, data=data)
        recompute_account_values(session, actor=None, now=utcnow())
        recompute_health(session, actor=None, store=None, now=utcnow(), default_lead_days=90)
    with httpx.Client(base_url=live_server, timeout=30) as client:
        assert log_in(client, admin.email, PASSWORD).status_code == 303
        page = client.get("/contracts")
        assert page.status_code == 200
        html = page.text
        assert "ends in 20 days: no renewal deal, no auto-renew" in html
        assert f"ended on {today - timedelta(days=5)} but is still active" in html
        assert "Fresh" in html
        assert XSS_NAME not in html  # escaped
        board = client.get("/abm")
        assert board.status_code == 200
        assert "Customers" in board.text
        assert "Coldish" in board.text
        assert client.get("/abm", params={"owner_id": "x" * 30}).status_code == 422
        panel = client.get(f"/accounts/{acme}/intelligence", headers={"HX-Request": "true"})
        assert panel.status_code == 200
        assert "<html" not in panel.text
        assert "Contract Unplanned ends in 20 days with no renewal deal" in panel.text
        assert "Forgotten" in panel.text
        # Account value: "Fresh" started within the grace days of both other terms' ends.
        assert "Account value" in panel.text
        assert "Already renewed as Fresh" in panel.text
        assert "1 of 1 past terms renewed" in panel.text
        assert "Ends in 360 days with no renewal deal yet" in panel.text
        account_page = client.get(f"/accounts/{acme}")
        assert f'hx-get="/accounts/{acme}/intelligence"' in account_page.text
        assert client.get("/accounts/999999/intelligence").status_code == 404
