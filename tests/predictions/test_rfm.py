"""RFM scores and groups on a hand-worked example, ties, and the grid itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crm_orders_support import NOW, add_order, days_ago
from twofold.events.store import EventStore
from twofold.orders.base_currency import stage_purchases
from twofold.predictions.rfm import GROUP_NAMES, RFM_GROUPS, rfm_scores


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EventStore]:
    events = EventStore(tmp_path / "events.duckdb")
    yield events
    events.close()


def scores(store: EventStore) -> dict[int, tuple[float, float, float, str, str]]:
    with store.reader() as reader:
        stage_purchases(reader, base_currency="USD", rates=[], until=NOW)
        found = rfm_scores(reader, as_of=NOW.date())
    return {
        int(person): (recency, frequency, monetary, str(score), str(group))
        for person, recency, frequency, monetary, score, group in zip(
            found.person_ids, found.recency, found.frequency, found.monetary,
            found.rfm_score, found.rfm_group, strict=True,
        )
    }  # fmt: skip


def test_five_customers_worked_by_hand(store: EventStore) -> None:
    # 1: 3 orders of 100 (2, 30, 60 days ago); 2: one of 500 (10 days ago);
    # 3: 2 of 50 (100, 200); 4: one of 20 (400); 5: 2 of 80 (5, 40).
    for person, orders in {
        1: [(2, 100), (30, 100), (60, 100)], 2: [(10, 500)], 3: [(100, 50), (200, 50)],
        4: [(400, 20)], 5: [(5, 80), (40, 80)],
    }.items():  # fmt: skip
        for ago, amount in orders:
            add_order(store, person, days_ago(ago), amount)
    add_order(store, 4, days_ago(1), 900, status="cancelled")
    # With five customers the quintile of a value is its rank; ties share the lower one:
    # R by recency (400, 200→100, 10, 5, 2 days) = 4:1, 3:2, 2:3, 5:4, 1:5;
    # F: 2 and 4 (1 order) rank 1 → 1; 3 and 5 (2 orders) rank 3 → 3; 1 (3 orders) → 5;
    # M: 4 (20) 1, 3 (100) 2, 5 (160) 3, 1 (300) 4, 2 (500) 5; FM = (F + M + 1) // 2.
    assert scores(store) == {
        1: (2.0, 3.0, 300.0, "554", "Champions"),  # R5 FM5
        2: (10.0, 1.0, 500.0, "315", "Need Attention"),  # R3 FM3
        3: (100.0, 2.0, 100.0, "232", "At Risk"),  # R2 FM3
        4: (400.0, 1.0, 20.0, "111", "Lost"),  # R1 FM1
        5: (5.0, 2.0, 160.0, "433", "Loyal"),  # R4 FM3
    }


def test_identical_customers_get_identical_scores(store: EventStore) -> None:
    for person in range(1, 11):
        add_order(store, person, days_ago(30), 50)
    found = scores(store)
    assert {row[3:] for row in found.values()} == {("111", "Lost")}


def test_ten_customers_fill_each_quintile_twice(store: EventStore) -> None:
    for person in range(1, 11):  # person p: p orders of 10 * p, the last p days ago
        for order in range(person):
            add_order(store, person, days_ago(person + 30 * order), 10 * person)
    found = scores(store)
    # R: person 10 is the least recent → 1; F and M grow with the person.
    assert [found[p][3] for p in range(1, 11)] == [
        "511", "511", "422", "422", "333", "333", "244", "244", "155", "155",
    ]  # fmt: skip
    assert [found[p][4] for p in range(1, 11)] == [
        "New", "New", "Potential Loyalist", "Potential Loyalist", "Need Attention",
        "Need Attention", "At Risk", "At Risk", "Can't Lose Them", "Can't Lose Them",
    ]  # fmt: skip


def test_the_grid_covers_every_cell_and_names_every_group() -> None:
    assert set(RFM_GROUPS) == {(r, fm) for r in range(1, 6) for fm in range(1, 6)}
    assert set(RFM_GROUPS.values()) == set(GROUP_NAMES)
    assert len(GROUP_NAMES) == 11
