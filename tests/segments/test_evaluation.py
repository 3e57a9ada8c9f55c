"""Every condition type and operator against members worked out by hand (see world.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from world import NOW, World, build, days_ago

EVERYONE = {1, 2, 3, 4, 5, 6}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    built = build(tmp_path_factory.mktemp("segments") / "events.duckdb")
    yield built
    built.close()


def shoes(op: str = "eq", value: Any = "shoes") -> list[dict[str, Any]]:
    return [{"property": "category", "op": op, "value": value}]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        # -- operators, on traits (sent by sources) ---------------------------------------
        ({"trait": "country", "op": "eq", "value": "NL"}, {1, 5}),
        ({"trait": "country", "op": "neq", "value": "NL"}, {2, 3}),  # no value: no match
        ({"trait": "country", "op": "in", "value": ["NL", "BE"]}, {1, 2, 5}),
        ({"trait": "country", "op": "not_in", "value": ["NL", "BE"]}, {3}),
        ({"trait": "age", "op": "gt", "value": 34}, {2}),  # "41" is read as a number
        ({"trait": "age", "op": "gte", "value": 34}, {1, 2}),
        ({"trait": "age", "op": "lt", "value": 41}, {1}),
        ({"trait": "age", "op": "lte", "value": 41}, {1, 2}),
        ({"trait": "age", "op": "between", "value": [30, 40]}, {1}),
        ({"trait": "age", "op": "eq", "value": 41}, {2}),
        ({"trait": "age", "op": "in", "value": [34, "x"]}, {1}),
        ({"trait": "age", "op": "not_in", "value": [34]}, {2}),
        ({"trait": "email", "op": "contains", "value": "EXAMPLE"}, {1, 2}),
        ({"trait": "email", "op": "starts_with", "value": "eve@"}, {5}),
        ({"trait": "email", "op": "ends_with", "value": "@example.com"}, {1, 2}),
        ({"trait": "email", "op": "eq", "value": "bob@example.com"}, set()),  # eq is exact
        ({"trait": "country", "op": "exists"}, {1, 2, 3, 5}),
        ({"trait": "country", "op": "not_exists"}, {4, 6}),
        ({"trait": "vip", "op": "eq", "value": True}, {1}),
        ({"trait": "address.city", "op": "eq", "value": "Utrecht"}, {1}),
        # -- record fields, custom fields, computed traits --------------------------------
        ({"trait": "lifecycle_stage", "op": "eq", "value": "customer"}, {1}),
        ({"trait": "plan", "op": "eq", "value": "gold"}, {3}),  # a custom field
        ({"trait": "created_at", "op": "gt", "value": "2026-06-01"}, {4}),
        (
            {"trait": "created_at", "op": "between", "value": ["2025-01-01", "2025-12-31"]},
            {1, 2, 3, 5, 6},
        ),
        ({"trait": "order_count", "op": "gte", "value": 2}, {1}),
        ({"trait": "last_order_at", "op": "lt", "value": "2026-01-01"}, {2}),
        # -- events -------------------------------------------------------------------------
        ({"event": "Product Viewed"}, {1, 2, 3}),
        ({"event": "Product Viewed", "within_days": 7}, {1, 2}),
        (
            {"event": "Product Viewed", "where": shoes(), "count": {"gte": 3}, "within_days": 7},
            {1},
        ),
        (
            {
                "event": "Product Viewed",
                "where": shoes("contains", "SHOE"),
                "count": {"gte": 2},
                "within_days": 7,
            },
            {1, 2},
        ),
        ({"event": "Product Viewed", "count": {"eq": 3}}, {1, 2}),
        ({"event": "Product Viewed", "count": {"lt": 2}}, {3, 4, 5, 6}),  # 0 counts
        (
            {"event": "Product Viewed", "within_days": 7, "count": {"between": [0, 1]}},
            {3, 4, 5, 6},
        ),
        (
            {
                "event": "Product Viewed",
                "where": [{"property": "price", "op": "gte", "value": 100}],
            },
            {2},
        ),
        ({"event": "Product Viewed", "max": "price", "gte": 300}, {2}),
        ({"event": "Product Viewed", "avg": "price", "between": [80, 100]}, {1, 3}),
        ({"event": "Product Viewed", "min": "price", "lt": 70}, {2}),
        ({"event": "Order Completed", "sum": "revenue", "gte": 500, "within_days": 365}, {1, 2}),
        ({"event": "Order Completed", "sum": "revenue", "gte": 500, "within_days": 150}, {1}),
        ({"event": "Order Completed", "sum": "revenue", "lt": 100}, {3, 4, 5, 6}),  # 0 counts
        ({"event": "Order Completed", "last_seen_days_ago": {"gt": 180}}, {2}),
        ({"event": "Order Completed", "last_seen_days_ago": {"lte": 30}}, {1}),
        ({"event": "Order Completed", "first_seen_days_ago": {"gt": 90}}, {1, 2}),
        ({"event": "Product Viewed", "first_seen_days_ago": {"between": [5, 7]}}, {1, 2}),
        ({"event": "Product Viewed", "between": ["2026-06-05", "2026-06-05"]}, {3}),
        (
            {
                "event": "Order Completed",
                "where": [{"property": "order_id", "op": "eq", "value": "o3"}],
            },
            {2},
        ),
        ({"not": {"event": "Order Completed", "within_days": 30}}, {2, 3, 4, 5, 6}),
        ({"event": "Page Viewed", "within_days": 30}, {5, 6}),
        (
            {
                "event": "Page Viewed",
                "where": [{"property": "name", "op": "eq", "value": "Pricing"}],
                "count": {"gte": 2},
            },
            {5},
        ),
        (
            {
                "event": "Page Viewed",
                "where": [{"property": "path", "op": "eq", "value": "/pricing"}],
                "within_days": 4,
            },
            {5},
        ),
        ({"event": "Pricing"}, set()),  # a page's name is not a track event
        # -- orders (cancelled ones do not count unless asked for) --------------------------
        ({"order": {}}, {1, 2}),
        ({"order": {"count": {"gte": 2}}}, {1}),
        ({"order": {"within_days": 30}}, {1}),
        ({"order": {"where": [{"property": "status", "op": "eq", "value": "cancelled"}]}}, {3}),
        ({"order": {"where": [{"property": "channel", "op": "eq", "value": "store"}]}}, {1}),
        ({"order": {"where": [{"property": "category", "op": "eq", "value": "shoes"}]}}, {1, 2}),
        ({"order": {"where": [{"property": "product_id", "op": "eq", "value": "sku-2"}]}}, {1}),
        ({"order": {"sum": "total", "gte": 550}}, {1, 2}),
        ({"order": {"max": "total", "lt": 400}}, {1}),
        ({"order": {"last_seen_days_ago": {"gt": 180}}}, {2}),
        ({"order": {"count": {"eq": 0}, "within_days": 365}}, {3, 4, 5, 6}),
        # -- predictions, segments ----------------------------------------------------------
        ({"prediction": "churn_risk", "op": "gte", "value": 0.7}, {2}),
        ({"prediction": "rfm_group", "op": "in", "value": ["Champions", "Loyal"]}, {1}),
        ({"segment": 7}, {2, 3}),
        ({"not": {"segment": 7}}, {1, 4, 5, 6}),
        # -- combinators --------------------------------------------------------------------
        (
            {"all": [{"trait": "country", "op": "eq", "value": "NL"}, {"event": "Product Viewed"}]},
            {1},
        ),
        (
            {
                "any": [
                    {"segment": 7},
                    {"trait": "email", "op": "ends_with", "value": "@example.com"},
                ]
            },
            {1, 2, 3},
        ),
        ({"not": {"any": [{"event": "Product Viewed"}, {"event": "Page Viewed"}]}}, {4}),
        ({"not": {"not": {"trait": "country", "op": "eq", "value": "DE"}}}, {3}),
        # -- the person's accounts (people who left do not count) ---------------------------
        ({"account": {"field": "industry", "op": "eq", "value": "Software"}}, {5, 6}),
        ({"account": {"deal": {"stage_kind": "open"}}}, {1}),
        ({"account": {"field": "parent_id", "op": "eq", "value": 100}}, set()),  # 6 left 101
        ({"account": {"field": "segment", "op": "eq", "value": "enterprise"}}, {1}),
    ],
)
def test_person_rules_match_the_hand_computed_members(
    world: World, rule: dict[str, Any], expected: set[int]
) -> None:
    assert world.members(rule) == expected


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"field": "industry", "op": "eq", "value": "Software"}, {100, 101}),
        ({"field": "employees", "op": "gte", "value": 250}, {100, 102}),
        ({"field": "parent_id", "op": "eq", "value": 100}, {101}),
        ({"field": "segment", "op": "eq", "value": "enterprise"}, {102}),
        ({"deal": {"stage_kind": "open"}}, {102}),
        ({"deal": {"stage_kind": "won", "amount": {"op": "gte", "value": 1000}}}, {100}),
        ({"not": {"deal": {"stage_kind": "open"}}}, {100, 101}),
        ({"people": {"event": "Page Viewed", "within_days": 30}, "count": {"gte": 2}}, {100}),
        ({"people": {"trait": "country", "op": "eq", "value": "NL"}}, {100, 102}),
        ({"people": {"event": "Product Viewed"}, "count": {"eq": 0}}, {100, 101}),
        # "accounts in Software with no open deal where at least 2 people viewed the pricing
        # page in the last 30 days" (product.md's example, with 2 for this small world)
        (
            {
                "all": [
                    {"field": "industry", "op": "eq", "value": "Software"},
                    {"not": {"deal": {"stage_kind": "open"}}},
                    {"people": {"event": "Page Viewed", "within_days": 30}, "count": {"gte": 2}},
                ]
            },
            {100},
        ),
        ({"segment": 8}, {100}),
        ({"not": {"segment": 8}}, {101, 102}),
    ],
)
def test_account_rules_match_the_hand_computed_members(
    world: World, rule: dict[str, Any], expected: set[int]
) -> None:
    assert world.members(rule, target="accounts") == expected


def test_windows_move_with_the_clock(world: World) -> None:
    rule = {"event": "Product Viewed", "where": shoes(), "count": {"gte": 3}, "within_days": 7}
    assert world.members(rule, now=NOW) == {1}
    # Two days later Ann's view of six days ago has left the window.
    assert world.members(rule, now=days_ago(-2)) == set()
    # Seen from before the views happened, nobody has done them yet.
    assert world.members({"event": "Product Viewed"}, now=days_ago(30)) == set()


def test_within_days_is_n_times_24_hours(world: World) -> None:
    rule = {"event": "Product Viewed", "within_days": 6.9}
    # Bob's view 6.9 days ago is exactly on the edge: in; a minute later it is out.
    assert 2 in world.members(rule, now=NOW)
    assert world.members(rule, now=NOW + (days_ago(0) - days_ago(1 / 1440))) == {1, 2}
    assert world.members({"event": "Product Viewed", "within_days": 6.8}) == {1, 2}


def test_a_scope_evaluates_only_the_given_members(world: World) -> None:
    rule = {"trait": "country", "op": "in", "value": ["NL", "BE"]}
    assert world.members(rule, scope=[1, 3, 4]) == {1}
    assert world.members({"not": rule}, scope=[1, 3, 4]) == {3, 4}
    assert world.members({"event": "Product Viewed", "count": {"lt": 2}}, scope=[1, 3]) == {3}
    people = {"people": {"event": "Page Viewed", "within_days": 30}, "count": {"gte": 2}}
    assert world.members(people, target="accounts", scope=[100, 102]) == {100}
    assert world.members(people, target="accounts", scope=[102]) == set()
    inside = {"account": {"field": "industry", "op": "eq", "value": "Software"}}
    assert world.members(inside, scope=[6, 1]) == {6}


def test_every_person_is_in_a_rule_or_its_negation(world: World) -> None:
    for rule in (
        {"event": "Product Viewed", "where": shoes(), "within_days": 7},
        {"trait": "age", "op": "gt", "value": 35},
        {"order": {"sum": "total", "gte": 550}},
        {"account": {"deal": {"stage_kind": "open"}}},
    ):
        matched = world.members(rule)
        assert matched | world.members({"not": rule}) == EVERYONE
        assert not matched & world.members({"not": rule})


def test_values_never_reach_the_sql_text(tmp_path: Path) -> None:
    world = build(tmp_path / "events.duckdb")
    try:
        hostile = "x'); DROP TABLE events; --"
        assert world.members({"trait": "country", "op": "eq", "value": hostile}) == set()
        assert world.members({"event": hostile}) == set()
        assert (
            world.members({"event": "Product Viewed", "where": shoes("contains", hostile)}) == set()
        )
        assert world.members({"event": "Product Viewed"}) == {1, 2, 3}
    finally:
        world.close()


def test_first_order_days_ago(world: World) -> None:
    # First orders: Ann 100 days ago, Bob 200 days ago (Cem's only order was cancelled).
    assert world.members({"order": {"first_seen_days_ago": {"lte": 150}}}) == {1}
    assert world.members({"order": {"first_seen_days_ago": {"gt": 150}}}) == {2}


def test_page_viewed_also_matches_track_events_of_that_name(tmp_path: Path) -> None:
    world = build(tmp_path / "events.duckdb")
    try:
        world.event(4, "Page Viewed", days_ago(1))  # a library that tracks page views
        assert world.members({"event": "Page Viewed"}) == {4, 5, 6}
        assert world.members({"event": "Page Viewed", "within_days": 2}) == {4}
    finally:
        world.close()
