"""Customer economics on a small history worked out by hand (see the comments for each
number): order and customer metrics by month and by channel, spend, CAC, cohorts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from crm_orders_support import add_order, add_rate
from twofold.economics.cohorts import cohort_matrix
from twofold.economics.report import economics_report, parse_options
from twofold.events.store import EventStore
from twofold.orders.base_currency import stage_purchases
from twofold.store.database import Database
from twofold.store.models import MarketingSpend

TODAY = date(2026, 6, 15)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EventStore]:
    events = EventStore(tmp_path / "events.duckdb")
    # Purchases as (person, day, amount in USD, channel):
    for person, day, amount, channel in (
        (4, date(2025, 6, 1), 60, "web"),
        (5, date(2025, 12, 20), 10, "web"),
        (1, date(2026, 1, 10), 100, "web"),
        (2, date(2026, 1, 20), 200, "store"),
        (1, date(2026, 2, 5), 50, "web"),
        (3, date(2026, 2, 14), 80, "web"),
        (3, date(2026, 2, 20), 20, "web"),
        (4, date(2026, 3, 3), 40, "web"),
        (1, date(2026, 4, 20), 30, "store"),
    ):
        add_order(events, person, datetime(day.year, day.month, day.day, 10), amount,
                  channel=channel)  # fmt: skip
    add_order(events, 2, datetime(2026, 1, 25, 10), 999, channel="store", status="cancelled")
    yield events
    events.close()


@pytest.fixture
def spend(database: Database) -> None:
    with database.transaction() as session:
        add_rate(session, "EUR", date(2025, 1, 1), "1.5")
        for channel, month, amount, currency in (
            ("web", date(2026, 1, 1), "300", "USD"),
            ("web", date(2026, 2, 1), "100", "EUR"),  # 150 USD
            ("store", date(2026, 1, 1), "100", "USD"),
            ("web", date(2026, 3, 1), "50", "GBP"),  # no GBP rate: left out, counted
            ("web", date(2025, 12, 1), "999", "USD"),  # before the range
        ):
            session.add(MarketingSpend(channel=channel, month=month, amount=Decimal(amount),
                                       currency=currency, note=""))  # fmt: skip
        for channel, month, amount in (  # retention spend: not in CAC
            ("email", date(2026, 2, 1), "90"),
            ("web", date(2026, 3, 1), "40"),
        ):
            session.add(MarketingSpend(channel=channel, month=month, amount=Decimal(amount),
                                       currency="USD", note="", purpose="retention"))  # fmt: skip


def report(store: EventStore, database: Database, **options: Any) -> dict[str, Any]:
    chosen = parse_options(start="2026-01", end="2026-03", churn_days=90, today=TODAY, **options)
    return economics_report(store, database, base_currency="USD", options=chosen, today=TODAY)


def by_period(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["period"]: row for row in rows}


@pytest.mark.usefixtures("spend")
def test_months(store: EventStore, database: Database) -> None:
    result = report(store, database, group_by="month")
    assert result["spend_without_rate"] == 1
    assert result["orders_without_rate"] == 0
    rows = by_period(result["rows"])
    assert list(rows) == ["2026-01", "2026-02", "2026-03"]
    # January: orders 100 (1) + 200 (2); nobody had two purchases by Feb 1. Active at the
    # start (a purchase from 2025-10-03): 5, still active at the end → no churn. Lapsed: 4,
    # who did not buy in January. To date: 4, 5, 1, 2 with 60+10+100+200 = 370.
    assert rows["2026-01"] == {
        "period": "2026-01", "channel": None, "orders": 2, "revenue": "300.00",
        "customers": 2, "average_order_value": "150.00", "purchase_frequency": 1.0,
        "repeat_purchase_rate": 0.0, "new_customers": 2, "active_at_start": 1, "churned": 0,
        "churn_rate": 0.0, "lapsed_at_start": 1, "reactivated": 0, "reactivation_rate": 0.0,
        "customers_to_date": 4, "historic_clv": "92.50", "marketing_spend": "400.00",
        "cac": "200.00", "ltv_to_cac": 0.4625, "region": None,
        "retained_customers": 1, "retention_spend": "0.00", "retention_cost_per_customer": None,
    }  # fmt: skip
    # February: 50 (1), 80 + 20 (3); both have two purchases by Mar 1. Active at the start
    # (from 2025-11-03): 5, 1, 2 — all still active on Mar 1 (from 2025-12-01).
    assert rows["2026-02"] == {
        "period": "2026-02", "channel": None, "orders": 3, "revenue": "150.00",
        "customers": 2, "average_order_value": "50.00", "purchase_frequency": 1.5,
        "repeat_purchase_rate": 100.0, "new_customers": 1, "active_at_start": 3, "churned": 0,
        "churn_rate": 0.0, "lapsed_at_start": 1, "reactivated": 0, "reactivation_rate": 0.0,
        "customers_to_date": 5, "historic_clv": "104.00", "marketing_spend": "150.00",
        "cac": "150.00", "ltv_to_cac": 0.6933, "region": None,
        # retained: the 3 active at the start, none churned; 90 of email retention spend
        "retained_customers": 3, "retention_spend": "90.00", "retention_cost_per_customer": "30.00",
    }  # fmt: skip
    # March: 4 comes back (40; lapsed since 2025-06 → reactivated). Active at the start
    # (from 2025-12-01): 5, 1, 2, 3; at the end (from 2026-01-01) 5 is not → churn 1/4.
    assert rows["2026-03"] == {
        "period": "2026-03", "channel": None, "orders": 1, "revenue": "40.00",
        "customers": 1, "average_order_value": "40.00", "purchase_frequency": 1.0,
        "repeat_purchase_rate": 100.0, "new_customers": 0, "active_at_start": 4, "churned": 1,
        "churn_rate": 25.0, "lapsed_at_start": 1, "reactivated": 1, "reactivation_rate": 100.0,
        "customers_to_date": 5, "historic_clv": "112.00", "marketing_spend": "0.00",
        "cac": None, "ltv_to_cac": None, "region": None,
        # retained: 4 active at the start less 5 who churned; 40 / 3
        "retained_customers": 3, "retention_spend": "40.00", "retention_cost_per_customer": "13.33",
    }  # fmt: skip


@pytest.mark.usefixtures("spend")
def test_channels(store: EventStore, database: Database) -> None:
    rows = report(store, database, group_by="channel")["rows"]
    assert [(row["period"], row["channel"]) for row in rows] == [
        ("2026-01..2026-03", "store"), ("2026-01..2026-03", "web"),
    ]  # fmt: skip
    store_row, web = rows
    # Orders by order channel: web 100, 50, 80, 20, 40 from 1, 3, 4 (each with 2 purchases
    # by Apr 1); store 200 from 2 (one purchase).
    assert (web["orders"], web["revenue"], web["customers"]) == (5, "290.00", 3)
    assert (web["average_order_value"], web["purchase_frequency"]) == ("58.00", 1.6667)
    assert web["repeat_purchase_rate"] == 100.0
    assert (store_row["orders"], store_row["revenue"], store_row["repeat_purchase_rate"]) == (
        1, "200.00", 0.0,
    )  # fmt: skip
    # Customers by acquisition channel: web acquired 1, 3 (new), 4, 5; 5 active on Jan 1 and
    # gone by Apr 1; 4 lapsed and back. Revenue to Apr 1: 150 + 100 + 100 + 10 = 360.
    assert (web["new_customers"], web["churned"], web["churn_rate"]) == (2, 1, 100.0)
    assert (web["reactivated"], web["reactivation_rate"]) == (1, 100.0)
    assert (web["customers_to_date"], web["historic_clv"]) == (4, "90.00")
    assert (web["marketing_spend"], web["cac"], web["ltv_to_cac"]) == ("450.00", "225.00", 0.4)
    # Retention: web spent 40; of the web customers active on Jan 1 (5) none is left.
    assert (web["retained_customers"], web["retention_spend"]) == (0, "40.00")
    assert web["retention_cost_per_customer"] is None
    assert (store_row["new_customers"], store_row["churn_rate"]) == (1, None)
    assert (store_row["historic_clv"], store_row["cac"], store_row["ltv_to_cac"]) == (
        "200.00", "100.00", 2.0,
    )  # fmt: skip


@pytest.mark.usefixtures("spend")
def test_one_channel_and_converted_orders(store: EventStore, database: Database) -> None:
    add_order(store, 6, datetime(2026, 2, 1, 9), 20, currency="EUR", channel="store")  # 30 USD
    add_order(store, 7, datetime(2026, 2, 1, 9), 20, currency="JPY", channel="store")  # no rate
    result = report(store, database, channel="store")
    assert result["orders_without_rate"] == 1
    (row,) = result["rows"]
    assert (row["orders"], row["revenue"], row["new_customers"]) == (2, "230.00", 2)
    assert row["marketing_spend"] == "100.00"


def add_country_traits(store: EventStore) -> None:
    """1 and 3 in NL (one written in lower case), 2 in BE (Segment's address form); 4 and 5
    without a country."""
    with store.writer() as writer:
        for person, traits in (
            (1, '{"country": "NL"}'),
            (2, '{"address": {"country": "BE"}}'),
            (3, '{"country": " nl "}'),
            (4, '{"city": "Utrecht"}'),
        ):
            writer.execute(
                "INSERT INTO person_facts (person_id, traits) VALUES (?, ?)", [person, traits]
            )


@pytest.mark.usefixtures("spend")
def test_regions(store: EventStore, database: Database) -> None:
    add_country_traits(store)
    result = report(store, database, group_by="region")
    rows = {row["region"]: row for row in result["rows"]}
    assert list(rows) == ["BE", "NL", "unknown"]
    assert {row["period"] for row in rows.values()} == {"2026-01..2026-03"}
    # NL: 1 (100, 50) and 3 (80, 20), both new and with two purchases by Apr 1; nobody
    # active or lapsed on Jan 1. CLV 250 / 2.
    assert {k: rows["NL"][k] for k in (
        "orders", "revenue", "customers", "average_order_value", "purchase_frequency",
        "repeat_purchase_rate", "new_customers", "active_at_start", "churn_rate",
        "lapsed_at_start", "customers_to_date", "historic_clv", "channel",
    )} == {
        "orders": 4, "revenue": "250.00", "customers": 2, "average_order_value": "62.50",
        "purchase_frequency": 2.0, "repeat_purchase_rate": 100.0, "new_customers": 2,
        "active_at_start": 0, "churn_rate": None, "lapsed_at_start": 0,
        "customers_to_date": 2, "historic_clv": "125.00", "channel": None,
    }  # fmt: skip
    # BE: 2's 200 in the store (the cancelled 999 is no purchase).
    assert (rows["BE"]["orders"], rows["BE"]["revenue"], rows["BE"]["repeat_purchase_rate"]) == (
        1, "200.00", 0.0,
    )  # fmt: skip
    # unknown: 4 comes back in March (40; lapsed → reactivated), 5 was active on Jan 1 and
    # churned; historic CLV is their 110 of purchases over two customers.
    unknown = rows["unknown"]
    assert (unknown["orders"], unknown["revenue"], unknown["new_customers"]) == (1, "40.00", 0)
    assert (unknown["churned"], unknown["churn_rate"], unknown["reactivation_rate"]) == (
        1, 100.0, 100.0,
    )  # fmt: skip
    assert unknown["historic_clv"] == "55.00"
    # Spend is per channel: no region gets CAC or retention cost.
    for row in rows.values():
        assert (row["marketing_spend"], row["cac"], row["retention_spend"]) == (None, None, None)


def test_cohorts(store: EventStore) -> None:
    with store.reader() as reader:
        stage_purchases(reader, base_currency="USD", rates=[], until=datetime(2026, 6, 15, 23))
        rows = cohort_matrix(
            reader, start=date(2026, 1, 1), end=date(2026, 4, 1), channel=None, today=TODAY
        )
        web = cohort_matrix(
            reader, start=date(2026, 1, 1), end=date(2026, 4, 1), channel="web", today=TODAY
        )
    # January: 1 and 2; 1 buys again in February (+1) and April (+3, in the store).
    # February: 3 (twice in February only). 4 and 5 were acquired in 2025.
    assert rows == [
        {"cohort": "2026-01", "customers": 2, "active": [2, 1, 0, 1, 0, 0],
         "retention": [100.0, 50.0, 0.0, 50.0, 0.0, 0.0]},
        {"cohort": "2026-02", "customers": 1, "active": [1, 0, 0, 0, 0],
         "retention": [100.0, 0.0, 0.0, 0.0, 0.0]},
    ]  # fmt: skip
    assert [row["customers"] for row in web] == [1, 1]  # 2 was acquired in the store
    assert web[0]["active"] == [1, 1, 0, 1, 0, 0]


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"start": "2026-13"}, "start"),
        ({"start": "January"}, "start"),
        ({"start": "2026-05", "end": "2026-04"}, "end"),
        ({"start": "2000-01", "end": "2026-04"}, "end"),
        ({"group_by": "week"}, "group_by"),
        ({"churn_days": 0}, "churn_days"),
        ({"churn_days": 4000}, "churn_days"),
        ({"channel": "  "}, "channel"),
    ],
)
def test_bad_options_name_the_parameter(options: dict[str, Any], field: str) -> None:
    chosen = {"start": "2026-01", "end": "2026-03", **options}
    with pytest.raises(Exception, match=field) as raised:
        parse_options(today=TODAY, **chosen)
    assert type(raised.value).__name__ == "ValidationFailed"


def test_default_range_is_the_last_twelve_months() -> None:
    options = parse_options(start=None, end=None, today=TODAY)
    assert (options.start, options.end) == (date(2025, 7, 1), date(2026, 7, 1))
