"""The segment rule language: every form parses to the right tree; every mistake has a path."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from twofold.core.errors import ValidationFailed
from twofold.segments.rules import (
    AccountField,
    AccountRule,
    All,
    AnyOf,
    Comparison,
    Condition,
    DealExists,
    Event,
    Not,
    Order,
    People,
    Prediction,
    PropertyFilter,
    SegmentRef,
    Trait,
    Window,
    parse_rule,
    referenced_segments,
)

PRODUCT_EXAMPLE: dict[str, Any] = {
    "all": [
        {
            "event": "Product Viewed",
            "where": [{"property": "category", "op": "eq", "value": "shoes"}],
            "count": {"gte": 3},
            "within_days": 7,
        },
        {"not": {"event": "Order Completed", "within_days": 30}},
        {"event": "Order Completed", "sum": "revenue", "gte": 500, "within_days": 365},
        {"event": "Order Completed", "last_seen_days_ago": {"gt": 180}},
        {"trait": "country", "op": "in", "value": ["NL", "BE"]},
        {"prediction": "churn_risk", "op": "gte", "value": 0.7},
        {"any": [{"segment": 42}, {"trait": "email", "op": "ends_with", "value": "@example.com"}]},
        {
            "account": {
                "all": [
                    {"field": "industry", "op": "eq", "value": "Software"},
                    {"deal": {"stage_kind": "open"}},
                ]
            }
        },
    ]
}


def test_the_example_from_the_product_description() -> None:
    rule = parse_rule(PRODUCT_EXAMPLE)
    assert isinstance(rule, All)
    viewed, not_ordered, spent, lapsed, country, churn, either, account = rule.children
    assert viewed == Event(
        name="Product Viewed",
        where=(PropertyFilter("category", Condition("eq", "shoes")),),
        window=Window(within_days=7.0),
        count=Comparison("gte", 3.0),
    )
    assert not_ordered == Not(Event("Order Completed", window=Window(within_days=30.0)))
    assert spent == Event(
        name="Order Completed",
        window=Window(within_days=365.0),
        aggregate="sum",
        aggregate_property="revenue",
        aggregate_comparison=Comparison("gte", 500.0),
    )
    assert lapsed == Event("Order Completed", last_seen_days_ago=Comparison("gt", 180.0))
    assert country == Trait("country", Condition("in", ("NL", "BE")))
    assert churn == Prediction("churn_risk", Condition("gte", 0.7))
    assert either == AnyOf((SegmentRef(42), Trait("email", Condition("ends_with", "@example.com"))))
    assert account == AccountRule(
        All(
            (
                AccountField("industry", Condition("eq", "Software")),
                DealExists((("stage_kind", Condition("eq", "open")),)),
            )
        )
    )
    assert referenced_segments(rule) == {42}


def test_orders_dates_and_account_audiences() -> None:
    assert parse_rule({"order": {"count": {"gte": 2}, "within_days": 90}}) == Order(
        window=Window(within_days=90.0), count=Comparison("gte", 2.0)
    )
    assert parse_rule({"event": "Signed Up", "between": ["2026-01-01", "2026-03-31"]}) == Event(
        "Signed Up", window=Window(since=date(2026, 1, 1), until=date(2026, 3, 31))
    )
    audience = parse_rule(
        {
            "all": [
                {"field": "industry", "op": "eq", "value": "Software"},
                {"not": {"deal": {"stage_kind": "open"}}},
                {
                    "people": {"event": "Pricing Viewed", "within_days": 30},
                    "count": {"gte": 3},
                },
            ]
        },
        target="accounts",
    )
    assert isinstance(audience, All)
    assert audience.children[2] == People(
        Event("Pricing Viewed", window=Window(within_days=30.0)), Comparison("gte", 3.0)
    )


@pytest.mark.parametrize(
    ("rule", "path", "message"),
    [
        ({}, "rule", "non-empty JSON object"),
        ([], "rule", "non-empty JSON object"),
        ({"all": []}, "rule.all", "non-empty list"),
        ({"trait": "x", "event": "y"}, "rule", "names several kinds"),
        ({"colour": "red"}, "rule", "has no kind"),
        ({"trait": "country", "op": "like", "value": "N%"}, "rule.op", "must be one of eq"),
        ({"trait": "country; DROP TABLE x", "op": "eq", "value": 1}, "rule.trait", "field name"),
        ({"trait": "age", "op": "between", "value": [9, 1]}, "rule.value", "low <= high"),
        ({"trait": "age", "op": "in", "value": []}, "rule.value", "list of 1-1000"),
        ({"trait": "age", "op": "exists", "value": 1}, "rule.value", "takes no value"),
        ({"trait": "age", "op": "gt", "value": True}, "rule.value", "number or a date"),
        ({"trait": "age", "op": "eq", "value": {"a": 1}}, "rule.value", "string, number"),
        ({"trait": "age", "op": "eq", "value": 1, "extra": 2}, "rule.extra", "not allowed"),
        ({"event": ""}, "rule.event", "event name"),
        ({"event": "X", "count": {"most": 3}}, "rule.count.most", "must be one of eq"),
        ({"event": "X", "count": 3}, "rule.count", "one comparison"),
        ({"event": "X", "within_days": -1}, "rule.within_days", "number of days"),
        ({"event": "X", "within_days": 7, "between": ["2026-01-01", "2026-02-01"]}, "rule",
         "not both"),
        ({"event": "X", "between": ["2026-02-01", "2026-01-01"]}, "rule.between", "in order"),
        ({"event": "X", "gte": 5}, "rule.gte", "add sum, avg, min or max"),
        ({"event": "X", "sum": "revenue"}, "rule", "exactly one comparison"),
        ({"event": "X", "sum": "revenue", "gte": 1, "count": {"gte": 1}}, "rule", "use one of"),
        ({"event": "X", "where": [{"property": "a b", "op": "eq", "value": 1}]},
         "rule.where[0].property", "field name"),
        ({"prediction": "happiness", "op": "gt", "value": 1}, "rule.prediction", "one of"),
        ({"segment": 0}, "rule.segment", "positive integer"),
        ({"segment": True}, "rule.segment", "positive integer"),
        ({"order": {"sum": "price", "gte": 1}}, "rule.order.sum", "must be one of status"),
        ({"account": {"trait": "x", "op": "eq", "value": 1}}, "rule.account", "has no kind"),
        ({"account": {"deal": {"colour": "red"}}}, "rule.account.deal.colour", "unknown deal"),
        ({"all": [{"trait": "a", "op": "eq", "value": 1}, {"segment": "x"}]},
         "rule.all[1].segment", "positive integer"),
        ({"trait": "age", "op": "gt", "value": float("nan")}, "rule.value", "number or a date"),
    ],
)  # fmt: skip
def test_mistakes_are_reported_with_their_path(rule: Any, path: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        parse_rule(rule)
    problems = {(problem.field, problem.message) for problem in raised.value.details}
    assert any(field == path and message in text for field, text in problems), problems


def test_every_problem_is_listed_and_nesting_is_bounded() -> None:
    with pytest.raises(ValidationFailed) as raised:
        parse_rule({"all": [{"segment": 0}, {"trait": "x", "op": "nope"}]})
    assert [problem.field for problem in raised.value.details] == [
        "rule.all[0].segment",
        "rule.all[1].op",
    ]
    deep: dict[str, Any] = {"trait": "x", "op": "exists"}
    for _ in range(20):
        deep = {"not": deep}
    with pytest.raises(ValidationFailed, match="nest at most"):
        parse_rule(deep)
    wide = {"any": [{"trait": "x", "op": "exists"}] * 300}
    with pytest.raises(ValidationFailed, match="at most 200 conditions"):
        parse_rule(wide)
