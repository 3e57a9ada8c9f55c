"""The economics dashboard and a person's predictions in a real headless Chromium: every chart
is drawn (read back from ECharts) with the numbers of a small shop worked out by hand."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

import pytest
from browser_support import chart_series, logged_in_page
from playwright.sync_api import Browser, expect

from crm_orders_support import add_order, days_ago, simulated_purchases
from support import ThreadedServer
from twofold.api.app import create_app
from twofold.core.settings import Settings
from twofold.core.time import utcnow
from twofold.ingest.runtime import Ingestion
from twofold.persons.actions import create_person
from twofold.persons.schemas import PersonCreate
from twofold.store.database import Database
from twofold.store.models import User

pytestmark = pytest.mark.browser
CUSTOMERS = 20
SIMULATED = 400  # a history the models can be fitted on, ending in June 2026
# (months after the first purchase, customers 1..n or a range of them who buy then)
PURCHASES = ((0, range(1, 21)), (1, range(1, 13)), (2, range(1, 6)), (3, range(6, 14)))


@dataclass
class EconomicsSite:
    """The live server (predictions refreshed on demand only) and its event store."""

    url: str
    ingestion: Ingestion


@pytest.fixture
def economics_site(settings: Settings, database: Database) -> Iterator[EconomicsSite]:
    app = create_app(
        dataclasses.replace(settings, predictions_refresh_seconds=0), database=database
    )
    with ThreadedServer(app).running() as url:
        yield EconomicsSite(url=url, ingestion=app.state.ingestion)


def month_start(months_ago: int) -> date:
    """The first day of the month ``months_ago`` before this one."""
    today = utcnow().date()
    index = today.year * 12 + today.month - 1 - months_ago
    return date(index // 12, index % 12 + 1, 1)


def amount(customer: int, purchase: int) -> int:
    """Spend that varies within and between customers (Gamma-Gamma needs both)."""
    return 10 + (customer * 7 + purchase * 13) % 40


def the_shop(site: EconomicsSite, database: Database, admin: User) -> list[int]:
    """Twenty customers, all first bought on the 5th three months ago (one cohort); twelve
    bought again on the 5th a month later, five of them a third time a month after that,
    and customers 6-13 bought today (this month: the model's holdout has purchases)."""
    with database.transaction() as session:
        actor = session.merge(admin)
        people = [
            create_person(
                session, actor=actor, data=PersonCreate(first_name="Buyer", last_name=f"{n:02d}")
            ).id
            for n in range(1, CUSTOMERS + 1)
        ]
    store = site.ingestion.store
    with store.writer() as writer:  # the simulated buyers have no records: ids of their own
        writer.executemany(
            "INSERT INTO orders (source_id, order_id, person_id, status, total, revenue, "
            "refunded, net, currency, channel, placed_at, updated_at) "
            "VALUES (1, ?, ?, 'completed', ?, ?, 0, ?, 'USD', 'web', ?, ?)",
            [[f"s{i}", 100_000 + person, spent, spent, spent, days_ago(ago), days_ago(ago)]
             for i, (person, ago, spent) in enumerate(simulated_purchases(SIMULATED, 6))],
        )  # fmt: skip
    today = utcnow().date()
    for months_after, customers in PURCHASES:
        day = today if months_after == 3 else month_start(3 - months_after).replace(day=5)
        for number in customers:
            bought = sum(1 for months, buyers in PURCHASES[:months_after] if number in buyers)
            placed = datetime(day.year, day.month, day.day)  # naive UTC, as the store keeps it
            add_order(store, people[number - 1], placed, amount(number, bought))
    return people


def test_economics_charts_and_profile_predictions(
    browser: Browser, economics_site: EconomicsSite, database: Database, admin: User
) -> None:
    people = the_shop(economics_site, database, admin)
    report = economics_site.ingestion.refresh_predictions()
    customers = CUSTOMERS + SIMULATED
    assert report.persons == customers
    cohort = month_start(3).strftime("%Y-%m")
    with logged_in_page(browser, economics_site, admin.email, "/economics") as page:
        # The simulated history ends in June 2026, so the planted cohort is alone in its
        # month. Its retention: 12 of 20 bought in month +1 (60 %), 5 in +2 (25 %),
        # 8 today (+3, 40 %).
        heatmap = "[data-econ-chart='cohort-chart-data']"
        (cells,) = chart_series(page, heatmap)
        rows = page.evaluate(
            """selector => window.echarts.getInstanceByDom(document.querySelector(selector))
                .getOption().yAxis[0].data""",
            heatmap,
        )
        row_of_cohort = rows.index(cohort)
        by_month = {cell[0]: cell[2] for cell in cells if cell[1] == row_of_cohort}
        assert by_month == {1: 60, 2: 25, 3: 40}
        row = page.locator("#cohort-table tbody tr", has_text=cohort)
        expect(row.locator("td").first).to_have_text("20")

        (churn,) = chart_series(page, "[data-econ-chart='churn-chart-data']")
        assert sum(churn) == customers
        (rfm,) = chart_series(page, "[data-econ-chart='rfm-chart-data']")
        assert sum(cell[2] for cell in rfm) == customers
        table = page.locator("#rfm-table tbody td.num").all_inner_texts()
        assert sum(int(count) for count in table) == customers
        (clv,) = chart_series(page, "[data-econ-chart='clv-chart-data']")
        assert sum(clv) == customers
        # The holdout chart draws the table's numbers: actual and expected mean purchases.
        actual, expected = chart_series(page, "[data-econ-chart='holdout-chart-data']")
        cells = page.locator("#holdout-table tbody tr").evaluate_all(
            "rows => rows.map(row => [...row.cells].map(cell => cell.textContent))"
        )
        assert len(cells) == len(actual) >= 2
        assert [f"{value:.3f}" for value in actual] == [row[2] for row in cells]
        assert [f"{value:.3f}" for value in expected] == [row[3] for row in cells]
        expect(page.locator("#fit-parameters tbody tr")).to_have_count(
            7
        )  # r, alpha, a, b, p, q, gamma
        expect(page.locator("#predictions-heading + p")).to_contain_text(
            f"on {report.purchases} purchases of {customers} customers"
        )

        # Customer 1 bought three times, the last a month ago.
        page.goto(f"/people/{people[0]}")
        predictions = page.locator("#predictions")
        expect(predictions).to_be_visible()
        last = month_start(1).replace(day=5)
        days = (utcnow().date() - last).days
        expect(predictions.locator("div", has_text="Orders · last").locator("dd")).to_have_text(
            f"3 · {days} days ago"
        )
        expect(predictions.locator("div", has_text="Spent").locator("dd")).to_have_text(
            f"{amount(1, 0) + amount(1, 1) + amount(1, 2)}.00 USD"  # 17 + 30 + 43
        )
