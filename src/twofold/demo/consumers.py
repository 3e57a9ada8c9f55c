"""The demo company's web shop: consumers, their behaviour and their orders, as Segment events.

The events are written as a JSONL file in Segment's message shape and imported through the
same pipeline as live traffic (``Ingestion.run_import``): identity resolution creates the
consumers as persons from their ``identify`` calls, attaches their anonymous browsing, and
keeps their traits. Some consumers use the email of a B2B contact already in the CRM, so the
demo shows one person who is both a contact and a customer.

Deterministic: the same seed, size and ``now`` write the same file.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final

from sqlalchemy import select

from twofold.demo.names import NAME_POOLS, ascii_slug
from twofold.store.database import Database
from twofold.store.models import Person

MIN_CONSUMERS: Final = 50
MAX_CONSUMERS: Final = 20_000
HISTORY_DAYS: Final = 365
CITIES: Final = (
    ("Amsterdam", "NL"), ("Utrecht", "NL"), ("Berlin", "DE"), ("Munich", "DE"),
    ("Paris", "FR"), ("Lyon", "FR"), ("London", "GB"), ("Manchester", "GB"),
    ("Brussels", "BE"), ("Antwerp", "BE"), ("New York", "US"), ("Austin", "US"),
)  # fmt: skip
CATALOG: Final = (
    ("shoes", ("Trail Runner", "City Sneaker", "Leather Boot", "Sandal", "Court Classic"), 49, 180),
    ("apparel", ("Rain Jacket", "Merino Sweater", "Denim Jacket", "Linen Shirt", "Fleece"),
     25, 220),
    ("electronics", ("Wireless Earbuds", "Smart Watch", "E-Reader", "Speaker", "Power Bank"),
     19, 399),
    ("home", ("Coffee Grinder", "Desk Lamp", "Chef Knife", "Throw Blanket", "Planter"), 15, 140),
    ("beauty", ("Face Serum", "Hand Cream", "Shampoo Bar", "Sunscreen", "Lip Balm"), 6, 60),
)  # fmt: skip
CAMPAIGNS: Final = ("welcome", "spring-sale", "back-in-stock", "win-back", "newsletter")


@dataclass(frozen=True)
class Product:
    """One catalogue item."""

    product_id: str
    sku: str
    name: str
    category: str
    price: float


def catalogue() -> list[Product]:
    """Twenty-five products in five categories, with stable ids and prices."""
    products = []
    for category, names, low, high in CATALOG:
        for index, name in enumerate(names):
            price = round(low + (high - low) * ((index * 37) % 100) / 100, 2) + 0.95
            products.append(
                Product(
                    f"{category[:3]}-{index + 1:03d}",
                    f"SKU-{category[:3].upper()}{index + 1}",
                    name,
                    category,
                    round(price, 2),
                )
            )
    return products


MAX_SESSIONS = 40  # visits of a shopper who never leaves (most are cut short by now)


def consumer_count(persons: int) -> int:
    """How many web-shop customers go with a demo company of ``persons`` B2B people."""
    return max(MIN_CONSUMERS, min(MAX_CONSUMERS, persons // 2))


def write_consumer_events(
    database: Database, path: Path, *, consumers: int, seed: int, now: datetime
) -> int:
    """Write the web shop's history as JSONL; returns the number of events."""
    rng = random.Random(f"{seed}-consumers")  # noqa: S311 (reproducible demo data, not secrets)
    contact_emails = _some_contact_emails(database, limit=max(3, consumers // 20))
    products = catalogue()
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for index in range(consumers):
            email = contact_emails[index] if index < len(contact_emails) else None
            for message in _consumer_story(rng, index, products, now=now, email=email):
                if datetime.fromisoformat(message["timestamp"]) > now:
                    continue  # an email opened "in three days" has not happened yet
                handle.write(json.dumps(message, separators=(",", ":")) + "\n")
                count += 1
    return count


def _some_contact_emails(database: Database, *, limit: int) -> list[str]:
    with database.transaction(write=False) as session:
        rows = session.scalars(
            select(Person.primary_email)
            .where(Person.primary_email.is_not(None))
            .order_by(Person.id)
            .limit(limit)
        )
        return [email for email in rows if email]


def _consumer_story(
    rng: random.Random, index: int, products: list[Product], *, now: datetime, email: str | None
) -> Iterator[dict[str, Any]]:
    """One consumer's year: anonymous browsing, sign-up, sessions, orders, emails, support."""
    culture = rng.choice(list(NAME_POOLS))
    first = rng.choice(NAME_POOLS[culture].first)
    last = rng.choice(NAME_POOLS[culture].last)
    city, country = rng.choice(CITIES)
    user_id = f"cust-{index + 1:06d}"
    anonymous_id = f"anon-{rng.getrandbits(64):016x}"
    email = email or f"{ascii_slug(first)}.{ascii_slug(last)}{index + 1}@example-mail.com"
    favourite = rng.choice(CATALOG)[0]
    moment = now - timedelta(days=rng.uniform(1, HISTORY_DAYS), hours=rng.uniform(0, 12))
    ids = {"anonymousId": anonymous_id}
    identified = False
    # Shoppers differ in loyalty: each has their own chance of never coming back after an
    # order (beta-distributed), as the BG/NBD model assumes.
    leave = rng.betavariate(1.2, 3.0)
    sessions = MAX_SESSIONS
    # Shoppers differ in how often they come back (a gamma-distributed pace, mean 1): with one
    # pace for all, the purchase models could not tell customers apart (r runs away).
    pace = rng.gammavariate(1.2, 1 / 1.2)
    # ... and in how much they buy of what they choose (so spend differs between customers).
    quantity = 1 + min(3, int(rng.expovariate(1.0)))
    order_number = 0
    for session in range(sessions):
        if moment >= now:
            break
        yield _page(ids, moment, "Home")
        browsing = rng.choices(
            products,
            weights=[4 if p.category == favourite else 1 for p in products],
            k=rng.randint(1, 5),
        )
        for product in browsing:
            moment += timedelta(seconds=rng.randint(20, 240))
            yield _track(ids, moment, "Product Viewed", _product_properties(product))
        if not identified and (session > 0 or rng.random() < 0.4):
            moment += timedelta(seconds=30)
            ids = {"userId": user_id, "anonymousId": anonymous_id}
            identified = True
            yield {
                "type": "identify",
                **ids,
                "timestamp": _iso(moment),
                "traits": {
                    "email": email,
                    "firstName": first,
                    "lastName": last,
                    "city": city,
                    "country": country,
                    "newsletter": rng.random() < 0.7,
                },
            }
        if rng.random() < 0.45:
            chosen = browsing[: rng.randint(1, len(browsing))]
            for product in chosen:
                moment += timedelta(seconds=rng.randint(10, 90))
                yield _track(
                    ids, moment, "Product Added", {**_product_properties(product), "quantity": 1}
                )
            if identified and rng.random() < 0.6:
                order_number += 1
                moment += timedelta(minutes=rng.randint(2, 15))
                yield _track(ids, moment, "Checkout Started", {"value": _total(chosen)})
                moment += timedelta(minutes=rng.randint(1, 6))
                yield _track(
                    ids,
                    moment,
                    "Order Completed",
                    _order(user_id, order_number, chosen, rng, quantity=quantity),
                )
                if rng.random() < leave:
                    return
                if rng.random() < 0.5:
                    yield _track(
                        ids,
                        moment + timedelta(seconds=5),
                        "Loyalty Points Earned",
                        {
                            "points": int(_total(chosen)),
                            "tier": rng.choice(("bronze", "silver", "gold")),
                        },
                    )
        if identified and rng.random() < 0.5:
            yield from _campaign(rng, ids, moment, favourite)
        if identified and rng.random() < 0.05:
            yield _track(
                ids,
                moment + timedelta(days=1),
                "Ticket Created",
                {"subject": "Where is my order?", "priority": "normal"},
            )
        moment += timedelta(days=rng.expovariate(pace / 35))


def _campaign(
    rng: random.Random, ids: dict[str, str], moment: datetime, favourite: str
) -> Iterator[dict[str, Any]]:
    """A newsletter opened (and sometimes clicked) within three days."""
    campaign = rng.choice(CAMPAIGNS)
    opened = moment + timedelta(days=rng.uniform(0.2, 3))
    yield _track(ids, opened, "Email Opened", {"campaign": campaign, "channel": "email"})
    if rng.random() < 0.4:
        yield _track(
            ids,
            opened + timedelta(minutes=1),
            "Email Link Clicked",
            {"campaign": campaign, "url": f"https://shop.example/{favourite}"},
        )


def _page(ids: dict[str, str], moment: datetime, name: str) -> dict[str, Any]:
    return {
        "type": "page",
        **ids,
        "name": name,
        "timestamp": _iso(moment),
        "properties": {"path": "/", "url": "https://shop.example/"},
    }


def _track(
    ids: dict[str, str], moment: datetime, event: str, properties: dict[str, Any]
) -> dict[str, Any]:
    return {
        "type": "track",
        **ids,
        "event": event,
        "timestamp": _iso(moment),
        "properties": properties,
        "context": {"library": {"name": "twofold-demo"}},
    }


def _product_properties(product: Product) -> dict[str, Any]:
    return {
        "product_id": product.product_id,
        "sku": product.sku,
        "name": product.name,
        "category": product.category,
        "price": product.price,
        "currency": "EUR",
    }


def _total(products: list[Product]) -> float:
    return round(sum(product.price for product in products), 2)


def _order(
    user_id: str, number: int, products: list[Product], rng: random.Random, *, quantity: int
) -> dict[str, Any]:
    discount = round(_total(products) * quantity * 0.1, 2) if rng.random() < 0.2 else 0.0
    total = round(_total(products) * quantity - discount, 2)
    return {
        "order_id": f"{user_id}-{number}",
        "total": total,
        "revenue": total,
        "discount": discount,
        "currency": "EUR",
        "channel": "web",
        "products": [{**_product_properties(p), "quantity": quantity} for p in products],
    }


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")
