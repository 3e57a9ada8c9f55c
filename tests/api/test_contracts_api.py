"""Contracts over HTTP: CRUD, MRR/ARR, lines, filters, permissions, renewals, metrics,
and every bad input answered with a 4xx JSON error with nothing stored."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from support import ApiClient, count_rows


def contract_body(customer_id: int, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Acme subscription",
        "account_id": customer_id,
        "status": "active",
        "start_date": "2027-01-01",
        "end_date": "2027-12-31",
        "mrr": "1000.00",
        "currency": "EUR",
    }
    return {**body, **fields}


@pytest.fixture
def account(api: ApiClient) -> dict[str, Any]:
    return api.created("/accounts", {"name": "Acme"})


def test_create_read_update_delete(api: ApiClient, account: dict[str, Any]) -> None:
    contract = api.created(
        "/contracts",
        contract_body(
            account["id"],
            auto_renew=True,
            billing_period="annual",
            lines=[
                {"description": "Analytics Suite", "amount": "9000"},
                {"description": "Café support", "amount": "3000.5"},
            ],
        ),
    )
    assert contract["mrr"] == "1000.00"
    assert contract["arr"] == "12000.00"
    assert contract["currency"] == "EUR"
    assert contract["lines"] == [
        {"description": "Analytics Suite", "product": "analytics suite", "amount": "9000.00"},
        {"description": "Café support", "product": "cafe support", "amount": "3000.50"},
    ]
    assert contract["renewal_deal_id"] is None
    read = api.get(f"/contracts/{contract['id']}")
    assert read.headers["ETag"] == '"1"'
    stale = api.patch(
        f"/contracts/{contract['id']}", json={"arr": "15000"}, headers={"If-Match": '"7"'}
    )
    assert stale.status_code == 412
    changed = api.patch(
        f"/contracts/{contract['id']}",
        json={"arr": "15000", "lines": []},
        headers={"If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["arr"] == "15000.00"
    assert changed.json()["mrr"] == "1250.00"
    assert changed.json()["lines"] == []
    timeline = api.get(f"/contracts/{contract['id']}/timeline").json()
    assert [entry["kind"] for entry in timeline] == ["updated", "created"]
    assert any(
        e["summary"].startswith("Contract")
        for e in api.get(f"/accounts/{account['id']}/timeline").json()
    )
    assert api.delete(f"/contracts/{contract['id']}").status_code == 204
    assert api.get(f"/contracts/{contract['id']}").status_code == 404
    assert count_rows(api.database, "contract_lines") == 0


def test_arr_given_beside_mrr_is_kept_and_currency_change_recomputes(
    api: ApiClient, account: dict[str, Any]
) -> None:
    contract = api.created(
        "/contracts", contract_body(account["id"], mrr="100", arr="1100", currency="usd")
    )
    assert (contract["mrr"], contract["arr"]) == ("100.00", "1100.00")
    yen = api.patch(f"/contracts/{contract['id']}", json={"currency": "JPY"})
    assert yen.status_code == 200
    assert (yen.json()["mrr"], yen.json()["arr"]) == ("100", "1100")
    cents = api.patch(f"/contracts/{contract['id']}", json={"mrr": "10.5"})
    assert cents.status_code == 422  # yen have no decimals
    only_mrr = api.patch(f"/contracts/{contract['id']}", json={"mrr": "7"})
    assert (only_mrr.json()["mrr"], only_mrr.json()["arr"]) == ("7", "84")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"end_date": "2026-12-31"}, "end_date"),
        ({"end_date": "2027-01-01"}, "end_date"),
        ({"mrr": "-1"}, "mrr"),
        ({"mrr": 10.5}, "mrr"),
        ({"mrr": "abc"}, "mrr"),
        ({"mrr": None, "arr": None}, "mrr"),
        ({"arr": "-5"}, "arr"),
        ({"currency": "EURO"}, "currency"),
        ({"currency": "XYZ"}, "currency"),
        ({"status": "paused"}, "status"),
        ({"billing_period": "weekly"}, "billing_period"),
        ({"renewal_lead_days": -1}, "renewal_lead_days"),
        ({"renewal_lead_days": 4000}, "renewal_lead_days"),
        ({"account_id": 999999}, "account_id"),
        ({"account_id": None}, "account_id"),
        ({"person_id": 999999}, "person_id"),
        ({"owner_id": 999999}, "owner_id"),
        ({"won_deal_id": 999999}, "won_deal_id"),
        ({"lines": [{"description": "x", "amount": "-1"}]}, "lines[0].amount"),
        ({"lines": [{"description": "", "amount": "1"}]}, "lines.0.description"),
        ({"name": ""}, "name"),
        ({"name": "a\x00b"}, ""),
        ({"surprise": 1}, "surprise"),
        ({"start_date": "2027-02-30"}, "start_date"),
    ],
)
def test_bad_input_is_refused_and_nothing_stored(
    api: ApiClient, account: dict[str, Any], fields: dict[str, Any], field: str
) -> None:
    response = api.post("/contracts", json=contract_body(account["id"], **fields))
    assert response.status_code == 422, response.text
    details = response.json()["error"].get("details", [])
    assert any(detail["field"].startswith(field) for detail in details), details
    assert count_rows(api.database, "contracts") == 0
    assert count_rows(api.database, "contract_lines") == 0


def test_an_open_deal_cannot_be_the_won_deal(api: ApiClient, account: dict[str, Any]) -> None:
    deal = api.created("/deals", {"name": "Acme", "account_id": account["id"]})
    response = api.post("/contracts", json=contract_body(account["id"], won_deal_id=deal["id"]))
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["message"] == f"deal {deal['id']} is not won"


def test_bad_update_changes_nothing(api: ApiClient, account: dict[str, Any]) -> None:
    contract = api.created("/contracts", contract_body(account["id"]))
    for body in ({"end_date": "2026-06-30"}, {"start_date": "2028-01-01"}, {"status": None}):
        assert api.patch(f"/contracts/{contract['id']}", json=body).status_code == 422
    assert api.get(f"/contracts/{contract['id']}").json() == contract | {
        "updated_at": contract["updated_at"]
    }


def test_list_filters_sorts_and_pages(api: ApiClient, account: dict[str, Any]) -> None:
    other = api.created("/accounts", {"name": "Globex"})
    ends = ["2027-03-31", "2027-06-30", "2027-09-30"]
    made = [
        api.created("/contracts", contract_body(account["id"], name=f"C{i}", end_date=end))
        for i, end in enumerate(ends)
    ]
    api.created("/contracts", contract_body(other["id"], name="G", status="draft"))
    ids = [
        c["id"] for c in api.get("/contracts", params={"account_id": account["id"]}).json()["items"]
    ]
    assert ids == [c["id"] for c in made]
    window = api.get(
        "/contracts", params={"ending_after": "2027-04-01", "ending_before": "2027-09-30"}
    ).json()["items"]
    assert [c["name"] for c in window] == ["C1", "C2"]
    assert [
        c["name"] for c in api.get("/contracts", params={"status": "draft"}).json()["items"]
    ] == ["G"]
    first = api.get("/contracts", params={"limit": 2, "sort": "-name"}).json()
    assert [c["name"] for c in first["items"]] == ["G", "C2"]
    second = api.get(
        "/contracts", params={"limit": 2, "sort": "-name", "cursor": first["next_cursor"]}
    ).json()
    assert [c["name"] for c in second["items"]] == ["C1", "C0"]
    assert second["next_cursor"] is None
    assert [c["name"] for c in api.get("/contracts", params={"search": "c1"}).json()["items"]] == [
        "C1"
    ]
    for params in (
        {"sort": "mrr"},
        {"status": "paused"},
        {"ending_before": "soon"},
        {"limit": 501},
        {"cursor": "nope"},
    ):
        response = api.get("/contracts", params=params)
        assert response.status_code == 422, params
        assert "error" in response.json()


def test_reps_edit_only_their_own_contracts_and_viewers_nothing(
    api: ApiClient, account: dict[str, Any]
) -> None:
    contract = api.created("/contracts", contract_body(account["id"]))
    rep, rep_user = api.as_new_user("rep")
    viewer, _ = api.as_new_user("viewer")
    assert rep.patch(f"/contracts/{contract['id']}", json={"notes": "mine"}).status_code == 403
    assert rep.delete(f"/contracts/{contract['id']}").status_code == 403
    assert viewer.post("/contracts", json=contract_body(account["id"])).status_code == 403
    own = rep.post("/contracts", json=contract_body(account["id"], name="Rep's"))
    assert own.status_code == 201
    assert own.json()["owner_id"] == rep_user.id
    given = rep.post("/contracts", json=contract_body(account["id"], owner_id=contract["owner_id"]))
    assert given.status_code == 403
    assert rep.patch(f"/contracts/{own.json()['id']}", json={"notes": "ok"}).status_code == 200
    assert rep.post("/contracts/renewals/run").status_code == 403
    assert count_rows(api.database, "contracts") == 2


def test_renewal_run_makes_one_deal_per_term(api: ApiClient, account: dict[str, Any]) -> None:
    today = date.today()
    due = api.created(
        "/contracts",
        contract_body(
            account["id"],
            name="Due",
            start_date=(today - timedelta(days=300)).isoformat(),
            end_date=(today + timedelta(days=60)).isoformat(),
        ),
    )
    api.created(
        "/contracts",
        contract_body(
            account["id"],
            name="Later",
            start_date=(today - timedelta(days=10)).isoformat(),
            end_date=(today + timedelta(days=200)).isoformat(),
        ),
    )
    run = api.post("/contracts/renewals/run")
    assert run.status_code == 200, run.text
    created = run.json()["created"]
    assert [(c["contract_id"], c["amount"], c["currency"]) for c in created] == [
        (due["id"], "12000.00", "EUR")
    ]
    deal = api.get(f"/deals/{created[0]['deal_id']}").json()
    assert deal["name"] == "Renewal: Due"
    assert deal["amount"] == "12000.00"
    assert deal["expected_close_date"] == due["end_date"]
    assert deal["account_id"] == account["id"]
    assert deal["status"] == "open"
    assert deal["source"] == "renewal"
    assert api.get(f"/contracts/{due['id']}").json()["renewal_deal_id"] == deal["id"]
    assert api.post("/contracts/renewals/run").json() == {"created": [], "skipped": []}


def test_metrics_of_a_quarter(api: ApiClient) -> None:
    names = ["Kept", "Grew", "Left", "New"]
    accounts = {name: api.created("/accounts", {"name": name})["id"] for name in names}
    # Opening (2026-12-31): Kept 1200, Grew 2400, Left 1200 = 4800.
    # Closing (2027-03-31): Kept 1200, Grew 3600, New 600 = 5400.
    for name, start, end, mrr in (
        ("Kept", "2026-06-01", "2027-05-31", "100"),
        ("Grew", "2026-01-01", "2027-12-31", "200"),
        ("Grew", "2027-02-01", "2027-12-31", "100"),
        ("Left", "2026-01-01", "2027-01-31", "100"),
        ("New", "2027-03-01", "2028-02-29", "50"),
    ):
        api.created(
            "/contracts",
            contract_body(accounts[name], start_date=start, end_date=end, mrr=mrr, currency="USD"),
        )
    metrics = api.get("/contracts/metrics", params={"period": "2027-Q1"}).json()
    assert metrics == {
        "period": "2027-Q1",
        "start": "2027-01-01",
        "end": "2027-03-31",
        "currency": "USD",
        "opening_arr": "4800.00",
        "closing_arr": "5400.00",
        "new_arr": "600.00",
        "expansion_arr": "1200.00",
        "contraction_arr": "0.00",
        "churned_arr": "1200.00",
        "net_revenue_retention": "100.00",
        "gross_revenue_retention": "75.00",
        "customers_opening": 3,
        "customers_closing": 3,
        "customers_new": 1,
        "customers_churned": 1,
        "unconverted_currencies": [],
    }
    for bad in ("2027-Q5", "2027", "Q1", "2027-13"):
        response = api.get("/contracts/metrics", params={"period": bad})
        assert response.status_code == 422
        assert response.json()["error"]["details"][0]["field"] == "period"
    assert api.get("/contracts/metrics").status_code == 422
