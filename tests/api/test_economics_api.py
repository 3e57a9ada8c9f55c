"""/api/v1/economics and /api/v1/marketing-spend through a live server: spend CRUD with
ETags and roles, the report and cohorts over real HTTP, every bad input a 4xx with nothing
stored."""

from __future__ import annotations

from typing import Any

import pytest

from support import ApiClient, count_rows
from twofold.store.database import Database

SPEND = {"channel": "web", "month": "2026-01", "amount": "300.00"}


def test_spend_create_read_update_delete(api: ApiClient) -> None:
    created = api.created("/marketing-spend", {**SPEND, "note": "search ads"})
    assert created["currency"] == "USD"  # the base currency by default
    assert (created["month"], created["amount"], created["version"]) == ("2026-01", "300.00", 1)
    read = api.get(f"/marketing-spend/{created['id']}")
    assert read.headers["ETag"] == '"1"'
    stale = api.patch(
        f"/marketing-spend/{created['id']}", json={"amount": "1"}, headers={"If-Match": '"7"'}
    )
    assert stale.status_code == 412
    updated = api.patch(
        f"/marketing-spend/{created['id']}", json={"amount": "320.5"}, headers={"If-Match": '"1"'}
    )
    assert updated.status_code == 200, updated.text
    assert (updated.json()["amount"], updated.json()["version"]) == ("320.50", 2)
    api.created("/marketing-spend", {**SPEND, "month": "2026-02", "currency": "eur"})
    listed = api.get("/marketing-spend", params={"channel": "web"}).json()["items"]
    assert [(s["month"], s["currency"]) for s in listed] == [("2026-02", "EUR"), ("2026-01", "USD")]
    assert api.delete(f"/marketing-spend/{created['id']}").status_code == 204
    assert api.get(f"/marketing-spend/{created['id']}").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**SPEND, "month": "2026-13"}, "month"),
        ({**SPEND, "month": "2026-Q1"}, "month"),
        ({**SPEND, "amount": "-5"}, "amount"),
        ({**SPEND, "amount": "1.234"}, "amount"),
        ({**SPEND, "amount": 12.5}, "amount"),
        ({**SPEND, "currency": "XYZ"}, "currency"),
        ({**SPEND, "channel": "   "}, "channel"),
        ({**SPEND, "channel": "x" * 101}, "channel"),
        ({**SPEND, "extra": 1}, "extra"),
        ({**SPEND, "purpose": "branding"}, "purpose"),
        ({**SPEND, "purpose": None}, "purpose"),
        ({"channel": "web", "month": "2026-01"}, "amount"),
    ],
)
def test_bad_spend_is_refused_and_nothing_stored(
    api: ApiClient, database: Database, body: dict[str, Any], field: str
) -> None:
    answer = api.post("/marketing-spend", json=body)
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "validation_error"
    assert field in str(error)
    assert count_rows(database, "marketing_spend") == 0


def test_duplicates_roles_and_malformed_json(api: ApiClient, database: Database) -> None:
    api.created("/marketing-spend", SPEND)
    duplicate = api.post("/marketing-spend", json={**SPEND, "amount": "5"})
    assert duplicate.status_code == 409
    malformed = api.post(
        "/marketing-spend", content=b"{", headers={"Content-Type": "application/json"}
    )
    assert malformed.status_code == 400
    rep, _ = api.as_new_user("rep")
    with rep:
        assert rep.post("/marketing-spend", json={**SPEND, "month": "2026-03"}).status_code == 403
        assert rep.get("/marketing-spend").status_code == 200  # everyone reads
    marketer, _ = api.as_new_user("marketer")
    with marketer:
        marketer.created("/marketing-spend", {**SPEND, "month": "2026-04"})
    assert count_rows(database, "marketing_spend") == 2


def test_retention_spend_is_its_own_entry(api: ApiClient, database: Database) -> None:
    acquisition = api.created("/marketing-spend", SPEND)
    assert acquisition["purpose"] == "acquisition"
    retention = api.created("/marketing-spend", {**SPEND, "amount": "80", "purpose": "retention"})
    assert (retention["purpose"], retention["amount"]) == ("retention", "80.00")
    again = api.post("/marketing-spend", json={**SPEND, "purpose": "retention"})
    assert again.status_code == 409
    assert count_rows(database, "marketing_spend") == 2
    row = api.get(
        "/economics", params={"start": "2026-01", "end": "2026-01", "group_by": "month"}
    ).json()["rows"][0]
    assert (row["marketing_spend"], row["retention_spend"]) == ("300.00", "80.00")
    assert (row["retained_customers"], row["retention_cost_per_customer"]) == (0, None)
    regions = api.get("/economics", params={"start": "2026-01", "group_by": "region"}).json()
    assert regions["rows"] == []  # no purchases: no region rows


def test_the_report_and_cohorts_answer_over_http(api: ApiClient) -> None:
    api.created("/marketing-spend", SPEND)
    answer = api.get(
        "/economics", params={"start": "2026-01", "end": "2026-02", "group_by": "month"}
    )
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert [row["period"] for row in result["rows"]] == ["2026-01", "2026-02"]
    assert result["rows"][0]["marketing_spend"] == "300.00"
    assert result["rows"][0]["orders"] == 0
    assert result["rows"][0]["average_order_value"] is None
    cohorts = api.get("/economics/cohorts", params={"start": "2026-01"})
    assert cohorts.status_code == 200
    assert cohorts.json()["cohorts"] == []


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/economics", {"start": "2026-99"}, "start"),
        ("/economics", {"start": "2026-05", "end": "2026-01"}, "end"),
        ("/economics", {"group_by": "weekday"}, "group_by"),
        ("/economics", {"churn_days": "soon"}, "churn_days"),
        ("/economics", {"churn_days": "0"}, "churn_days"),
        ("/economics", {"channel": " "}, "channel"),
        ("/economics/cohorts", {"end": "someday"}, "end"),
        ("/economics/cohorts", {"start": "1990-01", "end": "2026-01"}, "end"),
    ],
)
def test_bad_report_parameters_are_422(
    api: ApiClient, path: str, params: dict[str, str], field: str
) -> None:
    answer = api.get(path, params=params)
    assert answer.status_code == 422, answer.text
    assert field in str(answer.json()["error"])
