"""The pipeline analytics page over real HTTP: the numbers of tests/analytics_world.py on the
page and in its chart data, the filters, who sees which team, bad filters, HTML escaping."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from web_support import XSS_NAME, log_in

from analytics_world import AnalyticsWorld, build_analytics_world
from support import PASSWORD
from twofold.deals.actions import get_deal, update_deal
from twofold.deals.schemas import DealUpdate
from twofold.store.database import Database
from twofold.store.models import User


@dataclass
class AnalyticsSite:
    """The live server with the analytics world in its database."""

    url: str
    database: Database
    world: AnalyticsWorld

    @contextmanager
    def logged_in(self, who: str) -> Iterator[httpx.Client]:
        """A client logged in as one of the world's users (or ``admin``)."""
        email = "admin@example.com" if who == "admin" else self.world.emails[who]
        with httpx.Client(base_url=self.url, follow_redirects=False, timeout=30) as client:
            assert log_in(client, email, PASSWORD).status_code == 303
            yield client


@pytest.fixture
def analytics_site(live_server: str, database: Database, admin: User) -> AnalyticsSite:
    with database.transaction() as session:
        world = build_analytics_world(session, session.merge(admin))
    return AnalyticsSite(url=live_server, database=database, world=world)


def json_block(page: str, element_id: str) -> dict[str, Any]:
    found = re.search(rf'id="{element_id}">(.*?)</script>', page, re.DOTALL)
    assert found, f"no {element_id} in the page"
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def stat(page: str, element_id: str) -> str:
    found = re.search(rf'<dd id="{element_id}">([^<]*)</dd>', page)
    assert found, element_id
    return found.group(1)


def check_count(page: str, name: str) -> int:
    found = re.search(rf'data-check="{name}".*?class="check-count">(\d+)<', page, re.DOTALL)
    assert found, name
    return int(found.group(1))


def test_the_quarter_for_an_admin(analytics_site: AnalyticsSite) -> None:
    with analytics_site.logged_in("admin") as client:
        response = client.get("/pipeline-analytics", params={"period": "2027-Q1"})
    assert response.status_code == 200, response.text
    page = response.text
    assert '<a href="/pipeline-analytics" aria-current="page">Analytics</a>' in page
    assert stat(page, "stat-win-rate") == "42.9%"
    assert stat(page, "stat-cycle") == "59.0 days"
    assert stat(page, "stat-velocity") == "$319.61"
    assert stat(page, "stat-coverage") == "1.63\u00d7"
    funnel = json_block(page, "funnel-chart-1")
    assert funnel["name"] == "New business"
    assert [(s["name"], s["reached"], s["lost"]) for s in funnel["stages"]] == [
        ("Qualification", 7, 2),
        ("Discovery", 5, 1),
        ("Solution demo", 4, 1),
        ("Proposal", 3, 0),
        ("Negotiation", 3, 0),
        ("Closed won", 3, 0),
    ]
    assert "Price (2)" in page
    assert "No budget (1)" in page
    revenue = json_block(page, "revenue-chart-data")
    assert revenue == {
        "currency": "USD",
        "months": ["Jan 2027", "Feb 2027", "Mar 2027"],
        "expected": ["700.00", "14800.00", "20400.00"],
        "actual": ["0.00", "10000.00", "16400.00"],
    }
    segment = page.split('data-segment="region"')[1].split("</table>")[0]
    assert re.findall(r'<th scope="row">([^<]+)</th>', segment) == ["EMEA", "APAC", "NA"]
    # Hygiene is "now": the world's deals are dated 2027, only the date-free checks are sure.
    assert check_count(page, "no_next_step") == 2
    assert check_count(page, "missing_required_fields") == 1


def test_filters_and_teams(analytics_site: AnalyticsSite) -> None:
    users = analytics_site.world.users
    with analytics_site.logged_in("admin") as client:
        rep_a = client.get(
            "/pipeline-analytics", params={"period": "2027-Q1", "team_of": users["rep_a"]}
        ).text
        na = client.get("/pipeline-analytics", params={"period": "2027-Q1", "region": "NA"}).text
        q4 = client.get(
            "/pipeline-analytics",
            params={"period": "2026-Q4", "pipeline_id": analytics_site.world.renewals_id},
        ).text
    assert stat(rep_a, "stat-win-rate") == "66.7%"
    assert stat(rep_a, "stat-coverage") == "2.08\u00d7"
    assert stat(na, "stat-win-rate") == "50.0%"
    assert 'name="region" value="NA"' in na
    assert stat(q4, "stat-win-rate") == "0.0%"
    assert "Churned (1)" in q4
    with analytics_site.logged_in("rep_a") as client:
        own = client.get("/pipeline-analytics", params={"period": "2027-Q1"})
        other = client.get(
            "/pipeline-analytics", params={"period": "2027-Q1", "team_of": users["mgr"]}
        )
    assert stat(own.text, "stat-win-rate") == "66.7%"
    assert other.status_code == 403


@pytest.mark.parametrize(
    "params",
    [
        {"period": "2027-Q9"},
        {"pipeline_id": "abc"},
        {"pipeline_id": "999999"},
        {"team_of": "-3"},
        {"size_band": "giant"},
    ],
)
def test_bad_filters_are_refused(analytics_site: AnalyticsSite, params: dict[str, str]) -> None:
    with analytics_site.logged_in("admin") as client:
        response = client.get("/pipeline-analytics", params=params)
    assert response.status_code == 422, response.text
    assert "<script>alert" not in response.text


def test_names_are_escaped(analytics_site: AnalyticsSite) -> None:
    with analytics_site.database.transaction() as session:
        admin = session.get(User, analytics_site.world.admin_id)
        assert admin is not None
        deal = get_deal(session, analytics_site.world.deals["O2"])
        update_deal(session, actor=admin, deal=deal, data=DealUpdate(name=XSS_NAME))
    with analytics_site.logged_in("admin") as client:
        page = client.get("/pipeline-analytics", params={"period": "2027-Q1", "region": XSS_NAME})
    assert page.status_code == 200
    assert XSS_NAME not in page.text
    assert "&lt;script&gt;" in page.text
