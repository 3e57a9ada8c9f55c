"""Shopify-format webhooks against a live server, on both databases: HMAC, de-duplication,
the order lifecycle, customers, privacy topics and every bad input."""

from __future__ import annotations

import copy
import time
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from shopify_support import (
    MILA,
    ORDER_ID,
    SECRET,
    Shop,
    order_cancelled,
    order_updated,
    payload,
)

from twofold.shopify.secrets import webhook_secret


def order(shop: Shop) -> dict[str, Any]:
    answer = shop.api.get(f"/orders/{shop.source_id}/{ORDER_ID}")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def profile_of(shop: Shop, person_id: int) -> dict[str, Any]:
    answer = shop.api.get(f"/persons/{person_id}/profile")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def economics(profile: dict[str, Any]) -> tuple[int, list[tuple[str, str, str]]]:
    computed = profile["computed"]
    revenue = [(r["currency"], r["revenue"], r["average_order_value"]) for r in computed["revenue"]]
    return computed["orders"], revenue


def test_order_lifecycle_through_webhooks(shop: Shop) -> None:
    assert shop.deliver("orders/create", payload("orders_create")).status_code == 200
    shop.loaded()
    placed = order(shop)
    # 2 x 89.00 + 15.00 = 193.00 subtotal, + 7.00 shipping = 200.00 (tax included).
    assert {key: placed[key] for key in ("status", "total", "revenue", "refunded", "net")} == {
        "status": "completed",
        "total": "200.00",
        "revenue": "193.00",
        "refunded": "0.00",
        "net": "200.00",
    }
    assert (placed["currency"], placed["channel"]) == ("EUR", "web")
    assert placed["placed_at"] == "2026-03-02T09:15:42Z"
    assert [
        (line["sku"], line["name"], line["quantity"], line["price"], line["line_total"])
        for line in placed["lines"]
    ] == [
        ("TR2-42-MOSS", "Trail Runner 2", 2, "89.00", "178.00"),
        ("MHS-M", "Merino Hiking Socks", 1, "15.00", "15.00"),
    ]
    person_id = placed["person_id"]
    profile = profile_of(shop, person_id)
    assert (profile["first_name"], profile["last_name"]) == ("Mila", "Jansen")
    assert {(i["kind"], i["value"]) for i in profile["identities"]} == {
        ("user_id", MILA),
        ("email", "mila.jansen@example.com"),
        ("phone", "+31612345678"),
        ("anonymous_id", f"shopify-order:{ORDER_ID}"),
    }
    assert economics(profile) == (1, [("EUR", "200.00", "200.00")])

    # Edited: a second pair of socks, 215.00.
    assert shop.deliver("orders/updated", order_updated()).status_code == 200
    shop.loaded()
    updated = order(shop)
    assert (updated["status"], updated["total"], updated["revenue"]) == (
        "updated",
        "215.00",
        "208.00",
    )
    assert [line["line_total"] for line in updated["lines"]] == ["178.00", "30.00"]
    assert economics(profile_of(shop, person_id)) == (1, [("EUR", "215.00", "215.00")])

    # One pair of socks refunded: 15.00 back, 200.00 net.
    assert shop.deliver("refunds/create", payload("refunds_create")).status_code == 200
    shop.loaded()
    refunded = order(shop)
    assert (refunded["status"], refunded["refunded"], refunded["net"]) == (
        "refunded",
        "15.00",
        "200.00",
    )
    assert refunded["person_id"] == person_id
    assert economics(profile_of(shop, person_id)) == (1, [("EUR", "200.00", "200.00")])

    # Cancelled: no longer an order of Mila's.
    assert shop.deliver("orders/updated", order_cancelled()).status_code == 200
    shop.loaded()
    assert (order(shop)["status"], order(shop)["net"]) == ("cancelled", "0.00")
    final = profile_of(shop, person_id)
    assert economics(final) == (0, [])
    counts = {(c["type"], c["name"]): c["count"] for c in final["computed"]["event_counts"]}
    assert counts == {
        ("identify", None): 3,
        ("track", "Order Completed"): 1,
        ("track", "Order Updated"): 1,
        ("track", "Order Refunded"): 1,
        ("track", "Order Cancelled"): 1,
    }
    assert [o["status"] for o in final["latest_orders"]] == ["cancelled"]
    listed = shop.api.get("/orders", params={"person_id": person_id, "status": "cancelled"})
    assert [o["order_id"] for o in listed.json()["items"]] == [ORDER_ID]


def test_a_webhook_delivered_twice_is_stored_once(shop: Shop) -> None:
    for _ in range(3):
        answer = shop.deliver("orders/create", payload("orders_create"), webhook_id="wh-1")
        assert answer.status_code == 200
    shop.loaded()
    assert shop.count("SELECT count(*) FROM events WHERE message_id = 'wh-1'") == 1
    assert shop.count("SELECT count(*) FROM events WHERE message_id = 'wh-1:identify'") == 1
    assert shop.count("SELECT count(*) FROM orders") == 1
    person_id = order(shop)["person_id"]
    assert economics(profile_of(shop, person_id)) == (1, [("EUR", "200.00", "200.00")])


def test_a_new_customer_is_identified_and_keeps_their_orders(shop: Shop) -> None:
    assert shop.deliver("customers/create", payload("customers_create")).status_code == 200
    shop.loaded()
    persons = shop.api.get("/persons", params={"email": "joris.de.vries@example.com"}).json()
    (joris,) = persons["items"]
    assert (joris["first_name"], joris["last_name"]) == ("Joris", "de Vries")
    identities = {(i["kind"], i["value"]) for i in profile_of(shop, joris["id"])["identities"]}
    assert identities == {
        ("user_id", "shopify:7300000000002"),
        ("email", "joris.de.vries@example.com"),
        ("phone", "+31201234567"),
    }
    # His first order names him by customer id only.
    his_order = copy.deepcopy(payload("orders_create"))
    his_order["customer"] = {"id": 7300000000002}
    his_order["email"] = his_order["contact_email"] = None
    assert shop.deliver("orders/create", his_order).status_code == 200
    shop.loaded()
    assert order(shop)["person_id"] == joris["id"]


def test_a_guest_checkout_is_identified_by_email(shop: Shop) -> None:
    guest = copy.deepcopy(payload("orders_create"))
    guest["customer"] = None
    guest["email"] = "walk.in@example.com"
    assert shop.deliver("orders/create", guest).status_code == 200
    shop.loaded()
    person_id = order(shop)["person_id"]
    assert person_id is not None
    identities = {(i["kind"], i["value"]) for i in profile_of(shop, person_id)["identities"]}
    assert identities == {
        ("email", "walk.in@example.com"),
        ("anonymous_id", f"shopify-order:{ORDER_ID}"),
    }


@pytest.mark.parametrize(
    ("how", "headers", "secret"),
    [
        ("wrong secret", {}, "shpss_not-the-right-one"),
        ("missing header", {"X-Shopify-Hmac-Sha256": ""}, SECRET),
        ("garbage", {"X-Shopify-Hmac-Sha256": "bm90IGEgc2lnbmF0dXJl"}, SECRET),
    ],
)
def test_a_bad_or_missing_signature_is_refused(
    shop: Shop, how: str, headers: dict[str, str], secret: str
) -> None:
    answer = shop.deliver("orders/create", payload("orders_create"), secret=secret, headers=headers)
    assert answer.status_code == 401, how
    assert answer.json()["error"]["code"] == "invalid_signature"
    shop.loaded()
    assert shop.count("SELECT count(*) FROM events") == 0


def test_a_tampered_body_is_refused(shop: Shop) -> None:
    body = orjson.dumps(payload("orders_create"))
    signature = shop.deliver("orders/create", b"{}").request.headers["X-Shopify-Hmac-Sha256"]
    answer = shop.deliver("orders/create", body, signature=signature)
    assert answer.status_code == 401


def test_sources_without_a_secret_are_refused(shop: Shop) -> None:
    removed = shop.api.delete(f"/sources/{shop.source_id}/webhook-secret")
    assert removed.status_code == 204
    assert shop.deliver("orders/create", payload("orders_create")).status_code == 401
    shop.source_id = 999
    assert shop.deliver("orders/create", payload("orders_create")).status_code == 401


def test_bad_inputs_answer_clearly_and_store_nothing(shop: Shop) -> None:
    no_id = copy.deepcopy(payload("orders_create"))
    del no_id["id"]
    refund_without_order = copy.deepcopy(payload("refunds_create"))
    refund_without_order["order_id"] = None
    bad_time = copy.deepcopy(payload("orders_create"))
    bad_time["created_at"] = "yesterday"
    cases: list[tuple[str | None, Any, dict[str, str], int, str]] = [
        ("orders/create", b"<xml/>", {}, 400, "invalid_json"),
        ("orders/create", [1, 2], {}, 400, "invalid_payload"),
        ("orders/create", no_id, {}, 400, "invalid_payload"),
        ("refunds/create", refund_without_order, {}, 400, "invalid_payload"),
        ("orders/create", bad_time, {}, 400, "invalid_timestamp"),
        (None, payload("orders_create"), {}, 400, "missing_header"),
        (
            "orders/create",
            payload("orders_create"),
            {"X-Shopify-Webhook-Id": ""},
            400,
            "missing_header",
        ),
    ]
    for topic, body, headers, status, code in cases:
        answer = shop.deliver(topic, body, headers=headers)
        assert (answer.status_code, answer.json()["error"]["code"]) == (status, code), body
    shop.loaded()
    assert shop.count("SELECT count(*) FROM events") == 0


def test_unknown_topics_are_acknowledged_and_ignored(shop: Shop) -> None:
    answer = shop.deliver("products/update", {"id": 8800000000001, "title": "Trail Runner 2"})
    assert answer.status_code == 202
    assert answer.json() == {"success": True, "ignored": True, "topic": "products/update"}
    shop.loaded()
    assert shop.count("SELECT count(*) FROM events") == 0


def test_privacy_requests_are_recorded_once_for_admins(shop: Shop) -> None:
    for topic, name in (
        ("customers/data_request", "customers_data_request"),
        ("customers/redact", "customers_redact"),
        ("customers/redact", "customers_redact"),
        ("shop/redact", "shop_redact"),
    ):
        answer = shop.deliver(topic, payload(name), webhook_id=f"privacy-{name}")
        assert answer.status_code == 200
    listed = shop.api.get("/privacy-requests").json()["items"]
    # The loader may already have handled the redaction (nobody to erase here).
    statuses = {"erasure_pending", "nothing_to_erase"}
    assert listed[1]["status"] in statuses
    listed[1]["status"] = "erasure_pending"
    assert [(r["topic"], r["status"], r["customer_id"], r["order_ids"]) for r in listed] == [
        ("shop/redact", "erasure_pending", None, []),
        (
            "customers/redact",
            "erasure_pending",
            "7300000000001",
            ["5800000000001", "5800000000007"],
        ),
        (
            "customers/data_request",
            "export_pending",
            "7300000000001",
            ["5800000000001", "5800000000007"],
        ),
    ]
    assert listed[1]["email"] == "mila.jansen@example.com"
    pending = shop.api.get("/privacy-requests", params={"status": "export_pending"}).json()
    assert [r["topic"] for r in pending["items"]] == ["customers/data_request"]
    marketer, _user = shop.api.as_new_user("marketer")
    with marketer:
        assert marketer.get("/privacy-requests").status_code == 403
    shop.loaded()
    assert shop.count("SELECT count(*) FROM events") == 0  # nobody was created from them


def test_the_secret_is_sealed_and_never_shown(shop: Shop) -> None:
    shown = shop.api.get(f"/sources/{shop.source_id}/webhook-secret").json()
    assert shown["hint"] == "…9d8e"
    assert SECRET not in orjson.dumps(shown).decode()
    sealed = shop.count("SELECT count(*) FROM source_secrets WHERE sealed LIKE ?", f"%{SECRET}%")
    assert sealed == 0
    store = shop.ingestion.store
    assert webhook_secret(store, shop.source_id, "test-secret") == SECRET.encode()
    assert webhook_secret(store, shop.source_id, "another installation") is None
    assert datetime.fromisoformat(shown["set_at"]) <= datetime.now(UTC)


def test_only_admins_set_secrets_and_only_on_shopify_sources(shop: Shop) -> None:
    web = shop.api.post("/sources", json={"name": "Web", "kind": "segment"}).json()
    answer = shop.api.put(f"/sources/{web['id']}/webhook-secret", json={"secret": SECRET})
    assert answer.status_code == 422
    assert (
        shop.api.put(
            f"/sources/{shop.source_id}/webhook-secret", json={"secret": "short"}
        ).status_code
        == 422
    )
    marketer, _user = shop.api.as_new_user("marketer")
    with marketer:
        denied = marketer.put(f"/sources/{shop.source_id}/webhook-secret", json={"secret": SECRET})
        assert denied.status_code == 403
        assert marketer.get(f"/sources/{shop.source_id}/webhook-secret").status_code == 403


def test_a_redacted_customer_is_erased_with_their_orders(shop: Shop) -> None:
    assert shop.deliver("orders/create", payload("orders_create")).status_code == 200
    shop.loaded()
    person_id = order(shop)["person_id"]
    assert person_id is not None
    assert shop.count("SELECT count(*) FROM events WHERE person_id = ?", person_id) > 0
    redact = shop.deliver("customers/redact", payload("customers_redact"), webhook_id="redact-1")
    assert redact.status_code == 200
    deadline = time.monotonic() + 20
    status = "erasure_pending"
    while status == "erasure_pending" and time.monotonic() < deadline:
        shop.loaded()
        requests = shop.api.get("/privacy-requests").json()["items"]
        status = requests[0]["status"]
    assert status == "erased"
    assert shop.api.get(f"/persons/{person_id}").status_code == 404
    assert shop.count("SELECT count(*) FROM events WHERE person_id = ?", person_id) == 0
    assert shop.count("SELECT count(*) FROM orders") == 0
    # Her next order is dropped: the erased customer is not re-created.
    again = copy.deepcopy(payload("orders_create"))
    assert shop.deliver("orders/create", again, webhook_id="after-redact").status_code == 200
    shop.loaded()
    assert shop.count("SELECT count(*) FROM orders") == 0
