"""``deal_forecast_months`` stays equal to a fresh aggregate of ``deals`` whatever is done to
deals (domain actions and raw SQL alike), and the two ways of summing a period agree."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from forecast_world import BASE, ForecastWorld, build_forecast_world
from twofold.deals.actions import create_deal, delete_deal, get_deal, update_deal
from twofold.deals.schemas import DealCreate, DealUpdate
from twofold.forecasting.aggregate import DealGroup, daily_deal_groups, monthly_deal_groups
from twofold.forecasting.forecast import compute_forecast
from twofold.forecasting.periods import parse_period
from twofold.forecasting.rates import RateSchedule, add_exchange_rate, rate_schedule
from twofold.forecasting.schemas import ExchangeRateCreate
from twofold.pipelines.actions import pipeline_stages
from twofold.store.database import Database
from twofold.store.forecast_totals import rebuild_statements
from twofold.store.models import Deal, DealForecastMonth, User


@pytest.fixture
def world(database: Database, admin: User) -> ForecastWorld:
    with database.transaction() as session:
        return build_forecast_world(session, session.merge(admin))


def summary(session: Session) -> list[tuple[Any, ...]]:
    rows = session.execute(
        select(
            DealForecastMonth.close_month,
            DealForecastMonth.owner_key,
            DealForecastMonth.category,
            DealForecastMonth.currency,
            DealForecastMonth.amount,
            DealForecastMonth.amount_times_probability,
            DealForecastMonth.deal_count,
        ).order_by(
            DealForecastMonth.close_month,
            DealForecastMonth.owner_key,
            DealForecastMonth.category,
            DealForecastMonth.currency,
        )
    )
    return [tuple(row) for row in rows]


def rebuilt(session: Session) -> list[tuple[Any, ...]]:
    """What the table holds when computed from scratch (rolled back afterwards)."""
    savepoint = session.begin_nested()
    for statement in rebuild_statements(session.get_bind().dialect.name):
        session.execute(text(statement))
    fresh = summary(session)
    savepoint.rollback()
    return fresh


def test_the_triggers_follow_every_change_to_deals(
    database: Database, world: ForecastWorld
) -> None:
    with database.transaction() as session:
        assert summary(session) == rebuilt(session)
        assert len(summary(session)) > 10
        admin = session.get(User, world.admin_id)
        assert admin is not None
        deals = {deal.name: deal for deal in session.scalars(select(Deal))}
        pipeline_id = deals["A1"].pipeline_id
        stages = {stage.name: stage.id for stage in pipeline_stages(session, pipeline_id)}
        changes: list[tuple[str, dict[str, Any]]] = [
            ("A1", {"amount": "12345.67"}),
            ("A2", {"currency": "GBP"}),
            ("A3", {"owner_id": world.rep_c_id}),
            ("A6", {"expected_close_date": "2027-05-02"}),
            ("A8", {"probability": None, "forecast_category": None}),
            ("B2", {"expected_close_date": None}),
            ("M1", {"owner_id": None}),
            ("A1", {"stage_id": stages["Closed lost"], "lost_reason": "Budget cut"}),
            ("A4", {"stage_id": stages["Discovery"]}),  # reopened after being won
            ("B1", {"stage_id": stages["Closed won"]}),
            ("B3", {"forecast_category": "best_case"}),
        ]
        for name, values in changes:
            data = DealUpdate.model_validate(values)
            update_deal(session, actor=admin, deal=deals[name], data=data)
            session.flush()
            assert summary(session) == rebuilt(session), name
        update_deal(
            session,
            actor=admin,
            deal=deals["B2"],
            data=DealUpdate(expected_close_date=date(2027, 2, 14)),
        )
        delete_deal(session, actor=admin, deal=get_deal(session, deals["O1"].id))
        session.execute(update(Deal).where(Deal.name == "C1").values(amount=Decimal("999.5")))
        session.execute(delete(Deal).where(Deal.name == "U1"))
        session.flush()
        assert summary(session) == rebuilt(session)


def merged(groups: list[DealGroup], schedule: RateSchedule) -> dict[tuple[Any, ...], Any]:
    """Groups that convert at the same rate, added up (what the conversion sees)."""
    totals: dict[tuple[Any, ...], list[Any]] = {}
    for group in groups:
        rate = schedule.rate_on(group.currency, group.rate_day)
        key = (group.owner_id, group.category, group.currency, rate)
        entry = totals.setdefault(key, [Decimal(0), Decimal(0), 0])
        entry[0] += group.amount
        entry[1] += group.amount_times_probability
        entry[2] += group.deal_count
    return {key: tuple(value) for key, value in totals.items()}


def test_monthly_and_daily_sums_agree(database: Database, world: ForecastWorld) -> None:
    with database.transaction() as session:
        for label in ("2027-Q1", "2027-02", "2027-Q2"):
            period = parse_period(label)
            schedule = rate_schedule(
                session, base_currency=BASE, start=period.start, end=period.end
            )
            monthly = monthly_deal_groups(
                session,
                period=period,
                owner_ids=None,
                changing_currencies=schedule.changing_currencies(),
            )
            daily = daily_deal_groups(
                session,
                period=period,
                owner_ids=None,
                rate_changes=[month.start for month in period.months()[1:]],
            )
            assert merged(monthly, schedule) == merged(daily, schedule), label


def test_a_rate_starting_mid_month_is_applied_from_its_day(
    database: Database, world: ForecastWorld
) -> None:
    """EUR is 1.30 from 10 March: Cleo's deal won on 5 March keeps 1.20, a new one closing on
    20 March converts at 1.30 (the period is then summed from the deals themselves)."""
    with database.transaction() as session:
        admin = session.get(User, world.admin_id)
        assert admin is not None
        rate = ExchangeRateCreate(currency="EUR", rate="1.30", valid_from=date(2027, 3, 10))
        add_exchange_rate(session, actor=admin, base_currency=BASE, data=rate)
        account_id = session.scalars(select(Deal.account_id).where(Deal.name == "C1")).one()
        create_deal(
            session,
            actor=admin,
            data=DealCreate(
                name="C2",
                account_id=account_id,
                owner_id=world.rep_c_id,
                amount="1000",
                currency="EUR",
                expected_close_date=date(2027, 3, 20),
            ),
        )
        result = compute_forecast(
            session,
            actor=admin,
            period=parse_period("2027-Q1"),
            owner_id=world.rep_c_id,
            base_currency=BASE,
        )
    assert result.totals.categories["closed"] == Decimal("1200.00")
    assert result.totals.categories["pipeline"] == Decimal("1300.00")
    assert result.totals.weighted == Decimal("130.00")  # Qualification: 10%
