"""Orders written straight into a real DuckDB event store, for the tests of predictions and
customer economics on the CRM's own orders (values chosen so expectations work out by hand)."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from decimal import Decimal

import numpy as np
from sqlalchemy.orm import Session

from twofold.events.store import EventStore
from twofold.store.models import ExchangeRate

NOW = datetime(2026, 6, 15, 12, 0, 0)
_numbers = itertools.count(1)


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def add_order(
    store: EventStore,
    person_id: int | None,
    placed_at: datetime,
    net: float | str,
    *,
    currency: str = "USD",
    status: str = "completed",
    channel: str | None = "web",
    refunded: float | str = 0,
) -> str:
    """One order; ``total`` = net + refunded."""
    order_id = f"o{next(_numbers)}"
    total = Decimal(str(net)) + Decimal(str(refunded))
    with store.writer() as writer:
        writer.execute(
            "INSERT INTO orders (source_id, order_id, person_id, status, total, revenue, "
            "refunded, net, currency, channel, placed_at, updated_at) "
            "VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [order_id, person_id, status, total, total, Decimal(str(refunded)),
             Decimal(str(net)), currency, channel, placed_at, placed_at],
        )  # fmt: skip
    return order_id


def add_rate(session: Session, currency: str, valid_from: date, rate: str) -> None:
    """1 ``currency`` = ``rate`` USD from ``valid_from`` on."""
    session.add(
        ExchangeRate(
            base_currency="USD", currency=currency, valid_from=valid_from, rate=Decimal(rate)
        )
    )


def simulated_purchases(customers: int, seed: int) -> list[tuple[int, int, float]]:
    """(person, days before NOW, amount): first purchases over two years, then purchases at
    exponential gaps with a dropout chance after each (a BG/NBD-like history)."""
    rng = np.random.default_rng(seed)
    rows = []
    for person in range(1, customers + 1):
        first = int(rng.integers(1, 730))
        rate, dropout = rng.gamma(0.8, 1 / 30), rng.beta(1, 3)
        spend = rng.gamma(4, 10)
        ago = float(first)
        while ago >= 0:
            rows.append((person, int(ago), round(float(rng.gamma(6, spend / 6)) + 1, 2)))
            if rng.random() < dropout:
                break
            ago -= rng.exponential(1 / rate)
    return rows


def write_simulated(store: EventStore, customers: int = 400) -> None:
    with store.writer() as writer:
        writer.executemany(
            "INSERT INTO orders (source_id, order_id, person_id, status, total, revenue, "
            "refunded, net, currency, channel, placed_at, updated_at) "
            "VALUES (1, ?, ?, 'completed', ?, ?, 0, ?, 'USD', 'web', ?, ?)",
            [[f"s{i}", person, amount, amount, amount, days_ago(ago), days_ago(ago)]
             for i, (person, ago, amount) in enumerate(simulated_purchases(customers, 6))],
        )  # fmt: skip
