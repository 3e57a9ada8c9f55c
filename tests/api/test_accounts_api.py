"""Accounts over HTTP: CRUD, hierarchy, roll-ups, search, pagination, concurrency."""

from __future__ import annotations

from support import ApiClient, count_rows


def test_create_read_update_account(api: ApiClient) -> None:
    created = api.created(
        "/accounts",
        {
            "name": "Acme Corp",
            "domains": ["https://www.Acme.com/about"],
            "industry": "Software",
            "employees": 1200,
            "annual_revenue": "25000000.50",
            "annual_revenue_currency": "eur",
            "country": "nl",
            "tier": "enterprise",
        },
    )
    assert created["domains"] == ["acme.com"]
    assert created["annual_revenue"] == "25000000.50"
    assert created["annual_revenue_currency"] == "EUR"
    assert created["country"] == "NL"
    assert created["lifecycle"] == "prospect"
    response = api.get(f"/accounts/{created['id']}")
    assert response.headers["ETag"] == '"1"'
    patched = api.patch(
        f"/accounts/{created['id']}", json={"industry": "Fintech"}, headers={"If-Match": '"1"'}
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["industry"] == "Fintech"
    assert patched.headers["ETag"] == '"2"'
    timeline = api.get(f"/accounts/{created['id']}/timeline").json()
    assert [entry["kind"] for entry in timeline] == ["updated", "created"]
    assert timeline[0]["changes"]["industry"] == {"before": "Software", "after": "Fintech"}


def test_stale_if_match_is_refused_and_nothing_changes(api: ApiClient) -> None:
    account = api.created("/accounts", {"name": "Initech"})
    api.patch(f"/accounts/{account['id']}", json={"industry": "A"}, headers={"If-Match": '"1"'})
    stale = api.patch(
        f"/accounts/{account['id']}", json={"industry": "B"}, headers={"If-Match": '"1"'}
    )
    assert stale.status_code == 412
    assert stale.json()["error"]["code"] == "precondition_failed"
    assert api.get(f"/accounts/{account['id']}").json()["industry"] == "A"


def test_hierarchy_cycle_is_rejected(api: ApiClient) -> None:
    group = api.created("/accounts", {"name": "Group"})
    child = api.created("/accounts", {"name": "Child", "parent_id": group["id"]})
    grandchild = api.created("/accounts", {"name": "Grandchild", "parent_id": child["id"]})
    response = api.patch(f"/accounts/{group['id']}", json={"parent_id": grandchild["id"]})
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "parent_id"
    itself = api.patch(f"/accounts/{group['id']}", json={"parent_id": group["id"]})
    assert itself.status_code == 422
    assert api.get(f"/accounts/{group['id']}").json()["parent_id"] is None


def test_rollups_cover_the_subtree(api: ApiClient) -> None:
    group = api.created("/accounts", {"name": "Group"})
    child = api.created("/accounts", {"name": "Child", "parent_id": group["id"]})
    other = api.created("/accounts", {"name": "Elsewhere"})
    person = api.created("/persons", {"first_name": "Pat", "emails": ["pat@child.example"]})
    api.created("/memberships", {"person_id": person["id"], "account_id": child["id"]})
    pipeline = api.get("/pipelines").json()["items"][0]
    won = next(s for s in pipeline["stages"] if s["kind"] == "won")
    api.created("/deals", {"name": "Open", "account_id": child["id"], "amount": "1000.00"})
    api.created(
        "/deals", {"name": "Open 2", "account_id": group["id"], "amount": "500", "currency": "EUR"}
    )
    api.created(
        "/deals",
        {"name": "Won", "account_id": child["id"], "amount": "2500", "stage_id": won["id"]},
    )
    api.created("/deals", {"name": "Not ours", "account_id": other["id"], "amount": "9999"})
    rollup = api.get(f"/accounts/{group['id']}/rollup").json()
    assert rollup == {
        "accounts": 2,
        "people": 1,
        "open_deals": 2,
        "open_pipeline": {"EUR": "500.00", "USD": "1000.00"},
        "won_revenue": {"USD": "2500.00"},
    }
    tree = api.get(f"/accounts/{child['id']}/hierarchy").json()
    assert tree["name"] == "Group"
    assert [c["name"] for c in tree["children"]] == ["Child"]


def test_search_filter_and_cursor_pagination(api: ApiClient) -> None:
    for index in range(7):
        api.created(
            "/accounts",
            {
                "name": f"Zeta {index}",
                "domains": [f"zeta{index}.io"],
                "industry": "Retail" if index % 2 else "Software",
            },
        )
    api.created("/accounts", {"name": "Société Générale", "domains": ["socgen.fr"]})
    assert [
        a["name"] for a in api.get("/accounts", params={"search": "societe"}).json()["items"]
    ] == ["Société Générale"]
    assert len(api.get("/accounts", params={"search": "ZETA3.IO"}).json()["items"]) == 1
    assert api.get("/accounts", params={"search": "%"}).json()["items"] == []
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 3, "industry": "Software"} | ({"cursor": cursor} if cursor else {})
        page = api.get("/accounts", params=params).json()
        seen += [a["name"] for a in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["Zeta 0", "Zeta 2", "Zeta 4", "Zeta 6"]
    by_name = api.get("/accounts", params={"sort": "name", "limit": 2}).json()["next_cursor"]
    for sort in ("updated_at", "id", "-name"):
        mismatch = api.get("/accounts", params={"sort": sort, "cursor": by_name})
        assert mismatch.status_code == 422, sort
        assert mismatch.json()["error"]["details"][0]["field"] == "cursor"
    descending = api.get("/accounts", params={"sort": "-name", "limit": 2}).json()
    assert [a["name"] for a in descending["items"]] == ["Zeta 6", "Zeta 5"]


def test_bad_account_input_is_refused_and_nothing_stored(api: ApiClient) -> None:
    before = count_rows(api.database, "accounts")
    cases = [
        ({"name": ""}, 422),
        ({"name": "X", "country": "Narnia"}, 422),
        ({"name": "X", "domains": ["not a domain"]}, 422),
        ({"name": "X", "annual_revenue": "12.345", "annual_revenue_currency": "USD"}, 422),
        ({"name": "X", "annual_revenue": "100"}, 422),
        ({"name": "X", "employees": "many"}, 422),
        ({"name": "X", "tier": "gold"}, 422),
        ({"name": "X", "parent_id": 999999}, 422),
        ({"name": "X", "unknown_field": 1}, 422),
    ]
    for body, expected in cases:
        response = api.post("/accounts", json=body)
        assert response.status_code == expected, (body, response.text)
        error = response.json()["error"]
        assert error["code"] == "validation_error"
        assert error["message"]
    assert count_rows(api.database, "accounts") == before


def test_delete_account_with_children_conflicts(api: ApiClient) -> None:
    group = api.created("/accounts", {"name": "Group"})
    api.created("/accounts", {"name": "Child", "parent_id": group["id"]})
    assert api.delete(f"/accounts/{group['id']}").status_code == 409
    lone = api.created("/accounts", {"name": "Lone"})
    assert api.delete(f"/accounts/{lone['id']}").status_code == 204
    assert api.get(f"/accounts/{lone['id']}").status_code == 404
