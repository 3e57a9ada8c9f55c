"""The forecast against totals worked out by hand (tests/forecast_world.py), on both databases."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session

from forecast_world import BASE, ForecastWorld, build_forecast_world
from twofold.core.errors import PermissionDenied, ValidationFailed
from twofold.forecasting.forecast import Forecast, ForecastTotals, TeamNode, compute_forecast
from twofold.forecasting.periods import parse_period
from twofold.forecasting.rates import rate_schedule
from twofold.store.database import Database
from twofold.store.models import User


@pytest.fixture
def world(database: Database, admin: User) -> ForecastWorld:
    with database.transaction() as session:
        return build_forecast_world(session, session.merge(admin))


def forecast(session: Session, actor_id: int, period: str, owner_id: int | None) -> Forecast:
    actor = session.get(User, actor_id)
    assert actor is not None
    return compute_forecast(
        session, actor=actor, period=parse_period(period), owner_id=owner_id, base_currency=BASE
    )


def money(totals: ForecastTotals) -> dict[str, Any]:
    """Totals as strings, so that a failing test shows them readably."""
    return {
        **{key: str(value) for key, value in totals.categories.items()},
        "weighted": str(totals.weighted),
        "quota": None if totals.quota is None else str(totals.quota),
        "deals": totals.deal_count,
        "unconverted": {
            currency: (
                str(missing.amount),
                missing.deal_count,
                missing.quota and str(missing.quota),
            )
            for currency, missing in totals.unconverted.items()
        },
    }


def tree(nodes: list[TeamNode]) -> list[Any]:
    return [(node.name, tree(node.children)) for node in nodes]


REP_A = {
    "closed": "20000.00",
    "commit": "2500.00",
    "best_case": "10000.00",
    "pipeline": "11500.00",
    "omitted": "3000.00",
    "weighted": "8550.00",
    "quota": "40000.00",
    "deals": 6,
    "unconverted": {},
}
REP_B = {
    "closed": "0.00",
    "commit": "4000.00",
    "best_case": "1000.50",
    "pipeline": "0.00",
    "omitted": "0.00",
    "weighted": "1350.28",
    "quota": "16000.00",
    "deals": 2,
    "unconverted": {"JPY": ("1000000.0000", 1, None)},
}
MGR_TEAM = {
    "closed": "20000.00",
    "commit": "6500.00",
    "best_case": "11000.50",
    "pipeline": "14000.00",
    "omitted": "3000.00",
    "weighted": "10150.28",
    "quota": "56000.00",
    "deals": 9,
    "unconverted": {"JPY": ("1000000.0000", 1, None)},
}


def test_a_reps_own_forecast(database: Database, world: ForecastWorld) -> None:
    with database.transaction() as session:
        result = forecast(session, world.rep_a_id, "2027-Q1", None)  # a rep: their own
    assert result.owner_id == world.rep_a_id
    assert result.currency == "USD"
    assert money(result.totals) == REP_A
    assert [(row.name, money(row.totals)) for row in result.reps] == [("Ava Rep", REP_A)]
    assert tree(result.rollup) == [("Ava Rep", [])]


def test_a_managers_team_rolls_up(database: Database, world: ForecastWorld) -> None:
    with database.transaction() as session:
        result = forecast(session, world.mgr_id, "2027-Q1", None)
    assert money(result.totals) == MGR_TEAM
    own = {row.name: money(row.totals) for row in result.reps}
    assert own["Ava Rep"] == REP_A
    assert own["Ben Rep"] == REP_B
    assert own["Milo Manager"]["pipeline"] == "2500.00"
    assert own["Milo Manager"]["weighted"] == "250.00"
    assert own["Milo Manager"]["quota"] is None
    assert tree(result.rollup) == [("Milo Manager", [("Ava Rep", []), ("Ben Rep", [])])]
    assert money(result.rollup[0].totals) == MGR_TEAM


def test_the_whole_company_for_an_admin(database: Database, world: ForecastWorld) -> None:
    with database.transaction() as session:
        result = forecast(session, world.admin_id, "2027-Q1", None)
    assert result.owner_id is None
    assert money(result.totals) == {
        "closed": "21200.00",
        "commit": "6500.00",
        "best_case": "11000.50",
        "pipeline": "24099.00",
        "omitted": "3000.00",
        "weighted": "12160.08",
        "quota": "66000.00",
        "deals": 12,
        "unconverted": {"JPY": ("1000000.0000", 1, "500000.0000")},
    }
    assert tree(result.rollup) == [
        ("Hana Head", [("Cleo Rep", []), ("Milo Manager", [("Ava Rep", []), ("Ben Rep", [])])]),
        ("Otto Outsider", []),
        ("Unassigned", []),
    ]
    head = result.rollup[0]
    assert money(head.totals)["closed"] == "21200.00"
    assert money(head.totals)["quota"] == "66000.00"
    assert [row.name for row in result.reps][-1] == "Unassigned"
    assert money(result.reps[-1].totals)["weighted"] == "10.00"


def test_an_admin_can_look_at_any_team(database: Database, world: ForecastWorld) -> None:
    with database.transaction() as session:
        result = forecast(session, world.admin_id, "2027-Q1", world.mgr_id)
    assert money(result.totals) == MGR_TEAM


def test_a_month_counts_only_its_deals_and_quotas(database: Database, world: ForecastWorld) -> None:
    with database.transaction() as session:
        result = forecast(session, world.head_id, "2027-02", world.mgr_id)
    assert money(result.totals) == {
        "closed": "20000.00",  # A4
        "commit": "0.00",
        "best_case": "0.00",
        "pipeline": "6000.00",  # A3 at the February rate
        "omitted": "0.00",
        "weighted": "1200.00",
        "quota": "5000.00",  # rep_b's February; rep_a has no February quota
        "deals": 2,
        "unconverted": {"JPY": ("1000000.0000", 1, None)},
    }


def test_a_period_without_anything(database: Database, world: ForecastWorld) -> None:
    with database.transaction() as session:
        result = forecast(session, world.mgr_id, "2030-Q1", None)
    assert money(result.totals)["deals"] == 0
    assert money(result.totals)["quota"] is None
    assert tree(result.rollup) == [("Milo Manager", [])]


def test_who_may_see_which_team(database: Database, world: ForecastWorld) -> None:
    with database.transaction() as session:
        assert forecast(session, world.head_id, "2027-Q1", world.rep_a_id).owner_id == (
            world.rep_a_id
        )
        for actor, owner in (
            (world.rep_a_id, world.mgr_id),  # a rep above their station
            (world.rep_a_id, world.rep_b_id),  # a colleague
            (world.mgr_id, world.rep_c_id),  # another manager's rep
            (world.mgr_id, world.head_id),  # their own manager
            (world.viewer_id, world.rep_a_id),
        ):
            with pytest.raises(PermissionDenied):
                forecast(session, actor, "2027-Q1", owner)
        with pytest.raises(ValidationFailed) as unknown:
            forecast(session, world.admin_id, "2027-Q1", 999_999)
        assert unknown.value.details[0].field == "owner"


def test_rates_change_on_their_valid_from_day(database: Database, world: ForecastWorld) -> None:
    """A deal closing on the day a new rate starts converts at the new rate."""
    with database.transaction() as session:
        schedule = rate_schedule(
            session,
            base_currency=BASE,
            start=parse_period("2027-Q1").start,
            end=parse_period("2027-Q1").end,
        )
    q1 = parse_period("2027-Q1")
    assert schedule.rate_on("EUR", q1.start) == Decimal("1.10")
    assert schedule.rate_on("EUR", parse_period("2027-01").end) == Decimal("1.10")
    assert schedule.rate_on("EUR", parse_period("2027-02").start) == Decimal("1.20")
    assert schedule.rate_on("GBP", q1.start) == Decimal("1.25")
    assert schedule.rate_on("JPY", q1.start) is None
    assert schedule.rate_on("USD", q1.start) == 1
    assert schedule.change_days() == [parse_period("2027-02").start]
