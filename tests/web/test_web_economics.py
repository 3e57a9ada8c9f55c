"""The economics page and the predictions on the person page, over real HTTP: empty state,
a fitted installation (tables, chart data, parameters), bad parameters as clear 422 pages."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest
from web_support import log_in

from crm_orders_support import add_order, write_simulated
from recs_support import add_purchases, family_of, planted_shop
from support import PASSWORD, ThreadedServer
from twofold.api.app import create_app
from twofold.core.settings import Settings
from twofold.core.time import utcnow
from twofold.ingest.runtime import Ingestion
from twofold.persons.actions import create_person
from twofold.persons.schemas import PersonCreate
from twofold.recommendations.refresh import refresh_recommendations
from twofold.store.database import Database
from twofold.store.models import User


@pytest.fixture
def site(
    settings: Settings, database: Database, admin: User
) -> Iterator[tuple[httpx.Client, Ingestion]]:
    app = create_app(
        dataclasses.replace(settings, predictions_refresh_seconds=0), database=database
    )
    with (
        ThreadedServer(app).running() as url,
        httpx.Client(base_url=url, follow_redirects=False, timeout=30) as client,
    ):
        assert log_in(client, admin.email, PASSWORD).status_code == 303
        yield client, app.state.ingestion


def chart(page: str, name: str) -> dict[str, Any]:
    found = re.search(rf'<script type="application/json" id="{name}-data">(.*?)</script>', page)
    assert found, name
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def test_before_any_orders_the_page_says_what_is_missing(
    site: tuple[httpx.Client, Ingestion],
) -> None:
    client, _ = site
    page = client.get("/economics")
    assert page.status_code == 200
    assert 'href="/economics"' in page.text  # the nav link
    assert "The models have not been fitted yet" in page.text
    assert "No customers were acquired in these months." in page.text


def test_a_fitted_installation_shows_economics_and_predictions(
    site: tuple[httpx.Client, Ingestion], database: Database, admin: User
) -> None:
    client, ingestion = site
    with database.transaction() as session:
        person = create_person(
            session,
            actor=session.merge(admin),
            data=PersonCreate(first_name="Ann", last_name="Ash"),
        )
    write_simulated(ingestion.store)
    with ingestion.store.writer() as writer:  # Ann is new: her only purchase is today's
        writer.execute("DELETE FROM orders WHERE person_id = ?", [person.id])
    add_order(ingestion.store, person.id, utcnow().replace(tzinfo=None), 25)  # a purchase today
    report = ingestion.refresh_predictions()

    page = client.get("/economics", params={"churn_days": 90}).text

    assert "Churned: no purchase in 90 days." in page
    assert 'id="fit-parameters"' in page
    for name in ("r", "alpha", "a", "b", "p", "q", "gamma"):
        assert f"<td>{name}</td>" in page
    assert f"on {report.purchases} purchases of {report.persons} customers" in page
    cohorts = chart(page, "cohort-chart")
    assert cohorts["kind"] == "heatmap"
    assert cohorts["y"][-1] == utcnow().strftime("%Y-%m")  # Ann's first purchase is today
    churn = chart(page, "churn-chart")
    assert sum(churn["series"][0]["values"]) == report.persons
    rfm = chart(page, "rfm-chart")
    assert sum(cell[2] for cell in rfm["cells"]) == report.persons
    assert "Can&#39;t Lose Them" in page or "Can't Lose Them" in page
    holdout = chart(page, "holdout-chart")
    assert [s["name"] for s in holdout["series"]] == ["Actual", "Expected (BG/NBD)"]

    profile = client.get(f"/people/{person.id}").text
    assert 'id="predictions-heading"' in profile
    assert "0 days ago" in profile  # Ann bought today


def test_recommendations_on_the_profile_and_the_economics_page(
    site: tuple[httpx.Client, Ingestion], database: Database, admin: User
) -> None:
    client, ingestion = site
    with database.transaction() as session:
        actor = session.merge(admin)
        people = [
            create_person(session, actor=actor, data=PersonCreate(first_name=f"P{n}")).id
            for n in range(300)
        ]
    purchases = planted_shop(300, seed=5)
    add_purchases(ingestion.store, [(people[p - 1], at, skus) for p, at, skus in purchases])
    refresh_recommendations(ingestion.store, k=5)
    page = client.get("/economics").text
    assert 'id="recommendation-check"' in page
    assert "Item-to-item" in page
    first = people[0]
    family = family_of(purchases[0][2][0])
    profile = client.get(f"/people/{first}").text
    assert 'id="recommendations-heading"' in profile
    assert f"Product F{family}-" in profile.split('id="recommendations"')[1].split("</ul>")[0]
    assert "bought together" in profile


@pytest.mark.parametrize(
    "params",
    [{"start": "2026-13"}, {"start": "2026-05", "end": "2026-01"}, {"churn_days": "0"},
     {"churn_days": "many"}],
)  # fmt: skip
def test_bad_parameters_are_clear_errors(
    site: tuple[httpx.Client, Ingestion], params: dict[str, str]
) -> None:
    client, _ = site
    page = client.get("/economics", params=params)
    assert page.status_code in {400, 422}
    assert "Traceback" not in page.text


def test_without_a_spend_model_the_clv_panel_says_why(
    site: tuple[httpx.Client, Ingestion], database: Database, admin: User
) -> None:
    client, ingestion = site
    with database.transaction() as session:
        actor = session.merge(admin)
        people = [
            create_person(session, actor=actor, data=PersonCreate(first_name=f"P{n}")).id
            for n in range(20)
        ]
    # Every customer spends almost the same each time: Gamma-Gamma cannot tell customers'
    # spend apart from their purchases' (its p runs away), while BG/NBD fits.
    today = utcnow().date()
    for number, person in enumerate(people, start=1):
        for purchase, buyers in enumerate((20, 12, 5)):  # on the 5th, 3, 2 and 1 months ago
            if number <= buyers:
                month = today.year * 12 + today.month - 1 - (3 - purchase)
                at = datetime(month // 12, month % 12 + 1, 5, 12)
                add_order(ingestion.store, person, at, 20 + number + purchase)
    report = ingestion.refresh_predictions()
    assert report.persons == 20
    page = client.get("/economics").text
    clv = page.split('id="clv-heading"')[1].split("</section>")[0]
    assert "No CLV: Gamma-Gamma: the estimate of p runs away" in clv
    assert "needs 10 customers with repeat purchases" not in clv  # 12 did buy again
