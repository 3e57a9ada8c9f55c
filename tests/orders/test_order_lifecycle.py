"""Orders from Segment ecommerce events, through the real pipeline, on both databases.

Every expected value is worked out by hand in the comments.
"""

from __future__ import annotations

from typing import Any

import pytest

from ecommerce_support import moment, order_event, person_of, query, send, snapshot
from twofold.core.errors import NotFound
from twofold.core.time import utcnow
from twofold.ingest.messages import Receipt, journal_line
from twofold.ingest.runtime import Ingestion
from twofold.orders.queries import OrderFilters, get_order, list_orders
from twofold.profiles import refresh
from twofold.profiles.queries import computed_traits

ANN = {"userId": "u-ann"}

SHOES = {
    "product_id": "p-1",
    "sku": "SH-1",
    "name": "Trail shoe",
    "price": "50.00",
    "quantity": 2,
    "category": "shoes",
}
SOCKS = {
    "product_id": "p-2",
    "sku": "SO-1",
    "name": "Wool socks",
    "price": 20,
    "quantity": 1,
    "category": "socks",
}


def order(ingestion: Ingestion, source_id: int, order_id: str) -> dict[str, Any]:
    return get_order(ingestion.store, source_id=source_id, order_id=order_id)


def economics(ingestion: Ingestion, person_id: int) -> tuple[int, list[tuple[str, ...]], Any]:
    traits = computed_traits(ingestion.store, person_id)
    revenue = [
        (row["currency"], str(row["orders"]), row["revenue"], row["average_order_value"])
        for row in traits["revenue"]
    ]
    return traits["orders"], revenue, traits["last_order_at"]


def test_order_lifecycle_create_update_partial_refund_cancel(
    ingestion: Ingestion, source_id: int
) -> None:
    # Placed: 2 x 50.00 shoes + 1 x 20.00 socks, total 125.00 with shipping, revenue 120.00.
    send(
        ingestion,
        source_id,
        order_event(
            "Order Completed",
            "A-1",
            0,
            who=ANN,
            total="125.00",
            revenue="120.00",
            currency="eur",
            channel="web",
            products=[SHOES, SOCKS],
        ),
    )
    ann = person_of(ingestion, "u-ann")
    placed = order(ingestion, source_id, "A-1")
    assert placed | {"lines": None} == {
        "source_id": source_id,
        "order_id": "A-1",
        "person_id": ann,
        "status": "completed",
        "currency": "EUR",
        "total": "125.00",
        "revenue": "120.00",
        "refunded": "0.00",
        "net": "125.00",
        "channel": "web",
        "placed_at": moment(0),
        "updated_at": moment(0),
        "lines": None,
    }
    assert [
        (line["line_number"], line["sku"], line["quantity"], line["price"], line["line_total"])
        for line in placed["lines"]
    ] == [(1, "SH-1", 2, "50.00", "100.00"), (2, "SO-1", 1, "20.00", "20.00")]
    assert economics(ingestion, ann) == (1, [("EUR", "1", "125.00", "125.00")], moment(0))

    # Updated: a second pair of socks, total 145.00.
    socks_twice = {**SOCKS, "quantity": 2}
    send(
        ingestion,
        source_id,
        order_event("Order Updated", "A-1", 1, who=ANN, total=145, products=[SHOES, socks_twice]),
    )
    updated = order(ingestion, source_id, "A-1")
    assert (updated["status"], updated["total"], updated["net"]) == ("updated", "145.00", "145.00")
    assert updated["revenue"] == "120.00"  # the update did not restate revenue
    assert [line["quantity"] for line in updated["lines"]] == [2, 2]
    assert updated["placed_at"] == moment(0)
    assert updated["updated_at"] == moment(1)
    assert economics(ingestion, ann) == (1, [("EUR", "1", "145.00", "145.00")], moment(0))

    # Partial refund of one pair of socks: 20.00. Net 145.00 - 20.00 = 125.00.
    send(
        ingestion,
        source_id,
        order_event("Order Refunded", "A-1", 2, who=ANN, total="20.00", products=[SOCKS]),
    )
    refunded = order(ingestion, source_id, "A-1")
    assert (refunded["status"], refunded["total"], refunded["refunded"], refunded["net"]) == (
        "refunded",
        "145.00",
        "20.00",
        "125.00",
    )
    assert [line["quantity"] for line in refunded["lines"]] == [2, 2]  # lines stay as ordered

    # A second order of 75.00: 2 orders, 125.00 + 75.00 = 200.00, average 100.00.
    send(
        ingestion,
        source_id,
        order_event("Order Completed", "A-2", 3, who=ANN, total="75.00", currency="EUR"),
    )
    assert economics(ingestion, ann) == (2, [("EUR", "2", "200.00", "100.00")], moment(3))

    # Cancelling the first order: it no longer counts; 1 order of 75.00, last order still A-2.
    send(ingestion, source_id, order_event("Order Cancelled", "A-1", 4, who=ANN))
    cancelled = order(ingestion, source_id, "A-1")
    assert (cancelled["status"], cancelled["refunded"], cancelled["net"]) == (
        "cancelled",
        "20.00",
        "0.00",
    )
    assert economics(ingestion, ann) == (1, [("EUR", "1", "75.00", "75.00")], moment(3))

    # Cancelling the second as well: no orders, no revenue, no last order.
    send(ingestion, source_id, order_event("Order Cancelled", "A-2", 5, who=ANN))
    assert economics(ingestion, ann) == (0, [], None)


def test_a_refund_without_an_amount_refunds_the_whole_order(
    ingestion: Ingestion, source_id: int
) -> None:
    send(
        ingestion,
        source_id,
        order_event("Order Completed", "B-1", 0, who=ANN, total="80.00", currency="USD"),
        order_event("Order Refunded", "B-1", 1, who=ANN),
    )
    refunded = order(ingestion, source_id, "B-1")
    assert (refunded["status"], refunded["refunded"], refunded["net"]) == (
        "refunded",
        "80.00",
        "0.00",
    )
    # Still an order (it happened), worth nothing: average 0.00.
    assert economics(ingestion, person_of(ingestion, "u-ann"))[:2] == (
        1,
        [("USD", "1", "0.00", "0.00")],
    )


def test_refunds_add_up_but_never_exceed_the_total(ingestion: Ingestion, source_id: int) -> None:
    send(
        ingestion,
        source_id,
        order_event("Order Completed", "C-1", 0, who=ANN, total="100.00", currency="GBP"),
        # 30.00 as a negative revenue, then 40.00 from its products (2 x 20.00): 70.00.
        order_event("Order Refunded", "C-1", 1, who=ANN, revenue=-30),
        order_event(
            "Order Refunded", "C-1", 2, who=ANN, products=[{"price": "20.00", "quantity": 2}]
        ),
    )
    assert order(ingestion, source_id, "C-1")["refunded"] == "70.00"
    send(ingestion, source_id, order_event("Order Refunded", "C-1", 3, who=ANN, total=50))
    # 70.00 + 50.00 = 120.00, capped at the total: 100.00 refunded, net 0.00.
    capped = order(ingestion, source_id, "C-1")
    assert (capped["refunded"], capped["net"]) == ("100.00", "0.00")


def test_total_falls_back_to_revenue_then_to_the_lines(
    ingestion: Ingestion, source_id: int
) -> None:
    send(
        ingestion,
        source_id,
        order_event("Order Completed", "D-1", 0, who=ANN, revenue="42.50"),
        order_event("Order Completed", "D-2", 0, who=ANN, products=[SHOES, SOCKS]),
    )
    assert order(ingestion, source_id, "D-1")["total"] == "42.50"
    assert order(ingestion, source_id, "D-1")["currency"] == "USD"  # Segment's default
    assert order(ingestion, source_id, "D-2")["total"] == "120.00"  # 2 x 50.00 + 20.00


def test_events_arriving_out_of_order_give_the_same_order(
    ingestion: Ingestion, source_id: int
) -> None:
    # The update (later timestamp) arrives first; the newest by timestamp still wins.
    send(ingestion, source_id, order_event("Order Updated", "E-1", 2, who=ANN, total=90))
    early = order(ingestion, source_id, "E-1")
    assert (early["status"], early["total"], early["placed_at"]) == ("updated", "90.00", moment(2))
    send(ingestion, source_id, order_event("Order Completed", "E-1", 0, who=ANN, total=60))
    late = order(ingestion, source_id, "E-1")
    assert (late["status"], late["total"], late["placed_at"]) == ("updated", "90.00", moment(0))


def test_anonymous_checkout_gets_its_person_when_identified(
    ingestion: Ingestion, source_id: int
) -> None:
    guest = {"anonymousId": "device-9"}
    send(
        ingestion,
        source_id,
        order_event("Order Completed", "F-1", 0, who=guest, total="30.00", currency="EUR"),
    )
    assert order(ingestion, source_id, "F-1")["person_id"] is None
    send(
        ingestion,
        source_id,
        {
            "type": "identify",
            "userId": "u-guest",
            "anonymousId": "device-9",
            "traits": {"email": "guest@example.com"},
        },
    )
    guest_id = person_of(ingestion, "u-guest")
    assert order(ingestion, source_id, "F-1")["person_id"] == guest_id
    assert economics(ingestion, guest_id) == (1, [("EUR", "1", "30.00", "30.00")], moment(0))
    items, _ = list_orders(ingestion.store, OrderFilters(person_id=guest_id), limit=10, cursor=None)
    assert [item["order_id"] for item in items] == ["F-1"]


def test_list_filters_and_pages(ingestion: Ingestion, source_id: int) -> None:
    send(
        ingestion,
        source_id,
        *(order_event("Order Completed", f"G-{n}", n, who=ANN, total=n + 1) for n in range(5)),
        order_event("Order Cancelled", "G-1", 6, who=ANN),
    )
    first, cursor = list_orders(ingestion.store, OrderFilters(), limit=2, cursor=None)
    second, cursor2 = list_orders(ingestion.store, OrderFilters(), limit=2, cursor=cursor)
    third, end = list_orders(ingestion.store, OrderFilters(), limit=2, cursor=cursor2)
    assert [o["order_id"] for o in first + second + third] == ["G-4", "G-3", "G-2", "G-1", "G-0"]
    assert end is None
    cancelled, _ = list_orders(
        ingestion.store, OrderFilters(status="cancelled"), limit=10, cursor=None
    )
    assert [o["order_id"] for o in cancelled] == ["G-1"]
    window, _ = list_orders(
        ingestion.store, OrderFilters(since=moment(1), until=moment(3)), limit=10, cursor=None
    )
    assert [o["order_id"] for o in window] == ["G-2", "G-1"]
    with pytest.raises(NotFound):
        get_order(ingestion.store, source_id=source_id, order_id="nope")


def test_a_refresh_rerun_after_a_crash_counts_nothing_twice(
    ingestion: Ingestion, source_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    send(ingestion, source_id, order_event("Order Completed", "H-1", 0, who=ANN, total=10))
    before = snapshot(ingestion)
    (load_id,) = query(ingestion, "SELECT max(load_id) FROM derived_loads")[0]
    # The step for an already counted load changes nothing.
    refresh.refresh_after_load(ingestion.store, load_id)
    assert snapshot(ingestion) == before

    # A step that dies half-way leaves nothing behind; run again, it counts the load once.
    def crash(_cursor: object) -> None:
        raise RuntimeError("power cut")

    monkeypatch.setattr(refresh, "summarise", crash)
    send_without_check(
        ingestion, source_id, order_event("Order Completed", "H-2", 1, who=ANN, total=20)
    )
    assert snapshot(ingestion) == before
    (pending,) = refresh.underived_loads(ingestion.store)
    monkeypatch.undo()
    refresh.refresh_after_load(ingestion.store, pending)
    refresh.refresh_after_load(ingestion.store, pending)
    ann = person_of(ingestion, "u-ann")
    assert economics(ingestion, ann) == (2, [("USD", "2", "30.00", "15.00")], moment(1))


def send_without_check(ingestion: Ingestion, source_id: int, message: dict[str, Any]) -> None:
    """Send and wait, then clear the error the failing step left (it is expected here)."""
    receipt = Receipt(source_id=source_id, received_at=utcnow())
    ingestion.journal.append_blocking(journal_line(message, receipt))
    ingestion.flush()
    ingestion.last_error = None
