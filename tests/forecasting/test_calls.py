"""Forecast calls: snapshots of the team's forecast, refusals, and accuracy against actuals."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from forecast_world import BASE, ForecastWorld, build_forecast_world
from twofold.core.errors import PermissionDenied, ValidationFailed
from twofold.forecasting.accuracy import forecast_accuracy
from twofold.forecasting.periods import parse_period
from twofold.forecasting.schemas import SubmissionCreate
from twofold.forecasting.submissions import submit_forecast
from twofold.store.database import Database
from twofold.store.models import ForecastSubmission, User

IN_JANUARY = datetime(2027, 1, 10, 9, 30, tzinfo=UTC)


@pytest.fixture
def world(database: Database, admin: User) -> ForecastWorld:
    with database.transaction() as session:
        return build_forecast_world(session, session.merge(admin))


def submit(
    database: Database, user_id: int, *, now: datetime = IN_JANUARY, **fields: str
) -> ForecastSubmission:
    with database.transaction() as session:
        actor = session.get(User, user_id)
        assert actor is not None
        data = SubmissionCreate.model_validate({"period": "2027-Q1", **fields})
        return submit_forecast(session, actor=actor, base_currency=BASE, data=data, now=now)


def count_submissions(database: Database) -> int:
    with database.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(ForecastSubmission)) or 0)


def test_a_call_keeps_the_forecast_as_it_stood(database: Database, world: ForecastWorld) -> None:
    call = submit(database, world.mgr_id, amount="30000", note="Ava's renewal slips to April")
    assert call.amount == Decimal("30000.00")
    assert call.currency == "USD"
    assert call.submitted_at == IN_JANUARY
    assert (call.period_start, call.period_end) == (date(2027, 1, 1), date(2027, 3, 31))
    assert call.categories == {
        "closed": "20000.00",
        "commit": "6500.00",
        "best_case": "11000.50",
        "pipeline": "14000.00",
        "omitted": "3000.00",
    }
    assert (call.weighted, call.quota, call.deal_count) == (
        Decimal("10150.28"),
        Decimal("56000.00"),
        9,
    )
    assert call.unconverted == [
        {"currency": "JPY", "amount": "1000000.0000", "deal_count": 1, "quota": None}
    ]
    assert call.note == "Ava's renewal slips to April"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"amount": "-1"}, "amount", "must not be negative"),
        ({"amount": "lots"}, "amount", "is not a decimal number"),
        ({"amount": "10.001"}, "amount", "at most 2 decimals"),
        ({"amount": "10", "currency": "EUR"}, "currency", "the base currency, USD"),
        ({"amount": "10", "currency": "XXY"}, "currency", "unknown currency"),
        ({"amount": "10", "period": "2027-Q5"}, "period", "between 1 and 4"),
        ({"amount": "10", "period": "2026-Q4"}, "period", "2026-Q4 has ended"),
    ],
)
def test_bad_calls_are_refused(
    database: Database, world: ForecastWorld, fields: dict[str, str], field: str, message: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        submit(database, world.rep_a_id, **fields)
    assert refused.value.details[0].field == field
    assert message in refused.value.details[0].message
    assert count_submissions(database) == 0


def test_viewers_make_no_calls(database: Database, world: ForecastWorld) -> None:
    with pytest.raises(PermissionDenied):
        submit(database, world.viewer_id, amount="10")
    assert count_submissions(database) == 0


def test_accuracy_compares_the_last_call_with_what_closed(
    database: Database, world: ForecastWorld
) -> None:
    submit(database, world.rep_a_id, amount="30000")
    submit(database, world.rep_a_id, amount="25000", now=datetime(2027, 3, 1, tzinfo=UTC))
    submit(database, world.rep_b_id, amount="5000")
    submit(database, world.mgr_id, amount="0")
    submit(database, world.rep_c_id, amount="1000")  # not in mgr's team
    with database.transaction() as session:
        actor = session.get(User, world.mgr_id)
        assert actor is not None
        report = forecast_accuracy(
            session,
            actor=actor,
            period=parse_period("2027-Q1"),
            owner_id=None,
            base_currency=BASE,
            today=date(2027, 4, 2),
        )
    assert report.period_ended
    assert report.owner_id == world.mgr_id
    rows = [
        (row.name, row.submission.amount, row.actual, row.difference, row.accuracy_percent)
        for row in report.rows
    ]  # fmt: skip
    assert rows == [
        ("Ava Rep", 25000, 20000, -5000, Decimal("80.0")),  # the later call counts
        ("Ben Rep", 5000, 0, -5000, Decimal("0.0")),
        ("Milo Manager", 0, 20000, 20000, None),  # no percentage of nothing
    ]
