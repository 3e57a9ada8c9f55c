"""Purchases with order lines written straight into a real DuckDB event store, and a
synthetic shop with planted co-purchase structure (families of products bought together,
plus a few products everybody buys)."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable
from datetime import datetime, timedelta

from twofold.core.time import naive_utc, utcnow
from twofold.events.store import EventStore

_orders = itertools.count(1)
Purchase = tuple[int, datetime, list[str]]  # person, placed at, SKUs


def add_purchases(store: EventStore, purchases: Iterable[Purchase], *, price: str = "10") -> None:
    """One order per purchase, one line per SKU (named "Product <sku>")."""
    orders, lines = [], []
    for person, placed_at, skus in purchases:
        order_id = f"r{next(_orders)}"
        at = naive_utc(placed_at)
        orders.append((order_id, person, at))
        lines += [(order_id, number, sku) for number, sku in enumerate(skus, start=1)]
    with store.writer() as writer:
        writer.executemany(
            "INSERT INTO orders (source_id, order_id, person_id, status, total, revenue, refunded,"
            " net, currency, channel, placed_at, updated_at)"
            " VALUES (1, ?, ?, 'completed', 10, 10, 0, 10, 'USD', 'web', ?, ?)",
            [(order_id, person, at, at) for order_id, person, at in orders],
        )
        writer.executemany(
            "INSERT INTO order_lines (source_id, order_id, line_number, product_id, sku, name,"
            " price, quantity) VALUES (1, ?, ?, ?, ?, ?, ?, 1)",
            [(o, n, f"id-{sku}", sku, f"Product {sku}", price) for o, n, sku in lines],
        )


FAMILIES = 12
PER_FAMILY = 6
POPULAR = ("POP-1", "POP-2", "POP-3")


def family_of(sku: str) -> int | None:
    """``F3-2`` is in family 3; the popular products are in none."""
    return int(sku[1:].split("-", maxsplit=1)[0]) if sku.startswith("F") else None


def planted_shop(people: int, *, seed: int, now: datetime | None = None) -> list[Purchase]:
    """Each person likes one family: two orders of its products 400-60 days ago (often with a
    popular product), then one order 40-1 days ago of a family product they did not have."""
    rng = random.Random(seed)
    now = now or utcnow()
    purchases: list[Purchase] = []
    for person in range(1, people + 1):
        family = rng.randrange(FAMILIES)
        skus = [f"F{family}-{item}" for item in rng.sample(range(PER_FAMILY), 4)]
        first = [skus[0], skus[1], *([rng.choice(POPULAR)] if rng.random() < 0.7 else [])]
        second = [skus[2], *([rng.choice(POPULAR)] if rng.random() < 0.7 else [])]
        purchases += [
            (person, now - timedelta(days=rng.uniform(200, 400)), first),
            (person, now - timedelta(days=rng.uniform(60, 199)), second),
            (person, now - timedelta(days=rng.uniform(1, 40)), [skus[3]]),
        ]
    return purchases
