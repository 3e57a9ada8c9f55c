"""The orders and profile endpoints at their boundaries (data sent as Shopify webhooks)."""

from __future__ import annotations

import httpx
from shopify_support import ORDER_ID, Shop, payload


def test_orders_and_profiles_need_an_api_key(shop: Shop) -> None:
    for path in (
        "/orders",
        f"/orders/{shop.source_id}/{ORDER_ID}",
        "/persons/1/profile",
        "/privacy-requests",
    ):
        answer = httpx.get(f"{shop.url}/api/v1{path}", timeout=30)
        assert answer.status_code == 401, path
        assert answer.json()["error"]["code"] == "not_authenticated"


def test_bad_order_queries_are_refused(shop: Shop) -> None:
    shop.deliver("orders/create", payload("orders_create"))
    shop.loaded()
    for params, field in (
        ({"status": "shipped"}, "status"),
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"since": "2026-03-03T00:00:00Z", "until": "2026-03-02T00:00:00Z"}, "since"),
        ({"since": "tuesday"}, "since"),
        ({"person_id": 0}, "person_id"),
    ):
        answer = shop.api.get("/orders", params=params)
        assert answer.status_code == 422, params
        fields = [detail["field"] for detail in answer.json()["error"]["details"]]
        assert any(field in name for name in fields), (params, fields)
    assert shop.api.get(f"/orders/{shop.source_id}/no-such-order").status_code == 404
    assert shop.api.get(f"/orders/{shop.source_id + 1}/{ORDER_ID}").status_code == 404
    assert shop.api.get("/persons/999999/profile").status_code == 404


def test_order_pages_follow_the_cursor(shop: Shop) -> None:
    for number in range(3):
        order = payload("orders_create")
        order["id"] = 5800000000100 + number
        order["created_at"] = f"2026-03-0{number + 1}T10:00:00+01:00"
        assert shop.deliver("orders/create", order).status_code == 200
    shop.loaded()
    first = shop.api.get("/orders", params={"limit": 2}).json()
    second = shop.api.get("/orders", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [o["order_id"] for o in first["items"] + second["items"]] == [
        "5800000000102",
        "5800000000101",
        "5800000000100",
    ]
    assert second["next_cursor"] is None
    since = shop.api.get("/orders", params={"since": "2026-03-02T09:00:00Z"}).json()
    assert [o["order_id"] for o in since["items"]] == ["5800000000102", "5800000000101"]


def test_a_profile_without_events_is_empty_not_missing(shop: Shop) -> None:
    created = shop.api.post(
        "/persons",
        json={"first_name": "Noor", "last_name": "Bakker", "emails": ["noor@example.com"]},
    )
    assert created.status_code == 201, created.text
    profile = shop.api.get(f"/persons/{created.json()['id']}/profile").json()
    assert profile["computed"] == {
        "first_seen": None,
        "last_seen": None,
        "events": 0,
        "event_counts": [],
        "orders": 0,
        "last_order_at": None,
        "revenue": [],
        "favourite_category": None,
    }
    assert (profile["identities"], profile["latest_orders"]) == ([], [])
