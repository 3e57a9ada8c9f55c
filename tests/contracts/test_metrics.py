"""Recurring-revenue metrics against values worked out by hand, on both databases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from twofold.accounts.actions import create_account
from twofold.accounts.schemas import AccountCreate
from twofold.contracts.actions import create_contract
from twofold.contracts.metrics import retention_metrics
from twofold.contracts.schemas import ContractCreate
from twofold.forecasting.periods import parse_period
from twofold.forecasting.rates import add_exchange_rate
from twofold.forecasting.schemas import ExchangeRateCreate
from twofold.persons.actions import create_person
from twofold.persons.schemas import PersonCreate
from twofold.store.database import Database
from twofold.store.models import User

BASE = "USD"


@pytest.fixture
def book(database: Database, admin: User) -> None:
    """Five customers with contracts; EUR is 1.10 USD from 2026-12-01, 1.20 from 2027-03-15.

    2027-Q1 (rates of 2027-03-31: EUR 1.20; end dates are inclusive):
      A  USD 1200 -> 1200          kept
      B  EUR 1000 -> 800 EUR       1200 -> 960 USD: contraction 240 (new term 2027-03-21)
      C  USD 2400 -> 0             churned 2400 (last day 2027-01-31)
      D  person, USD 0 -> 600      new 600 (starts 2027-03-10)
      E  GBP 500, no rate          unconverted
      F  draft USD 9999            ignored
    Opening 1200 + 1200 + 2400 = 4800; closing 1200 + 960 + 600 = 2760.
    NRR = (4800 - 240 - 2400) / 4800 = 45.00 %; GRR the same (no expansion).
    """
    with database.transaction() as session:
        actor = session.merge(admin)
        add_exchange_rate(
            session,
            actor=actor,
            base_currency=BASE,
            data=ExchangeRateCreate(currency="EUR", rate="1.10", valid_from=date(2026, 12, 1)),
        )
        add_exchange_rate(
            session,
            actor=actor,
            base_currency=BASE,
            data=ExchangeRateCreate(currency="EUR", rate="1.20", valid_from=date(2027, 3, 15)),
        )
        ids = {
            name: create_account(session, actor=actor, data=AccountCreate(name=name)).id
            for name in "ABCEF"
        }
        person = create_person(session, actor=actor, data=PersonCreate(first_name="Dee"))

        def contract(customer: dict[str, int], start: date, end: date, **money: str) -> None:
            data = ContractCreate(
                name="c", start_date=start, end_date=end, status="active", **customer, **money
            )
            create_contract(session, actor=actor, data=data)

        year = (date(2026, 1, 1), date(2027, 12, 31))
        contract({"account_id": ids["A"]}, *year, mrr="100", currency="USD")
        contract(
            {"account_id": ids["B"]},
            date(2026, 1, 1),
            date(2027, 3, 20),
            arr="1000",
            currency="EUR",
        )
        contract(
            {"account_id": ids["B"]},
            date(2027, 3, 21),
            date(2028, 3, 20),
            arr="800",
            currency="EUR",
        )
        contract(
            {"account_id": ids["C"]}, date(2026, 3, 1), date(2027, 1, 31), mrr="200", currency="USD"
        )
        contract(
            {"person_id": person.id}, date(2027, 3, 10), date(2028, 3, 9), arr="600", currency="USD"
        )
        contract({"account_id": ids["E"]}, *year, arr="500", currency="GBP")
        draft = ContractCreate(
            name="d", account_id=ids["F"], start_date=year[0], end_date=year[1], arr="9999"
        )
        create_contract(session, actor=actor, data=draft)


def test_a_month_of_contraction_churn_and_new(database: Database, book: None) -> None:
    with database.transaction() as session:
        metrics = retention_metrics(session, period=parse_period("2027-03"), base_currency=BASE)
    assert (
        metrics.opening_arr,
        metrics.closing_arr,
        metrics.new_arr,
        metrics.expansion_arr,
        metrics.contraction_arr,
        metrics.churned_arr,
    ) == tuple(Decimal(v) for v in ("2400.00", "2760.00", "600.00", "0.00", "240.00", "0.00"))
    # C's last day was 2027-01-31: it churned in February, not March; opening is A + B.
    assert metrics.net_revenue_retention == Decimal("90.00")  # (2400 - 240) / 2400
    assert metrics.gross_revenue_retention == Decimal("90.00")
    assert (metrics.customers_opening, metrics.customers_new, metrics.customers_churned) == (
        2,
        1,
        0,
    )
    assert metrics.unconverted_currencies == ["GBP"]


def test_a_quarter_counts_the_churn_inside_it(database: Database, book: None) -> None:
    with database.transaction() as session:
        metrics = retention_metrics(session, period=parse_period("2027-Q1"), base_currency=BASE)
    assert metrics.opening_arr == Decimal("4800.00")  # EUR at 1.20 (2027-03-31) for both ends
    assert metrics.closing_arr == Decimal("2760.00")
    assert metrics.churned_arr == Decimal("2400.00")
    assert metrics.contraction_arr == Decimal("240.00")
    assert metrics.new_arr == Decimal("600.00")
    assert metrics.net_revenue_retention == Decimal("45.00")
    assert metrics.gross_revenue_retention == Decimal("45.00")
    # The identity every period keeps: closing = opening + new + expansion - contraction - churn.
    assert metrics.closing_arr == (
        metrics.opening_arr
        + metrics.new_arr
        + metrics.expansion_arr
        - metrics.contraction_arr
        - metrics.churned_arr
    )


def test_a_period_without_opening_arr_has_no_retention(database: Database, book: None) -> None:
    with database.transaction() as session:
        metrics = retention_metrics(session, period=parse_period("2025-Q1"), base_currency=BASE)
    assert metrics.opening_arr == metrics.closing_arr == Decimal("0.00")
    assert metrics.net_revenue_retention is None
    assert metrics.gross_revenue_retention is None
