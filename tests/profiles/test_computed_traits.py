"""Computed traits kept current load by load: hand-computed values, identity changes, and
incremental == full recompute after random sequences of loads (both databases)."""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import func, select

from ecommerce_support import at, moment, order_event, person_of, query, send, snapshot
from twofold.ingest.runtime import Ingestion
from twofold.profiles.queries import computed_traits
from twofold.profiles.refresh import rebuild_profiles
from twofold.store.database import Database
from twofold.store.models import IdentityMapping


def viewed(category: str, hours: float, **who: str) -> dict[str, Any]:
    return {
        "type": "track",
        "event": "Product Viewed",
        "timestamp": at(hours),
        **who,
        "properties": {"product_id": f"p-{category}", "category": category},
    }


def counts(traits: dict[str, Any]) -> dict[tuple[str, str | None], int]:
    return {(row["type"], row["name"]): row["count"] for row in traits["event_counts"]}


def test_traits_after_each_load(ingestion: Ingestion, source_id: int) -> None:
    ann = {"userId": "u-ann"}
    send(
        ingestion,
        source_id,
        viewed("hats", 0, **ann),
        viewed("shoes", 1, **ann),
        viewed("hats", 2, **ann),
    )
    person = person_of(ingestion, "u-ann")
    traits = computed_traits(ingestion.store, person)
    assert (traits["first_seen"], traits["last_seen"], traits["events"]) == (
        moment(0),
        moment(2),
        3,
    )
    assert counts(traits) == {("track", "Product Viewed"): 3}
    assert traits["favourite_category"] == "hats"  # hats 2, shoes 1
    assert (traits["orders"], traits["revenue"], traits["last_order_at"]) == (0, [], None)

    # An order with two pairs of shoes (one line) and a scarf; events arrive late (hour -1).
    send(
        ingestion,
        source_id,
        order_event(
            "Order Completed",
            "O-1",
            3,
            who=ann,
            total="90.00",
            currency="EUR",
            products=[
                {"price": 40, "quantity": 2, "category": "shoes"},
                {"price": 10, "category": "scarves"},
            ],
        ),
        {"type": "page", "name": "Home", "timestamp": at(-1), **ann},
    )
    traits = computed_traits(ingestion.store, person)
    assert (traits["first_seen"], traits["last_seen"], traits["events"]) == (
        moment(-1),
        moment(3),
        5,
    )
    assert counts(traits) == {
        ("track", "Product Viewed"): 3,
        ("track", "Order Completed"): 1,
        ("page", None): 1,
    }
    # hats 2, shoes 1 + 1 (an order line counts once, whatever its quantity): a tie, and
    # "hats" comes first alphabetically.
    assert traits["favourite_category"] == "hats"
    assert (traits["orders"], traits["last_order_at"]) == (1, moment(3))
    assert traits["revenue"] == [
        {
            "currency": "EUR",
            "orders": 1,
            "revenue": "90.00",
            "average_order_value": "90.00",
            "last_order_at": moment(3),
        }
    ]
    send(ingestion, source_id, viewed("shoes", 4, **ann))
    assert computed_traits(ingestion.store, person)["favourite_category"] == "shoes"  # 3 vs 2


def test_a_device_history_joins_the_person_who_identifies(
    ingestion: Ingestion, source_id: int
) -> None:
    device = {"anonymousId": "dev-7"}
    send(
        ingestion,
        source_id,
        viewed("lamps", 0, **device),
        viewed("lamps", 1, **device),
        order_event("Order Completed", "L-1", 2, who=device, total="35.00", currency="EUR"),
    )
    send(ingestion, source_id, viewed("rugs", 5, userId="u-bo"))
    bo = person_of(ingestion, "u-bo")
    before = computed_traits(ingestion.store, bo)
    assert (before["events"], before["orders"], before["favourite_category"]) == (1, 0, "rugs")

    send(
        ingestion,
        source_id,
        {"type": "identify", "userId": "u-bo", "anonymousId": "dev-7", "timestamp": at(6)},
    )
    after = computed_traits(ingestion.store, bo)
    # 3 device events + 1 rug view + the identify = 5, from hour 0 to hour 6.
    assert (after["events"], after["first_seen"], after["last_seen"]) == (5, moment(0), moment(6))
    assert counts(after) == {
        ("track", "Product Viewed"): 3,
        ("track", "Order Completed"): 1,
        ("identify", None): 1,
    }
    assert after["favourite_category"] == "lamps"  # lamps 2, rugs 1
    assert (after["orders"], after["last_order_at"]) == (1, moment(2))
    assert after["revenue"][0]["revenue"] == "35.00"
    assert query(ingestion, "SELECT count(*) FROM person_changes") == [(0,)]


def test_events_moved_to_another_person_leave_the_first(
    ingestion: Ingestion, source_id: int, database: Database
) -> None:
    send(
        ingestion,
        source_id,
        viewed("tents", 0, userId="u-cy"),
        order_event("Order Completed", "T-1", 1, who={"userId": "u-cy"}, total="200.00"),
        viewed("maps", 2, userId="u-di"),
    )
    cy, di = person_of(ingestion, "u-cy"), person_of(ingestion, "u-di")
    # A re-assignment (as a merge will do): u-cy's next mapping version names Di.
    reassign(database, "user_id", "u-cy", di)
    send(ingestion, source_id, viewed("maps", 3, userId="u-di"))

    assert computed_traits(ingestion.store, cy)["events"] == 0
    assert computed_traits(ingestion.store, cy)["revenue"] == []
    moved = computed_traits(ingestion.store, di)
    assert (moved["events"], moved["orders"], moved["first_seen"]) == (4, 1, moment(0))
    assert moved["favourite_category"] == "maps"  # maps 2, tents 1
    assert query(ingestion, "SELECT person_id FROM orders WHERE order_id = 'T-1'") == [(di,)]


def reassign(database: Database, kind: str, value: str, person_id: int) -> None:
    with database.transaction() as session:
        version = session.scalar(
            select(func.max(IdentityMapping.version)).where(
                IdentityMapping.kind == kind, IdentityMapping.value == value
            )
        )
        session.add(
            IdentityMapping(
                kind=kind,
                value=value,
                version=(version or 0) + 1,
                person_id=person_id,
                reason="merge",
            )
        )


ORDER_NAMES = ("Order Completed", "Order Updated", "Order Refunded", "Order Cancelled")
CATEGORIES = ("hats", "shoes", "lamps", None)


def random_message(rng: random.Random, hour: float) -> dict[str, Any]:
    who: dict[str, str] = rng.choice(
        [{"userId": f"u-{rng.randint(1, 4)}"}, {"anonymousId": f"d-{rng.randint(1, 6)}"}]
    )
    kind = rng.random()
    if kind < 0.15:
        return {
            "type": "identify",
            "userId": f"u-{rng.randint(1, 4)}",
            "anonymousId": f"d-{rng.randint(1, 6)}",
            "timestamp": at(hour),
        }
    if kind < 0.3:
        return {"type": "page", "name": "Home", "timestamp": at(hour), **who}
    if kind < 0.55:
        category = rng.choice(CATEGORIES)
        properties = {"category": category} if category else {}
        return {
            "type": "track",
            "event": "Product Viewed",
            "timestamp": at(hour),
            **who,
            "properties": properties,
        }
    products = [
        {
            "price": str(rng.randint(1, 30)),
            "quantity": rng.randint(1, 3),
            "category": rng.choice(CATEGORIES),
        }
        for _ in range(rng.randint(0, 2))
    ]
    amounts: dict[str, Any] = rng.choice(
        [
            {"total": f"{rng.randint(5, 90)}.{rng.randint(0, 99):02d}"},
            {"revenue": rng.randint(1, 50)},
            {},
        ]
    )
    return order_event(
        rng.choices(ORDER_NAMES, weights=(6, 2, 2, 1))[0],
        f"R-{rng.randint(1, 12)}",
        hour,
        who=who,
        products=products,
        currency=rng.choice(["EUR", "USD"]),
        **amounts,
    )


def test_incremental_equals_full_recompute_after_random_loads(
    ingestion: Ingestion, source_id: int, database: Database
) -> None:
    rng = random.Random(20261123)
    for step in range(16):
        messages = [random_message(rng, rng.uniform(0, 48)) for _ in range(rng.randint(1, 8))]
        if step % 5 == 4:  # now and then, a re-assignment as a merge would make
            persons = [row[0] for row in query(ingestion, "SELECT person_id FROM identity_map")]
            users = [
                row[0]
                for row in query(ingestion, "SELECT value FROM identity_map WHERE kind = 'user_id'")
            ]
            if persons and users:
                reassign(database, "user_id", rng.choice(users), rng.choice(persons))
        send(ingestion, source_id, *messages)
        incremental = snapshot(ingestion)
        rebuild_profiles(ingestion.store)
        assert snapshot(ingestion) == incremental, f"differs after load {step + 1}"
    assert incremental["orders"], "the random loads made no order"
    assert incremental["person_revenue"], "the random loads gave nobody revenue"
