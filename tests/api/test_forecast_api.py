"""The forecast over HTTP: hand-computed totals (tests/forecast_world.py), who sees which team,
and every bad period or owner answered with a clear 4xx."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from forecast_world import ForecastWorld, build_forecast_world
from support import ApiClient
from twofold.store.database import Database
from twofold.store.models import User


@pytest.fixture
def world(api: ApiClient, admin: User) -> ForecastWorld:
    with api.database.transaction() as session:
        return build_forecast_world(session, session.merge(admin))


@pytest.fixture
def clients(api: ApiClient, world: ForecastWorld) -> Iterator[dict[str, ApiClient]]:
    """An API client per user of the world."""
    with api.database.transaction() as session:
        users = {
            key: session.scalars(select(User).where(User.email == email)).one()
            for key, email in world.emails.items()
        }
    made = {key: ApiClient.for_user(api.server_url, api.database, u) for key, u in users.items()}
    yield made
    for client in made.values():
        client.close()


def get_forecast(client: ApiClient, **params: Any) -> dict[str, Any]:
    response = client.get("/forecast", params=params)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def totals(body: dict[str, Any]) -> dict[str, Any]:
    return {key: body[key] for key in ("categories", "weighted", "quota", "deal_count")}


def test_a_managers_team_forecast(api: ApiClient, world: ForecastWorld) -> None:
    body = get_forecast(api, period="2027-Q1", owner=world.mgr_id)
    assert {key: body[key] for key in ("period", "period_kind", "start", "end", "currency")} == {
        "period": "2027-Q1",
        "period_kind": "quarter",
        "start": "2027-01-01",
        "end": "2027-03-31",
        "currency": "USD",
    }
    assert body["owner_id"] == world.mgr_id
    assert totals(body) == {
        "categories": {
            "closed": "20000.00",
            "commit": "6500.00",
            "best_case": "11000.50",
            "pipeline": "14000.00",
            "omitted": "3000.00",
        },
        "weighted": "10150.28",
        "quota": "56000.00",
        "deal_count": 9,
    }
    assert body["unconverted"] == [
        {"currency": "JPY", "amount": "1000000", "deal_count": 1, "quota": None}
    ]
    reps = {row["name"]: row for row in body["reps"]}
    assert sorted(reps) == ["Ava Rep", "Ben Rep", "Milo Manager"]
    assert reps["Ava Rep"]["categories"]["closed"] == "20000.00"
    assert reps["Ava Rep"]["manager_id"] == world.mgr_id
    assert reps["Ben Rep"]["weighted"] == "1350.28"
    assert reps["Milo Manager"]["quota"] is None
    [root] = body["rollup"]
    assert (root["user_id"], root["name"]) == (world.mgr_id, "Milo Manager")
    assert totals(root) == totals(body)
    assert [child["name"] for child in root["children"]] == ["Ava Rep", "Ben Rep"]
    assert root["children"][0]["children"] == []


def test_the_company_forecast_and_a_month(api: ApiClient, world: ForecastWorld) -> None:
    company = get_forecast(api, period="2027-Q1")
    assert company["owner_id"] is None
    assert company["categories"]["pipeline"] == "24099.00"
    assert company["weighted"] == "12160.08"
    assert company["quota"] == "66000.00"
    assert company["unconverted"] == [
        {"currency": "JPY", "amount": "1000000", "deal_count": 1, "quota": "500000"}
    ]
    assert [node["name"] for node in company["rollup"]] == [
        "Hana Head",
        "Otto Outsider",
        "Unassigned",
    ]
    assert company["reps"][-1]["user_id"] is None
    march = get_forecast(api, period="2027-03", owner=world.head_id)
    assert march["period_kind"] == "month"
    assert march["end"] == "2027-03-31"
    assert march["categories"] == {
        "closed": "1200.00",  # C1 (EUR 1,000 at 1.20)
        "commit": "2500.00",  # A8
        "best_case": "1000.50",  # B2
        "pipeline": "0.00",
        "omitted": "3000.00",  # A6
    }
    assert march["quota"] is None  # nobody in the team has a March quota


def test_who_sees_which_team(
    clients: dict[str, ApiClient], world: ForecastWorld, database: Database
) -> None:
    own = get_forecast(clients["rep_a"], period="2027-Q1")
    assert own["owner_id"] == world.rep_a_id
    assert own["categories"]["closed"] == "20000.00"
    assert [row["name"] for row in own["reps"]] == ["Ava Rep"]
    assert get_forecast(clients["head"], period="2027-Q1", owner=world.rep_a_id)["owner_id"] == (
        world.rep_a_id
    )
    for client, owner in (
        ("rep_a", world.mgr_id),
        ("rep_a", world.rep_b_id),
        ("mgr", world.rep_c_id),
        ("mgr", world.head_id),
        ("viewer", world.rep_a_id),
    ):
        response = clients[client].get("/forecast", params={"period": "2027-Q1", "owner": owner})
        assert response.status_code == 403, (client, owner)
        assert response.json()["error"]["code"] == "permission_denied"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "2027-Q5"}, "period"),
        ({"period": "2027-13"}, "period"),
        ({"period": "abc"}, "period"),
        ({"period": ""}, "period"),
        ({"period": "2027-Q1" * 10}, "query.period"),
        ({}, "query.period"),
        ({"period": "2027-Q1", "owner": "abc"}, "query.owner"),
        ({"period": "2027-Q1", "owner": "0"}, "query.owner"),
        ({"period": "2027-Q1", "owner": str(2**64)}, "query.owner"),
        ({"period": "2027-Q1", "owner": "999999"}, "owner"),
    ],
)
def test_bad_periods_and_owners_are_clear_errors(
    api: ApiClient, world: ForecastWorld, params: dict[str, str], field: str
) -> None:
    response = api.get("/forecast", params=params)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert [detail["field"] for detail in error["details"]] == [field]
