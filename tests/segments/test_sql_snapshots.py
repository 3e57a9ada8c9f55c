"""The generated SQL is locked: a change to the compiler shows up as a reviewed diff.

Run with ``TWOFOLD_UPDATE_SNAPSHOTS=1`` to rewrite the files after an intended change.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from twofold.segments.compiler import compile_rule
from twofold.segments.rules import Target, parse_rule

SNAPSHOTS = Path(__file__).parent / "snapshots"
NOW = datetime(2026, 6, 15, 12, 0, 0)

RULES: dict[str, tuple[Target, Any, list[int] | None]] = {
    "product_md_example": ("persons", {"all": [
        {"event": "Product Viewed", "where": [{"property": "category", "op": "eq",
                                               "value": "shoes"}],
         "count": {"gte": 3}, "within_days": 7},
        {"not": {"event": "Order Completed", "within_days": 30}},
        {"event": "Order Completed", "sum": "revenue", "gte": 500, "within_days": 365},
        {"event": "Order Completed", "last_seen_days_ago": {"gt": 180}},
        {"trait": "country", "op": "in", "value": ["NL", "BE"]},
        {"prediction": "churn_risk", "op": "gte", "value": 0.7},
        {"any": [{"segment": 42}, {"trait": "email", "op": "ends_with", "value": "@example.com"}]},
        {"account": {"all": [{"field": "industry", "op": "eq", "value": "Software"},
                             {"deal": {"stage_kind": "open"}}]}},
    ]}, None),
    "orders_and_computed_traits": ("persons", {"any": [
        {"order": {"where": [{"property": "category", "op": "eq", "value": "shoes"}],
                   "sum": "total", "gte": 100, "within_days": 90}},
        {"order": {"between": ["2026-01-01", "2026-03-31"]}},
        {"trait": "last_order_at", "op": "lt", "value": "2026-01-01"},
        {"event": "Signed Up", "count": {"lt": 1}},
    ]}, None),
    "engaged_accounts_scoped": ("accounts", {"all": [
        {"field": "industry", "op": "eq", "value": "Software"},
        {"not": {"deal": {"stage_kind": "open"}}},
        {"people": {"event": "Page Viewed", "where": [{"property": "name", "op": "eq",
                                                       "value": "Pricing"}],
                    "within_days": 30}, "count": {"gte": 3}},
    ]}, [100, 101]),
    "real_time_person": ("persons", {"all": [
        {"event": "Cart Updated", "within_days": 1},
        {"not": {"event": "Order Completed", "within_days": 1}},
    ]}, [1, 2, 3]),
}  # fmt: skip


def rendered(target: Target, rule: Any, scope: list[int] | None) -> str:
    query = compile_rule(parse_rule(rule, target=target), target=target, now=NOW, scope=scope)
    parameters = json.dumps(query.parameters, default=str, indent=None)
    return f"{query.text}\n-- parameters: {parameters}\n"


@pytest.mark.parametrize("name", sorted(RULES))
def test_generated_sql_matches_its_snapshot(name: str) -> None:
    text = rendered(*RULES[name])
    path = SNAPSHOTS / f"{name}.sql"
    if os.environ.get("TWOFOLD_UPDATE_SNAPSHOTS") == "1":
        path.write_text(text)
    assert path.exists(), f"no snapshot for {name}: run with TWOFOLD_UPDATE_SNAPSHOTS=1"
    assert text == path.read_text()


def test_user_values_are_parameters_not_sql() -> None:
    text = rendered("persons", {"trait": "country", "op": "eq", "value": "Robert'); --"}, None)
    sql, parameters = text.split("-- parameters: ")
    assert "Robert" not in sql
    assert "Robert'); --" in json.loads(parameters)
