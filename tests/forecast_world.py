"""A small sales team with deals in three currencies around 2027-Q1, built through the domain
functions; the forecast tests compare against totals worked out by hand (see each deal).

Team tree:  head ─┬─ mgr ─┬─ rep_a
                  │       └─ rep_b
                  └─ rep_c
            outsider (no manager), plus the admin who created everything.

Rates into USD: EUR 1.10 from 2026-12-01 and 1.20 from 2027-02-01; GBP 1.25 from 2027-01-01;
no JPY rate at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from support import PASSWORD
from twofold.accounts.actions import create_account
from twofold.accounts.schemas import AccountCreate
from twofold.auth.users import create_user
from twofold.deals.actions import create_deal, move_deal_to_stage
from twofold.deals.schemas import DealCreate
from twofold.forecasting.quotas import set_quota
from twofold.forecasting.rates import add_exchange_rate
from twofold.forecasting.schemas import ExchangeRateCreate, QuotaSet
from twofold.forecasting.teams import set_manager
from twofold.pipelines.actions import default_pipeline, pipeline_stages
from twofold.store.models import User

BASE = "USD"


@dataclass
class ForecastWorld:
    """Ids of the users (and a few deals) the tests look at."""

    admin_id: int
    head_id: int
    mgr_id: int
    rep_a_id: int
    rep_b_id: int
    rep_c_id: int
    outsider_id: int
    viewer_id: int
    emails: dict[str, str]


def build_forecast_world(session: Session, admin: User) -> ForecastWorld:
    """Users in a tree, exchange rates, quotas and deals (hand-computed totals in the tests)."""
    users = _team(session, admin)
    _rates(session, admin)
    _quotas(session, admin, users)
    _deals(session, admin, users)
    return ForecastWorld(
        admin_id=admin.id,
        head_id=users["head"].id,
        mgr_id=users["mgr"].id,
        rep_a_id=users["rep_a"].id,
        rep_b_id=users["rep_b"].id,
        rep_c_id=users["rep_c"].id,
        outsider_id=users["outsider"].id,
        viewer_id=users["viewer"].id,
        emails={key: user.email for key, user in users.items()},
    )


def _team(session: Session, admin: User) -> dict[str, User]:
    roles = {
        "head": ("Hana Head", "manager"),
        "mgr": ("Milo Manager", "manager"),
        "rep_a": ("Ava Rep", "rep"),
        "rep_b": ("Ben Rep", "rep"),
        "rep_c": ("Cleo Rep", "rep"),
        "outsider": ("Otto Outsider", "rep"),
        "viewer": ("Vera Viewer", "viewer"),
    }
    users = {
        key: create_user(
            session, email=f"{key}@example.com", name=name, password=PASSWORD, role=role
        )
        for key, (name, role) in roles.items()
    }
    for key, manager in (("mgr", "head"), ("rep_a", "mgr"), ("rep_b", "mgr"), ("rep_c", "head")):
        set_manager(session, actor=admin, user=users[key], manager_id=users[manager].id)
    return users


def _rates(session: Session, admin: User) -> None:
    for currency, rate, valid_from in (
        ("EUR", "1.10", date(2026, 12, 1)),
        ("EUR", "1.20", date(2027, 2, 1)),
        ("GBP", "1.25", date(2027, 1, 1)),
    ):
        data = ExchangeRateCreate(currency=currency, rate=rate, valid_from=valid_from)
        add_exchange_rate(session, actor=admin, base_currency=BASE, data=data)


def _quotas(session: Session, admin: User, users: dict[str, User]) -> None:
    for key, period, amount, currency in (
        ("rep_a", "2027-Q1", "40000", "USD"),  # explicit: the months below do not count
        ("rep_a", "2027-01", "10000", "USD"),
        ("rep_b", "2027-01", "10000", "EUR"),  # at 1.10 on 2027-01-01: 11,000
        ("rep_b", "2027-02", "5000", "USD"),  # Q1 = 11,000 + 5,000 = 16,000
        ("rep_c", "2027-Q1", "8000", "GBP"),  # at 1.25: 10,000
        ("outsider", "2027-Q1", "500000", "JPY"),  # no JPY rate: unconverted
    ):
        data = QuotaSet(user_id=users[key].id, period=period, amount=amount, currency=currency)
        set_quota(session, actor=admin, base_currency=BASE, data=data)


def _deals(session: Session, admin: User, users: dict[str, User]) -> None:
    pipeline_id = default_pipeline(session).id
    stages = {stage.name: stage.id for stage in pipeline_stages(session, pipeline_id)}
    account_id = create_account(session, actor=admin, data=AccountCreate(name="Acme")).id

    def deal(name: str, owner: str | None, stage: str, **fields: Any) -> None:
        values = {
            "name": name,
            "account_id": account_id,
            "owner_id": users[owner].id if owner else None,
            "stage_id": stages["Discovery" if stage in {"Closed won", "Closed lost"} else stage],
            **fields,
        }
        created = create_deal(session, actor=admin, data=DealCreate.model_validate(values))
        if stage in {"Closed won", "Closed lost"}:
            reason = "Went elsewhere" if stage == "Closed lost" else None
            move_deal_to_stage(
                session, actor=admin, deal=created, stage_id=stages[stage], lost_reason=reason
            )

    # rep_a: closed 20,000; commit 2,500; best case 10,000; pipeline 11,500; omitted 3,000;
    # weighted 4,000 + 1,100 + 1,200 + 2,250 = 8,550; 6 deals counted.
    deal(
        "A1",
        "rep_a",
        "Solution demo",
        amount="10000",
        currency="USD",
        expected_close_date="2027-01-15",
    )  # best case, 40%: weighted 4,000
    deal(
        "A2", "rep_a", "Discovery", amount="5000", currency="EUR", expected_close_date="2027-01-20"
    )  # 1.10: pipeline 5,500, weighted 1,100
    deal(
        "A3", "rep_a", "Discovery", amount="5000", currency="EUR", expected_close_date="2027-02-10"
    )  # 1.20: pipeline 6,000, weighted 1,200
    deal(
        "A4",
        "rep_a",
        "Closed won",
        amount="20000",
        currency="USD",
        expected_close_date="2027-02-28",
    )  # closed 20,000
    deal(
        "A5",
        "rep_a",
        "Closed lost",
        amount="7000",
        currency="USD",
        expected_close_date="2027-03-01",
    )  # lost: nowhere
    deal(
        "A6",
        "rep_a",
        "Qualification",
        amount="3000",
        currency="USD",
        expected_close_date="2027-03-10",
        forecast_category="omitted",
    )  # omitted 3,000
    deal(
        "A7", "rep_a", "Discovery", amount="50000", currency="USD", expected_close_date="2027-04-01"
    )  # next quarter
    deal(
        "A8",
        "rep_a",
        "Discovery",
        amount="2000",
        currency="GBP",
        expected_close_date="2027-03-15",
        forecast_category="commit",
        probability=90,
    )  # 1.25: commit 2,500, weighted 2,250
    # rep_b: commit 4,000; best case 1,000.50; weighted 800 + 550.275 = 1,350.28 (rounded);
    # JPY 1,000,000 unconverted; 2 deals counted.
    deal(
        "B1",
        "rep_b",
        "Discovery",
        amount="1000000",
        currency="JPY",
        expected_close_date="2027-02-01",
    )
    deal(
        "B2",
        "rep_b",
        "Solution demo",
        amount="1000.50",
        currency="USD",
        expected_close_date="2027-03-31",
        probability=55,
    )  # weighted 550.275
    deal(
        "B3",
        "rep_b",
        "Discovery",
        amount="4000",
        currency="USD",
        expected_close_date="2027-01-05",
        forecast_category="closed",
    )  # open: commit; 800
    # rep_c: closed 1,200 (EUR 1,000 at 1.20).
    deal(
        "C1", "rep_c", "Closed won", amount="1000", currency="EUR", expected_close_date="2027-03-05"
    )
    # mgr's own deal: pipeline 2,500, weighted 250.
    deal(
        "M1",
        "mgr",
        "Qualification",
        amount="2500",
        currency="USD",
        expected_close_date="2027-01-31",
    )
    # outsider: pipeline 9,999, weighted 1,999.80.
    deal(
        "O1",
        "outsider",
        "Discovery",
        amount="9999",
        currency="USD",
        expected_close_date="2027-02-02",
    )
    # Nobody's: pipeline 100, weighted 10.
    deal(
        "U1", None, "Qualification", amount="100", currency="USD", expected_close_date="2027-03-20"
    )
