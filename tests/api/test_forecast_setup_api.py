"""What the forecast is built from, over HTTP: managers, quotas, exchange rates and calls.
Admins set the first three; every bad value is a clear 4xx and stores nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from support import ApiClient, count_rows
from twofold.forecasting.periods import PeriodKind, period_containing


def user_id(api: ApiClient) -> int:
    me: int = api.get("/users/me").json()["id"]
    return me


def error_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    return error


def test_admins_put_users_under_managers_without_cycles(api: ApiClient) -> None:
    boss_client, boss = api.as_new_user("manager")
    rep_client, rep = api.as_new_user("rep")
    answer = api.patch(f"/users/{rep.id}", json={"manager_id": boss.id})
    assert answer.status_code == 200, answer.text
    assert answer.json()["manager_id"] == boss.id
    assert answer.headers["ETag"] == '"2"'
    cycle = error_of(api.patch(f"/users/{boss.id}", json={"manager_id": rep.id}), 422)
    assert cycle["details"] == [
        {"field": "manager_id", "message": f"user {rep.id} reports to this user already (a cycle)"}
    ]
    assert error_of(api.patch(f"/users/{rep.id}", json={"manager_id": rep.id}), 422)
    unknown = error_of(api.patch(f"/users/{rep.id}", json={"manager_id": 999_999}), 422)
    assert unknown["details"][0]["field"] == "manager_id"
    assert error_of(api.patch(f"/users/{rep.id}", json={"manager_id": 0}), 422)
    assert error_of(api.patch(f"/users/{rep.id}", json={"role": "admin"}), 422)
    stale = api.patch(f"/users/{rep.id}", json={"manager_id": None}, headers={"If-Match": '"1"'})
    assert error_of(stale, 412)["code"] == "precondition_failed"
    assert error_of(boss_client.patch(f"/users/{rep.id}", json={"manager_id": None}), 403)
    assert error_of(api.patch("/users/999999", json={"manager_id": None}), 404)
    users = {u["id"]: u for u in rep_client.get("/users").json()["items"]}
    assert users[rep.id]["manager_id"] == boss.id
    assert users[boss.id]["manager_id"] is None
    assert api.patch(f"/users/{rep.id}", json={"manager_id": None}).json()["manager_id"] is None


def test_quotas_are_set_replaced_listed_and_removed(api: ApiClient) -> None:
    boss_client, boss = api.as_new_user("manager")
    rep_client, rep = api.as_new_user("rep")
    other_client, other = api.as_new_user("rep")
    api.patch(f"/users/{rep.id}", json={"manager_id": boss.id})
    response = api.put("/quotas", json={"user_id": rep.id, "period": "2027-Q1", "amount": "90000"})
    assert response.status_code == 200, response.text
    first = response.json()
    assert {key: first[key] for key in ("user_id", "period", "period_kind", "amount")} == {
        "user_id": rep.id,
        "period": "2027-Q1",
        "period_kind": "quarter",
        "amount": "90000.00",
    }
    assert (first["currency"], first["period_start"], first["period_end"]) == (
        "USD",
        "2027-01-01",
        "2027-03-31",
    )
    again = api.put(
        "/quotas",
        json={"user_id": rep.id, "period": "2027-q1", "amount": "80000.5", "currency": "eur"},
    ).json()
    assert (again["id"], again["version"], again["amount"], again["currency"]) == (
        first["id"],
        2,
        "80000.50",
        "EUR",
    )
    for period in ("2027-01", "2027-02"):
        api.put("/quotas", json={"user_id": rep.id, "period": period, "amount": "1000"})
    api.put("/quotas", json={"user_id": other.id, "period": "2027-01", "amount": "5"})
    assert len(api.get("/quotas").json()["items"]) == 4
    listed = api.get("/quotas", params={"user_id": rep.id, "period": "2027-01"}).json()["items"]
    assert [q["amount"] for q in listed] == ["1000.00"]
    team = boss_client.get("/quotas").json()["items"]
    assert {q["user_id"] for q in team} == {rep.id}
    assert [q["period"] for q in rep_client.get("/quotas").json()["items"]] == [
        "2027-Q1",  # oldest period first, a quarter before its months
        "2027-01",
        "2027-02",
    ]
    assert other_client.get("/quotas", params={"user_id": rep.id}).json()["items"] == []
    page = api.get("/quotas", params={"limit": 2}).json()
    rest = api.get("/quotas", params={"limit": 2, "cursor": page["next_cursor"]}).json()
    assert len(page["items"]) + len(rest["items"]) == 4
    # Removing the quarter's own quota: the quarter is the sum of its months again.
    assert api.delete(f"/quotas/{first['id']}").status_code == 204
    forecast = boss_client.get("/forecast", params={"period": "2027-Q1"}).json()
    assert forecast["quota"] == "2000.00"
    assert error_of(api.delete(f"/quotas/{first['id']}"), 404)


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({"user_id": 999_999, "period": "2027-Q1", "amount": "1"}, "user_id", 422),
        ({"period": "2027-Q5", "amount": "1"}, "period", 422),
        ({"period": "2027-13", "amount": "1"}, "period", 422),
        ({"period": "abc", "amount": "1"}, "period", 422),
        ({"period": "2027-Q1", "amount": "-1"}, "amount", 422),
        ({"period": "2027-Q1", "amount": "1.234"}, "amount", 422),
        ({"period": "2027-Q1", "amount": "NaN"}, "amount", 422),
        ({"period": "2027-Q1", "amount": 12.5}, "amount", 422),
        ({"period": "2027-Q1", "amount": "1", "currency": "XYZ"}, "currency", 422),
        ({"period": "2027-Q1", "amount": "1", "extra": True}, "extra", 422),
        ({"period": "2027-Q1"}, "amount", 422),
    ],
)
def test_bad_quotas_store_nothing(
    api: ApiClient, body: dict[str, Any], field: str, status: int
) -> None:
    body = {"user_id": user_id(api), **body}
    error = error_of(api.put("/quotas", json=body), status)
    assert error["code"] == "validation_error"
    assert [detail["field"] for detail in error["details"]] == [field]
    assert count_rows(api.database, "quotas") == 0


def test_only_admins_set_quotas(api: ApiClient) -> None:
    manager, boss = api.as_new_user("manager")
    body = {"user_id": boss.id, "period": "2027-Q1", "amount": "1"}
    assert error_of(manager.put("/quotas", json=body), 403)["code"] == "permission_denied"
    quota = api.put("/quotas", json=body).json()
    assert error_of(manager.delete(f"/quotas/{quota['id']}"), 403)
    assert count_rows(api.database, "quotas") == 1


def test_exchange_rates(api: ApiClient) -> None:
    created = api.created(
        "/exchange-rates", {"currency": "eur", "rate": "1.0825", "valid_from": "2027-01-01"}
    )
    assert {key: created[key] for key in ("currency", "base_currency", "rate", "valid_from")} == {
        "currency": "EUR",
        "base_currency": "USD",
        "rate": "1.0825",
        "valid_from": "2027-01-01",
    }
    api.created("/exchange-rates", {"currency": "EUR", "rate": "1.1", "valid_from": "2027-02-01"})
    api.created(
        "/exchange-rates", {"currency": "JPY", "rate": "0.0067", "valid_from": "2027-01-01"}
    )
    newest_first = [r["rate"] for r in api.get("/exchange-rates").json()["items"]]
    assert newest_first[0] == "1.1"
    euros = api.get("/exchange-rates", params={"currency": "eur", "sort": "valid_from"})
    assert [r["rate"] for r in euros.json()["items"]] == ["1.0825", "1.1"]
    rep, _ = api.as_new_user("rep")
    assert len(rep.get("/exchange-rates").json()["items"]) == 3  # everyone reads them
    corrected = api.patch(
        f"/exchange-rates/{created['id']}", json={"rate": "1.08"}, headers={"If-Match": '"1"'}
    )
    assert corrected.status_code == 200, corrected.text
    assert (corrected.json()["rate"], corrected.headers["ETag"]) == ("1.08", '"2"')
    stale = api.patch(
        f"/exchange-rates/{created['id']}", json={"rate": "2"}, headers={"If-Match": '"1"'}
    )
    assert error_of(stale, 412)
    assert api.get(f"/exchange-rates/{created['id']}").json()["rate"] == "1.08"
    assert error_of(rep.patch(f"/exchange-rates/{created['id']}", json={"rate": "9"}), 403)
    assert error_of(api.get("/exchange-rates/999999"), 404)
    duplicate = api.post(
        "/exchange-rates", json={"currency": "EUR", "rate": "1.2", "valid_from": "2027-01-01"}
    )
    assert error_of(duplicate, 409)["code"] == "conflict"
    assert count_rows(api.database, "exchange_rates") == 3


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"rate": "0"}, "rate"),
        ({"rate": "-1.5"}, "rate"),
        ({"rate": "Infinity"}, "rate"),
        ({"rate": "abc"}, "rate"),
        ({"rate": "1.00000000001"}, "rate"),
        ({"rate": "1000000000"}, "rate"),
        ({"rate": 1.1}, "rate"),
        ({"currency": "USD"}, "currency"),
        ({"currency": "ZZZ"}, "currency"),
        ({"valid_from": "2027-02-30"}, "valid_from"),
    ],
)
def test_bad_exchange_rates_store_nothing(api: ApiClient, body: dict[str, Any], field: str) -> None:
    values = {"currency": "EUR", "rate": "1.1", "valid_from": "2027-01-01", **body}
    error = error_of(api.post("/exchange-rates", json=values), 422)
    assert [detail["field"] for detail in error["details"]] == [field]
    assert count_rows(api.database, "exchange_rates") == 0


def test_only_admins_record_rates(api: ApiClient) -> None:
    manager, _ = api.as_new_user("manager")
    body = {"currency": "EUR", "rate": "1.1", "valid_from": "2027-01-01"}
    assert error_of(manager.post("/exchange-rates", json=body), 403)
    assert count_rows(api.database, "exchange_rates") == 0


def test_calls_are_kept_as_snapshots(api: ApiClient) -> None:
    manager, boss = api.as_new_user("manager")
    rep, seller = api.as_new_user("rep")
    stranger, _ = api.as_new_user("rep")
    api.patch(f"/users/{seller.id}", json={"manager_id": boss.id})
    period = period_containing(date.today(), PeriodKind.QUARTER).following()
    account = rep.created("/accounts", {"name": "Acme"})
    rep.created(
        "/deals",
        {
            "name": "Acme",
            "account_id": account["id"],
            "amount": "1200",
            "expected_close_date": period.end.isoformat(),
        },
    )
    call = rep.created(
        "/forecast/submissions", {"period": period.label, "amount": "1000", "note": "Safe"}
    )
    assert {key: call[key] for key in ("user_id", "period", "amount", "currency", "note")} == {
        "user_id": seller.id,
        "period": period.label,
        "amount": "1000.00",
        "currency": "USD",
        "note": "Safe",
    }
    assert call["categories"]["pipeline"] == "1200.00"
    assert (call["weighted"], call["quota"], call["deal_count"]) == ("120.00", None, 1)
    later = manager.created("/forecast/submissions", {"period": period.label, "amount": "900"})
    assert later["categories"]["pipeline"] == "1200.00"  # the manager's team's forecast
    mine = rep.get("/forecast/submissions").json()["items"]
    assert [s["id"] for s in mine] == [call["id"]]
    team = manager.get("/forecast/submissions", params={"period": period.label}).json()["items"]
    assert [s["id"] for s in team] == [later["id"], call["id"]]  # newest first
    assert stranger.get("/forecast/submissions").json()["items"] == []
    assert len(api.get("/forecast/submissions", params={"user_id": seller.id}).json()["items"]) == 1
    accuracy = manager.get("/forecast/accuracy", params={"period": period.label})
    assert accuracy.status_code == 200, accuracy.text
    report = accuracy.json()
    assert (report["period_ended"], report["owner_id"]) == (False, boss.id)
    assert [
        (item["user_id"], item["call"], item["actual"], item["accuracy_percent"])
        for item in report["items"]
    ] == [(boss.id, "900.00", "0.00", "0.0"), (seller.id, "1000.00", "0.00", "0.0")]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"period": "2020-Q1", "amount": "1"}, "period"),
        ({"period": "2027-Q5", "amount": "1"}, "period"),
        ({"period": "next", "amount": "1"}, "period"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "five"}, "amount"),
        ({"amount": "5", "currency": "GBP"}, "currency"),
        ({"amount": "5", "note": "x" * 2001}, "note"),
    ],
)
def test_bad_calls_store_nothing(api: ApiClient, body: dict[str, Any], field: str) -> None:
    upcoming = period_containing(date.today(), PeriodKind.QUARTER).following()
    values = {"period": upcoming.label, **body}
    error = error_of(api.post("/forecast/submissions", json=values), 422)
    assert [detail["field"] for detail in error["details"]] == [field]
    assert count_rows(api.database, "forecast_submissions") == 0


def test_viewers_make_no_calls(api: ApiClient) -> None:
    viewer, _ = api.as_new_user("viewer")
    upcoming = period_containing(date.today(), PeriodKind.QUARTER).following()
    body = {"period": upcoming.label, "amount": "5"}
    assert error_of(viewer.post("/forecast/submissions", json=body), 403)
    assert count_rows(api.database, "forecast_submissions") == 0
