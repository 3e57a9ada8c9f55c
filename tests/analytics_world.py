"""A small company for the pipeline-analytics tests: deals closed in 2027-Q1 (and one in
2026-Q4) with hand-set stage history, open deals in an untidy state, quotas and rates.

Every deal is built through the domain functions; only the times are set afterwards (the
domain stamps "now"), so that cycles, stays and idle days can be worked out by hand. The
expected numbers are in the tests, with their arithmetic.

Team:      mgr ─┬─ rep_a          outsider (no manager)
                └─ rep_b
Accounts:  Acme    (Software, EMEA, 120 employees → 51-200)
           Globex  (Retail, NA, 5,000 → 1001-5000)
           Initech (no industry, APAC, employees unknown)
Rates into USD: EUR 1.10 from 2026-12-01, 1.20 from 2027-02-01; GBP 1.25 from 2027-01-01,
1.30 from 2027-03-15 (mid-month); no JPY rate.
Quotas 2027-Q1: rep_a 30,000 USD; rep_b 10,000 EUR for January (11,000) + 5,000 USD for
February = 16,000; outsider 1,000,000 JPY (no rate).

Closed in 2027-Q1 (default pipeline; Q = Qualification, D = Discovery, S = Solution demo):
  W1 rep_a  Acme     10,000 USD  inbound   Q 01-01 → D 01-11 → S 01-21 → won 02-10  (40 days)
  W2 rep_b  Globex    5,000 EUR  outbound  Q 12-01 → D 12-21 → won 03-01  (90 days; 6,000)
  W3 rep_a  Initech   8,000 GBP  inbound   Q 02-01 → won 03-20  (47 days; at 1.30: 10,400)
  L1 rep_a  Acme      4,000 USD  inbound   Q 01-05 → D 01-15 → lost 01-25 "Price"
  L2 rep_b  Globex    2,000 USD  outbound  Q 01-10 → lost 01-20 "Price"
  L3 rep_b  Acme      3,000 USD  inbound   Q 01-02 → D 01-12 → S 01-22 → lost 02-01 "No budget"
  L4 outsider Initech 1,000 USD  (none)    Q 02-01 → lost 02-11 "Price"
  Each won deal's expected close date is its close day.
Closed in 2026-Q4:
  X1 rep_a  Acme     50,000 USD  Q 2026-11-01 → won 2026-12-15 (default pipeline)
  R1 rep_b  Globex    9,000 USD  lost 2026-11-20 "Churned" (the Renewals pipeline)
Open (as of 2027-03-31 12:00 UTC for the hygiene tests):
  O1 rep_a   Acme     20,000 USD  D since 01-20, close 03-31, next step, activity 03-20
  O2 rep_b   Globex   10,000 EUR  S since 02-20, close 02-15, no next step (S now requires one)
  O3 rep_a   Acme      5,000 USD  Q since 03-25, close 04-15, next step
  O4 rep_b   Initech   7,000 USD  Q since 01-10, close 01-20, omitted, no next step,
                                   activity 01-15
  O5 outsider Acme   100,000 JPY  Q since 03-30, close 02-20, next step
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from support import PASSWORD
from twofold.accounts.actions import create_account
from twofold.accounts.schemas import AccountCreate
from twofold.activities.actions import log_activity
from twofold.activities.schemas import ActivityCreate
from twofold.auth.users import create_user
from twofold.deals.actions import create_deal, move_deal_to_stage
from twofold.deals.schemas import DealCreate
from twofold.forecasting.quotas import set_quota
from twofold.forecasting.rates import add_exchange_rate
from twofold.forecasting.schemas import ExchangeRateCreate, QuotaSet
from twofold.forecasting.teams import set_manager
from twofold.pipelines.actions import (
    create_pipeline,
    default_pipeline,
    pipeline_stages,
    update_stage,
)
from twofold.pipelines.schemas import PipelineCreate, StageCreate, StageUpdate
from twofold.store.models import Deal, DealStageVisit, Stage, User

BASE = "USD"
HYGIENE_NOW = datetime(2027, 3, 31, 12, tzinfo=UTC)


@dataclass
class AnalyticsWorld:
    """Ids the tests look at."""

    admin_id: int
    users: dict[str, int]
    emails: dict[str, str]
    pipeline_id: int
    renewals_id: int
    stages: dict[str, int]
    deals: dict[str, int] = field(default_factory=dict)


def at(text: str) -> datetime:
    """``2027-01-05`` (midnight) or ``2027-01-05T10:00`` as an aware UTC moment."""
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC)


def build_analytics_world(session: Session, admin: User) -> AnalyticsWorld:
    """Users, rates, quotas, accounts and the deals listed in the module docstring."""
    users = _team(session, admin)
    _rates_and_quotas(session, admin, users)
    pipeline_id = default_pipeline(session).id
    stages = {stage.name: stage.id for stage in pipeline_stages(session, pipeline_id)}
    renewals = create_pipeline(
        session,
        actor=admin,
        data=PipelineCreate(
            name="Renewals",
            stages=[
                StageCreate(name="Upcoming", probability=50, kind="open"),
                StageCreate(name="Renewed", probability=100, kind="won"),
                StageCreate(name="Churned", probability=0, kind="lost"),
            ],
        ),
    )
    world = AnalyticsWorld(
        admin_id=admin.id,
        users={key: user.id for key, user in users.items()},
        emails={key: user.email for key, user in users.items()},
        pipeline_id=pipeline_id,
        renewals_id=renewals.id,
        stages=stages,
    )
    builder = _DealBuilder(session, admin, world, _accounts(session, admin))
    builder.closed_deals()
    builder.open_deals()
    # Solution demo now also requires a next step: O2, already in it, lacks one.
    demo = session.get(Stage, stages["Solution demo"])
    assert demo is not None
    criteria = [*demo.entry_criteria, "next_step"]
    update_stage(session, actor=admin, stage=demo, data=StageUpdate(entry_criteria=criteria))
    return world


def _team(session: Session, admin: User) -> dict[str, User]:
    roles = {
        "mgr": ("Mia Manager", "manager"),
        "rep_a": ("Ann Rep", "rep"),
        "rep_b": ("Bob Rep", "rep"),
        "outsider": ("Oscar Outsider", "rep"),
    }
    users = {
        key: create_user(
            session, email=f"{key}@example.com", name=name, password=PASSWORD, role=role
        )
        for key, (name, role) in roles.items()
    }
    for key in ("rep_a", "rep_b"):
        set_manager(session, actor=admin, user=users[key], manager_id=users["mgr"].id)
    return users


def _rates_and_quotas(session: Session, admin: User, users: dict[str, User]) -> None:
    for currency, rate, valid_from in (
        ("EUR", "1.10", date(2026, 12, 1)),
        ("EUR", "1.20", date(2027, 2, 1)),
        ("GBP", "1.25", date(2027, 1, 1)),
        ("GBP", "1.30", date(2027, 3, 15)),
    ):
        data = ExchangeRateCreate(currency=currency, rate=rate, valid_from=valid_from)
        add_exchange_rate(session, actor=admin, base_currency=BASE, data=data)
    for key, period, amount, currency in (
        ("rep_a", "2027-Q1", "30000", "USD"),
        ("rep_b", "2027-01", "10000", "EUR"),
        ("rep_b", "2027-02", "5000", "USD"),
        ("outsider", "2027-Q1", "1000000", "JPY"),
    ):
        data = QuotaSet(user_id=users[key].id, period=period, amount=amount, currency=currency)
        set_quota(session, actor=admin, base_currency=BASE, data=data)


def _accounts(session: Session, admin: User) -> dict[str, int]:
    made = {}
    for name, industry, region, employees in (
        ("Acme", "Software", "EMEA", 120),
        ("Globex", "Retail", "NA", 5000),
        ("Initech", None, "APAC", None),
    ):
        data = AccountCreate(name=name, industry=industry, region=region, employees=employees)
        made[name] = create_account(session, actor=admin, data=data).id
    return made


class _DealBuilder:
    """Creates a deal in its first stage, moves it along its path, then sets the times."""

    def __init__(
        self, session: Session, admin: User, world: AnalyticsWorld, accounts: dict[str, int]
    ) -> None:
        self.session, self.admin, self.world, self.accounts = session, admin, world, accounts

    def deal(
        self,
        name: str,
        owner: str,
        account: str,
        path: list[tuple[str, str]],
        **fields: Any,
    ) -> Deal:
        """``path``: (stage name, entered on) from the first stage to the current one."""
        stages = self.world.stages
        lost_reason = fields.pop("lost_reason", None)
        values = {
            "name": name,
            "account_id": self.accounts[account],
            "owner_id": self.world.users[owner],
            "stage_id": stages[path[0][0]],
            **fields,
        }
        deal = create_deal(self.session, actor=self.admin, data=DealCreate.model_validate(values))
        for stage, _entered in path[1:]:
            reason = lost_reason if stage == "Closed lost" else None
            move_deal_to_stage(
                self.session,
                actor=self.admin,
                deal=deal,
                stage_id=stages[stage],
                lost_reason=reason,
            )
        self.set_times(deal, [at(entered) for _stage, entered in path])
        self.world.deals[name] = deal.id
        return deal

    def set_times(self, deal: Deal, moments: list[datetime]) -> None:
        """Stays from ``moments`` (oldest first); created at the first, closed at the last."""
        session = self.session
        visits = session.scalars(
            select(DealStageVisit.id)
            .where(DealStageVisit.deal_id == deal.id)
            .order_by(DealStageVisit.id)
        ).all()
        assert len(visits) == len(moments), (deal.name, len(visits))
        for index, visit_id in enumerate(visits):
            left = moments[index + 1] if index + 1 < len(moments) else None
            session.execute(
                update(DealStageVisit)
                .where(DealStageVisit.id == visit_id)
                .values(entered_at=moments[index], left_at=left)
            )
        deal.created_at = moments[0]
        deal.stage_entered_at = moments[-1]
        if deal.closed_at is not None:
            deal.closed_at = moments[-1]
        session.flush()

    def closed_deals(self) -> None:
        """W1-W3, L1-L4 (2027-Q1), X1 and R1 (2026-Q4)."""
        deal = self.deal
        deal("W1", "rep_a", "Acme",
             [("Qualification", "2027-01-01"), ("Discovery", "2027-01-11"),
              ("Solution demo", "2027-01-21"), ("Closed won", "2027-02-10")],
             amount="10000", currency="USD", source="inbound",
             expected_close_date="2027-02-10")  # fmt: skip
        deal("W2", "rep_b", "Globex",
             [("Qualification", "2026-12-01"), ("Discovery", "2026-12-21"),
              ("Closed won", "2027-03-01")],
             amount="5000", currency="EUR", source="outbound",
             expected_close_date="2027-03-01")  # fmt: skip
        deal("W3", "rep_a", "Initech",
             [("Qualification", "2027-02-01"), ("Closed won", "2027-03-20")],
             amount="8000", currency="GBP", source="inbound",
             expected_close_date="2027-03-20")  # fmt: skip
        deal("L1", "rep_a", "Acme",
             [("Qualification", "2027-01-05"), ("Discovery", "2027-01-15"),
              ("Closed lost", "2027-01-25")],
             amount="4000", currency="USD", source="inbound", lost_reason="Price")  # fmt: skip
        deal("L2", "rep_b", "Globex",
             [("Qualification", "2027-01-10"), ("Closed lost", "2027-01-20")],
             amount="2000", currency="USD", source="outbound", lost_reason="Price")  # fmt: skip
        deal("L3", "rep_b", "Acme",
             [("Qualification", "2027-01-02"), ("Discovery", "2027-01-12"),
              ("Solution demo", "2027-01-22"), ("Closed lost", "2027-02-01")],
             amount="3000", currency="USD", source="inbound",
             expected_close_date="2027-02-28", lost_reason="No budget")  # fmt: skip
        deal("L4", "outsider", "Initech",
             [("Qualification", "2027-02-01"), ("Closed lost", "2027-02-11")],
             amount="1000", currency="USD", lost_reason="Price")  # fmt: skip
        deal("X1", "rep_a", "Acme",
             [("Qualification", "2026-11-01"), ("Closed won", "2026-12-15")],
             amount="50000", currency="USD", expected_close_date="2026-12-15")  # fmt: skip
        self._renewal_lost()

    def _renewal_lost(self) -> None:
        session, world = self.session, self.world
        stages = {stage.name: stage.id for stage in pipeline_stages(session, world.renewals_id)}
        values = {
            "name": "R1",
            "account_id": self.accounts["Globex"],
            "owner_id": world.users["rep_b"],
            "pipeline_id": world.renewals_id,
            "amount": "9000",
            "currency": "USD",
        }
        deal = create_deal(session, actor=self.admin, data=DealCreate.model_validate(values))
        move_deal_to_stage(
            session, actor=self.admin, deal=deal, stage_id=stages["Churned"], lost_reason="Churned"
        )
        self.set_times(deal, [at("2026-10-01"), at("2026-11-20")])
        world.deals["R1"] = deal.id

    def open_deals(self) -> None:
        """O1-O5 and their activities."""
        deal = self.deal
        o1 = deal("O1", "rep_a", "Acme",
                  [("Qualification", "2027-01-05"), ("Discovery", "2027-01-20")],
                  amount="20000", currency="USD", expected_close_date="2027-03-31",
                  next_step="Call the CFO")  # fmt: skip
        deal("O2", "rep_b", "Globex",
             [("Qualification", "2027-02-01"), ("Discovery", "2027-02-10"),
              ("Solution demo", "2027-02-20")],
             amount="10000", currency="EUR", expected_close_date="2027-02-15")  # fmt: skip
        deal("O3", "rep_a", "Acme", [("Qualification", "2027-03-25")],
             amount="5000", currency="USD", expected_close_date="2027-04-15",
             next_step="Send the deck")  # fmt: skip
        o4 = deal("O4", "rep_b", "Initech", [("Qualification", "2027-01-10")],
                  amount="7000", currency="USD", expected_close_date="2027-01-20",
                  forecast_category="omitted")  # fmt: skip
        deal("O5", "outsider", "Acme", [("Qualification", "2027-03-30")],
             amount="100000", currency="JPY", expected_close_date="2027-02-20",
             next_step="Wait")  # fmt: skip
        for target, moment in ((o1, "2027-03-20T09:00"), (o4, "2027-01-15T09:00")):
            data = ActivityCreate(
                kind="call", subject=f"Call about {target.name}", occurred_at=at(moment),
                deal_ids=[target.id],
            )  # fmt: skip
            log_activity(self.session, actor=self.admin, data=data)
