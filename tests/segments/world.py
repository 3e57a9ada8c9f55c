"""A small hand-made world in a real DuckDB event store, to evaluate rules against.

Rows are written straight into the tables the compiler reads (facts, events, orders, computed
traits, predictions), so that every expected member set in the tests can be worked out by
hand from this file.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from twofold.events.store import EventStore
from twofold.segments.compiler import compile_rule
from twofold.segments.rules import Target, parse_rule

NOW = datetime(2026, 6, 15, 12, 0, 0)


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


class World:
    """Persons 1-6, accounts 100-102, with events, orders and facts."""

    def __init__(self, path: Path) -> None:
        self.store = EventStore(path)
        self._event = 0

    def close(self) -> None:
        self.store.close()

    def members(
        self,
        rule: Any,
        *,
        target: Target = "persons",
        now: datetime = NOW,
        scope: list[int] | None = None,
    ) -> set[int]:
        query = compile_rule(parse_rule(rule, target=target), target=target, now=now, scope=scope)
        with self.store.reader() as reader:
            return {int(row[0]) for row in reader.execute(query.text, query.parameters).fetchall()}

    def person(
        self,
        person_id: int,
        *,
        email: str | None = None,
        lifecycle: str = "lead",
        traits: dict[str, Any] | None = None,
        custom: dict[str, Any] | None = None,
        created: datetime = NOW - timedelta(days=400),
    ) -> None:
        with self.store.writer() as writer:
            writer.execute(
                "INSERT INTO person_facts (person_id, first_name, last_name, email, emails, "
                "phones, lifecycle_stage, created_at, updated_at, traits, custom) "
                "VALUES (?, ?, ?, ?, ?, [], ?, ?, ?, ?, ?)",
                [
                    person_id,
                    f"P{person_id}",
                    "Test",
                    email,
                    [email] if email else [],
                    lifecycle,
                    created,
                    created,
                    orjson.dumps(traits or {}).decode(),
                    orjson.dumps(custom or {}).decode(),
                ],
            )

    def account(
        self,
        account_id: int,
        *,
        industry: str | None = None,
        employees: int | None = None,
        parent_id: int | None = None,
        custom: dict[str, Any] | None = None,
    ) -> None:
        with self.store.writer() as writer:
            writer.execute(
                "INSERT INTO account_facts (account_id, name, industry, employees, parent_id, "
                "lifecycle, custom) VALUES (?, ?, ?, ?, ?, 'prospect', ?)",
                [
                    account_id,
                    f"A{account_id}",
                    industry,
                    employees,
                    parent_id,
                    orjson.dumps(custom or {}).decode(),
                ],
            )

    def works_at(self, person_id: int, account_id: int, *, left: bool = False) -> None:
        with self.store.writer() as writer:
            writer.execute(
                "INSERT INTO person_accounts VALUES (?, ?, NULL, NULL, ?)",
                [person_id, account_id, left],
            )

    def deal(
        self, deal_id: int, account_id: int, *, kind: str = "open", amount: float = 1000
    ) -> None:
        with self.store.writer() as writer:
            writer.execute(
                "INSERT INTO deal_facts (deal_id, account_id, pipeline_id, stage_id, stage_kind, "
                "amount, currency, forecast_category) VALUES (?, ?, 1, 1, ?, ?, 'EUR', 'pipeline')",
                [deal_id, account_id, kind, amount],
            )

    def event(
        self,
        person_id: int,
        name: str,
        at: datetime,
        *,
        kind: str = "track",
        properties: dict[str, Any] | None = None,
        revenue: float | None = None,
    ) -> None:
        self._event += 1
        properties = properties or {}
        with self.store.writer() as writer:
            writer.execute(
                "INSERT INTO events (load_id, source_id, message_id, type, name, person_id, "
                "timestamp, received_at, revenue, order_id, product_id, properties) "
                "VALUES (1, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    f"m{self._event}",
                    kind,
                    name,
                    person_id,
                    at,
                    at,
                    revenue,
                    properties.get("order_id"),
                    properties.get("product_id"),
                    orjson.dumps(properties).decode(),
                ],
            )
            writer.execute(
                "INSERT INTO person_event_counts VALUES (?, ?, ?, 1, ?, ?) "
                "ON CONFLICT DO UPDATE SET events = events + 1, "
                "first_at = least(first_at, excluded.first_at), "
                "last_at = greatest(last_at, excluded.last_at)",
                [person_id, kind, name if kind == "track" else "", at, at],
            )

    def order(
        self,
        person_id: int,
        order_id: str,
        at: datetime,
        total: float,
        *,
        status: str = "completed",
        channel: str = "web",
        lines: tuple[tuple[str, str], ...] = (),
    ) -> None:
        with self.store.writer() as writer:
            writer.execute(
                "INSERT INTO orders (source_id, order_id, person_id, status, total, revenue, "
                "refunded, net, currency, channel, placed_at, updated_at) "
                "VALUES (1, ?, ?, ?, ?, ?, 0, ?, 'EUR', ?, ?, ?)",
                [order_id, person_id, status, total, total, total, channel, at, at],
            )
            for number, (product, category) in enumerate(lines, start=1):
                writer.execute(
                    "INSERT INTO order_lines (source_id, order_id, line_number, product_id, "
                    "category, quantity) VALUES (1, ?, ?, ?, ?, 1)",
                    [order_id, number, product, category],
                )

    def stats(self, person_id: int, *, orders: int, last_order_at: datetime | None) -> None:
        with self.store.writer() as writer:
            writer.execute(
                "INSERT INTO person_stats (person_id, first_seen, last_seen, events, orders, "
                "last_order_at) VALUES (?, ?, ?, 1, ?, ?)",
                [person_id, days_ago(300), days_ago(1), orders, last_order_at],
            )

    def prediction(self, person_id: int, *, churn_risk: float, rfm_group: str) -> None:
        with self.store.writer() as writer:
            writer.execute(
                "INSERT INTO person_predictions (person_id, churn_risk, rfm_group) "
                "VALUES (?, ?, ?)",
                [person_id, churn_risk, rfm_group],
            )

    def in_segment(self, segment_id: int, *members: int) -> None:
        with self.store.writer() as writer:
            for member in members:
                writer.execute(
                    "INSERT INTO segment_members VALUES (?, ?, ?)", [segment_id, member, NOW]
                )


def build(path: Path) -> World:
    """The standard world of the compiler tests (see the comments for who is who)."""
    world = World(path)
    # 1 Ann (NL, customer): 3 shoe views this week, orders of 300 and 250 this year.
    world.person(
        1,
        email="ann@example.com",
        lifecycle="customer",
        traits={"country": "NL", "age": 34, "vip": True, "address": {"city": "Utrecht"}},
    )
    # 2 Bob (BE): 2 shoe views this week, one bag view; one order of 600 two hundred days ago.
    world.person(2, email="bob@Example.com", traits={"country": "BE", "age": "41"})
    # 3 Cem (DE): viewed shoes 10 days ago only; cancelled order.
    world.person(3, email="cem@other.org", traits={"country": "DE"}, custom={"plan": "gold"})
    # 4 Dee: no traits, no events, recent signup.
    world.person(4, created=days_ago(3))
    # 5 Eve (NL): pricing page views; works at account 100 (Software).
    world.person(5, email="eve@acme.io", traits={"country": "NL"})
    # 6 Fay: works at 100 and left 101; pricing page views.
    world.person(6, email="fay@acme.io")
    for at in (days_ago(1), days_ago(2), days_ago(6)):
        world.event(1, "Product Viewed", at, properties={"category": "shoes", "price": 80})
    world.event(2, "Product Viewed", days_ago(0.5), properties={"category": "shoes", "price": 120})
    world.event(2, "Product Viewed", days_ago(6.9), properties={"category": "Shoes", "price": 60})
    world.event(2, "Product Viewed", days_ago(2), properties={"category": "bags", "price": 300})
    world.event(3, "Product Viewed", days_ago(10), properties={"category": "shoes", "price": 99})
    world.event(1, "Order Completed", days_ago(20), revenue=300, properties={"order_id": "o1"})
    world.event(1, "Order Completed", days_ago(100), revenue=250, properties={"order_id": "o2"})
    world.event(2, "Order Completed", days_ago(200), revenue=600, properties={"order_id": "o3"})
    for person, at in ((5, days_ago(3)), (5, days_ago(40)), (6, days_ago(5))):
        world.event(person, "Pricing", at, kind="page", properties={"path": "/pricing"})
    world.order(1, "o1", days_ago(20), 300, lines=(("sku-1", "shoes"),))
    world.order(1, "o2", days_ago(100), 250, channel="store", lines=(("sku-2", "bags"),))
    world.order(2, "o3", days_ago(200), 600, lines=(("sku-1", "shoes"),))
    world.order(3, "o4", days_ago(5), 90, status="cancelled")
    world.stats(1, orders=2, last_order_at=days_ago(20))
    world.stats(2, orders=1, last_order_at=days_ago(200))
    world.prediction(1, churn_risk=0.1, rfm_group="Champions")
    world.prediction(2, churn_risk=0.8, rfm_group="At Risk")
    world.account(100, industry="Software", employees=250)
    world.account(101, industry="Software", employees=40, parent_id=100)
    world.account(102, industry="Retail", employees=5000, custom={"segment": "enterprise"})
    world.works_at(5, 100)
    world.works_at(6, 100)
    world.works_at(6, 101, left=True)
    world.works_at(1, 102)
    world.deal(1, 100, kind="won", amount=5000)
    world.deal(2, 102, kind="open", amount=20000)
    world.in_segment(7, 2, 3)  # a person segment
    world.in_segment(8, 100)  # an account segment
    return world
