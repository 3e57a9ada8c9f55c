"""The forecast page over real HTTP: totals, roll-up, chart data, who sees which team, HTML
escaping, and making a call through the form (CSRF, refusals that store nothing)."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import httpx
import pytest
from web_support import XSS_NAME, hidden_csrf, log_in

from forecast_world import BASE, ForecastWorld, build_forecast_world
from support import PASSWORD, count_rows
from twofold.auth.users import create_user
from twofold.forecasting.periods import PeriodKind, period_containing
from twofold.forecasting.quotas import set_quota
from twofold.forecasting.schemas import QuotaSet
from twofold.store.database import Database
from twofold.store.models import User


@dataclass
class ForecastSite:
    """The live server with the forecast world in its database."""

    url: str
    database: Database
    world: ForecastWorld

    @contextmanager
    def logged_in(self, who: str) -> Iterator[httpx.Client]:
        """A browser-like client logged in as one of the world's users (or ``admin``)."""
        email = "admin@example.com" if who == "admin" else self.world.emails[who]
        with httpx.Client(base_url=self.url, follow_redirects=False, timeout=30) as client:
            assert log_in(client, email, PASSWORD).status_code == 303
            yield client


@pytest.fixture
def forecast_site(live_server: str, database: Database, admin: User) -> ForecastSite:
    with database.transaction() as session:
        world = build_forecast_world(session, session.merge(admin))
    return ForecastSite(url=live_server, database=database, world=world)


def chart_data(page: str) -> dict[str, object]:
    found = re.search(r'id="forecast-chart-data">(.*?)</script>', page, re.DOTALL)
    assert found, "the page has no chart data"
    data: dict[str, object] = json.loads(found.group(1))
    return data


def rollup_names(page: str) -> list[str]:
    table = page.split('class="data-table compact forecast-rollup"')[1].split(
        "</table>", maxsplit=1
    )[0]
    return [html.unescape(name) for name in re.findall(r'<th scope="row"[^>]*>.*?>([^<]+)<', table)]


def test_the_company_forecast_for_an_admin(forecast_site: ForecastSite) -> None:
    with forecast_site.logged_in("admin") as client:
        response = client.get("/forecast", params={"period": "2027-Q1"})
    assert response.status_code == 200, response.text
    page = response.text
    assert '<a href="/forecast" aria-current="page">Forecast</a>' in page
    assert "<dt>Closed</dt><dd>$21,200</dd>" in page
    assert "<dt>Best case</dt><dd>$11,000.50</dd>" in page
    assert "<dt>Weighted pipeline</dt><dd>$12,160.08</dd>" in page
    assert "<dt>Quota</dt><dd>$66,000</dd>" in page
    assert "<dt>Attainment</dt><dd>32%</dd>" in page  # 21,200 / 66,000
    assert "1 deal worth ¥1,000,000 and quotas of ¥500,000" in page
    assert rollup_names(page) == [
        "Hana Head",
        "Cleo Rep",
        "Milo Manager",
        "Ava Rep",
        "Ben Rep",
        "Otto Outsider",
        "Unassigned",
    ]
    data = chart_data(page)
    assert data["currency"] == "USD"
    # One bar per team at the top: Hana's, Otto's and the deals nobody owns.
    assert data["names"] == ["Hana Head (team)", "Otto Outsider", "Unassigned"]
    series = {item["key"]: item["values"] for item in data["series"]}  # type: ignore[attr-defined]
    assert series["closed"] == ["21200.00", "0.00", "0.00"]
    assert series["pipeline"] == ["14000.00", "9999.00", "100.00"]
    assert data["quota"] == ["66000.00", None, None]
    assert '<option value="" selected>Whole company</option>' in page
    assert '<option value="2027-Q1" selected>Q1 2027</option>' in page


def test_a_manager_sees_their_team_and_not_others(forecast_site: ForecastSite) -> None:
    world = forecast_site.world
    with forecast_site.logged_in("mgr") as client:
        page = client.get("/forecast", params={"period": "2027-Q1"}).text
        assert rollup_names(page) == ["Milo Manager", "Ava Rep", "Ben Rep"]
        assert chart_data(page)["names"] == ["Milo Manager (own deals)", "Ava Rep", "Ben Rep"]
        assert "<dt>Commit</dt><dd>$6,500</dd>" in page
        assert "Cleo Rep" not in page
        assert f'<option value="{world.mgr_id}" selected>Milo Manager</option>' in page
        drill = client.get("/forecast", params={"period": "2027-Q1", "owner": world.rep_a_id})
        assert drill.status_code == 200
        assert rollup_names(drill.text) == ["Ava Rep"]
        refused = client.get("/forecast", params={"period": "2027-Q1", "owner": world.rep_c_id})
        assert refused.status_code == 403
        assert "your own forecast and your team" in refused.text
    with forecast_site.logged_in("rep_a") as client:
        assert client.get("/forecast", params={"owner": world.mgr_id}).status_code == 403


@pytest.mark.parametrize("period", ["2027-Q5", "2027-13", "abc"])
def test_bad_periods_are_clear_errors(forecast_site: ForecastSite, period: str) -> None:
    with forecast_site.logged_in("admin") as client:
        response = client.get("/forecast", params={"period": period})
    assert response.status_code == 422
    assert "is not a period" in response.text or "must be between" in response.text


def test_names_are_escaped(forecast_site: ForecastSite) -> None:
    with forecast_site.database.transaction() as session:
        admin = session.get(User, forecast_site.world.admin_id)
        assert admin is not None
        user = create_user(
            session, email="xss@example.com", name=XSS_NAME, password=PASSWORD, role="rep"
        )
        data = QuotaSet(user_id=user.id, period="2027-Q1", amount="1")
        set_quota(session, actor=admin, base_currency=BASE, data=data)
    with forecast_site.logged_in("admin") as client:
        page = client.get("/forecast", params={"period": "2027-Q1"}).text
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt; Holdings" in page
    assert XSS_NAME in chart_data(page)["names"]  # type: ignore[operator]


def next_quarter() -> str:
    return period_containing(date.today(), PeriodKind.QUARTER).following().label


def test_making_a_call_through_the_form(forecast_site: ForecastSite) -> None:
    period = next_quarter()
    with forecast_site.logged_in("rep_a") as client:
        page = client.get("/forecast", params={"period": period}).text
        token = hidden_csrf(page)
        refused = client.post(
            "/forecast/submissions",
            data={"csrf_token": token, "period": period, "amount": "-5", "note": "Kept"},
        )
        assert refused.status_code == 422
        assert "must not be negative" in refused.text
        assert 'value="-5"' in refused.text  # what was typed is kept
        assert ">Kept</textarea>" in refused.text
        assert count_rows(forecast_site.database, "forecast_submissions") == 0
        forged = client.post("/forecast/submissions", data={"period": period, "amount": "5"})
        assert forged.status_code == 403
        made = client.post(
            "/forecast/submissions",
            data={"csrf_token": token, "period": period, "amount": "42000", "note": "Solid"},
        )
        assert made.status_code == 303
        assert made.headers["location"] == f"/forecast?period={period}#calls"
        after = client.get(made.headers["location"]).text
    assert "<strong>$42,000</strong>" in after
    assert "Solid" in after
    assert count_rows(forecast_site.database, "forecast_submissions") == 1


def test_viewers_and_ended_periods_get_no_call_form(forecast_site: ForecastSite) -> None:
    with forecast_site.logged_in("viewer") as client:
        page = client.get("/forecast", params={"period": next_quarter()}).text
        assert "Viewers do not make calls." in page
        refused = client.post(
            "/forecast/submissions",
            data={"csrf_token": hidden_csrf(page), "period": next_quarter(), "amount": "5"},
        )
        assert refused.status_code == 403
    with forecast_site.logged_in("rep_a") as client:
        assert "This period has ended" in client.get("/forecast?period=2020-Q1").text
    assert count_rows(forecast_site.database, "forecast_submissions") == 0
