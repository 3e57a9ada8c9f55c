"""Products and price books over HTTP: CRUD, variants, bundles, prices, permissions, and
every bad input answered with a 4xx JSON error with nothing stored."""

from __future__ import annotations

from typing import Any

import pytest

from support import ApiClient, count_rows


def product(api: ApiClient, sku: str, **fields: Any) -> dict[str, Any]:
    return api.created("/products", {"sku": sku, "name": sku.title(), **fields})


def test_products_variants_bundles_and_the_catalogue(api: ApiClient) -> None:
    shirt = product(
        api,
        "SHIRT",
        category="apparel",
        url="https://shop.example.com/shirt",
        image_url="https://cdn.example.com/shirt.png",
    )
    large = product(api, "SHIRT-L", parent_id=shirt["id"], options={"size": "L"})
    assert large["parent_id"] == shirt["id"]
    assert large["options"] == {"size": "L"}
    cap = product(api, "CAP", unit="piece")
    kit = product(
        api,
        "KIT",
        components=[
            {"product_id": large["id"], "quantity": "2"},
            {"product_id": cap["id"], "quantity": "1"},
        ],
    )
    assert kit["is_bundle"] is True
    assert [(c["sku"], c["quantity"]) for c in kit["components"]] == [
        ("CAP", "1"),
        ("SHIRT-L", "2"),
    ]
    variants = api.get("/products", params={"parent_id": shirt["id"]}).json()["items"]
    assert [item["sku"] for item in variants] == ["SHIRT-L"]
    off = api.patch(
        f"/products/{cap['id']}", json={"is_active": False}, headers={"If-Match": '"1"'}
    )
    assert off.status_code == 200, off.text
    active = api.get("/products", params={"is_active": "true"}).json()["items"]
    assert sorted(item["sku"] for item in active) == ["KIT", "SHIRT", "SHIRT-L"]
    found = api.get("/products", params={"search": "shirt-"}).json()["items"]
    assert [item["sku"] for item in found] == ["SHIRT-L"]


def test_price_books_one_standard_per_currency_and_prices(api: ApiClient) -> None:
    seat = product(api, "SEAT")
    book = api.created(
        "/price-books",
        {
            "name": "EUR list",
            "currency": "eur",
            "is_standard": True,
            "prices": [{"product_id": seat["id"], "unit_price": "49.5"}],
        },
    )
    assert book["currency"] == "EUR"
    assert book["prices"] == [
        {"product_id": seat["id"], "sku": "SEAT", "name": "Seat", "unit_price": "49.50"}
    ]
    second = api.post(
        "/price-books", json={"name": "EUR other", "currency": "EUR", "is_standard": True}
    )
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "conflict"
    enterprise = api.created(
        "/price-books", {"name": "EUR enterprise", "currency": "EUR", "tier": "enterprise"}
    )
    twice = api.post(
        "/price-books", json={"name": "EUR ent 2", "currency": "EUR", "tier": "enterprise"}
    )
    assert twice.status_code == 409
    changed = api.patch(
        f"/price-books/{enterprise['id']}",
        json={"prices": [{"product_id": seat["id"], "unit_price": "40"}]},
    )
    assert changed.json()["prices"][0]["unit_price"] == "40.00"
    removed = api.patch(
        f"/price-books/{enterprise['id']}",
        json={"prices": [{"product_id": seat["id"], "unit_price": None}]},
    )
    assert removed.json()["prices"] == []
    listed = api.get("/price-books").json()["items"]
    assert [item["name"] for item in listed] == ["EUR enterprise", "EUR list"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"sku": "", "name": "x"}, 422),
        ({"sku": "A B", "name": "x"}, 422),
        ({"sku": "A", "name": ""}, 422),
        ({"sku": "A", "name": "x", "url": "javascript:alert(1)"}, 422),
        ({"sku": "A", "name": "x", "parent_id": 999}, 422),
        ({"sku": "A", "name": "x", "components": [{"product_id": 999}]}, 422),
        ({"sku": "A", "name": "x", "unknown": 1}, 422),
        ({"sku": "A", "name": "x\u0000"}, 422),
    ],
)
def test_bad_products_are_refused(api: ApiClient, body: dict[str, Any], status: int) -> None:
    response = api.post("/products", json=body)
    assert response.status_code == status, response.text
    assert "error" in response.json()
    assert count_rows(api.database, "products") == 0


def test_bad_components_prices_and_permissions(api: ApiClient) -> None:
    seat = product(api, "SEAT")
    kit = product(api, "KIT", components=[{"product_id": seat["id"], "quantity": "2"}])
    for quantity in ("0", "-1", "abc", "1.00001"):
        bad = api.post(
            "/products",
            json={
                "sku": "K2",
                "name": "k",
                "components": [{"product_id": seat["id"], "quantity": quantity}],
            },
        )
        assert bad.status_code == 422, quantity
    nested = api.post(
        "/products", json={"sku": "K3", "name": "k", "components": [{"product_id": kit["id"]}]}
    )
    assert nested.status_code == 422
    taken = api.post("/products", json={"sku": "SEAT", "name": "again"})
    assert taken.status_code == 409
    assert count_rows(api.database, "products") == 2
    for price in ("-1", "1.234", "NaN", "x"):
        bad = api.post(
            "/price-books",
            json={
                "name": "B",
                "currency": "EUR",
                "prices": [{"product_id": seat["id"], "unit_price": price}],
            },
        )
        assert bad.status_code == 422, price
    unknown = api.post("/price-books", json={"name": "B", "currency": "XXY"})
    assert unknown.status_code == 422
    standard_tier = api.post(
        "/price-books", json={"name": "B", "currency": "EUR", "is_standard": True, "tier": "smb"}
    )
    assert standard_tier.status_code == 422
    assert count_rows(api.database, "price_books") == 0
    rep, _ = api.as_new_user("rep")
    assert rep.post("/products", json={"sku": "R", "name": "r"}).status_code == 403
    assert rep.get(f"/products/{seat['id']}").status_code == 200
    assert api.get("/products/999").status_code == 404
