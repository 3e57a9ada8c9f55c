"""The segment rule language (product.md, "Segment rule language"): JSON → a typed tree.

``parse_rule`` checks a whole rule and raises ``ValidationFailed`` listing every problem with
its path (``all[1].where[0].op``), so editors can point at the exact spot. The tree it
returns is what the SQL compilers read; user values stay values (they become parameters),
field and property names are checked against a safe pattern.

Forms::

    {"all": [...]} {"any": [...]} {"not": {...}}
    {"trait": "country", "op": "in", "value": ["NL", "BE"]}
    {"event": "Product Viewed", "where": [{"property": "category", "op": "eq", "value": "x"}],
     "count": {"gte": 3}, "within_days": 7}
    {"event": "Order Completed", "sum": "revenue", "gte": 500, "within_days": 365}
    {"event": "Order Completed", "last_seen_days_ago": {"gt": 180}}
    {"event": "Signed Up", "between": ["2026-01-01", "2026-03-31"]}
    {"order": {"count": {"gte": 2}, "within_days": 90}}
    {"order": {"first_seen_days_ago": {"lte": 30}}}
    {"prediction": "churn_risk", "op": "gte", "value": 0.7}
    {"segment": 42}
    {"account": {"all": [{"field": "industry", "op": "eq", "value": "Software"},
                         {"deal": {"stage_kind": "open"}},
                         {"people": {"event": "Pricing Viewed", "within_days": 30},
                          "count": {"gte": 3}}]}}
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final, Literal

from twofold.core.errors import FieldProblem, ValidationFailed

OPERATORS: Final = (
    "eq", "neq", "gt", "gte", "lt", "lte", "between", "in", "not_in",
    "contains", "starts_with", "ends_with", "exists", "not_exists",
)  # fmt: skip
COMPARISONS: Final = ("eq", "neq", "gt", "gte", "lt", "lte", "between")
AGGREGATES: Final = ("sum", "avg", "min", "max")
PREDICTIONS: Final = (
    "churn_risk", "probability_alive", "expected_purchases", "predicted_clv",
    "expected_next_order_days", "rfm_score", "rfm_group", "recency", "frequency", "monetary",
)  # fmt: skip
ORDER_FIELDS: Final = (
    "status",
    "channel",
    "currency",
    "total",
    "revenue",
    "product_id",
    "category",
)
DEAL_FIELDS: Final = ("stage_kind", "pipeline_id", "stage_id", "amount", "currency", "owner_id",
                      "forecast_category")  # fmt: skip
MAX_DEPTH: Final = 12
ONE_MEASURE: Final = (
    "use one of count, sum/avg/min/max, first_seen_days_ago, last_seen_days_ago per event "
    "condition (combine several with all)"
)
MAX_NODES: Final = 200
MAX_LIST: Final = 1000
MAX_DAYS: Final = 36_500
_NAME: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")

Scalar = str | int | float | bool


@dataclass(frozen=True)
class Comparison:
    """``{"gte": 3}`` or ``{"between": [1, 5]}``: one operator against numbers."""

    op: str
    value: float | tuple[float, float]


@dataclass(frozen=True)
class Condition:
    """``op`` + ``value`` against a trait, a property, an account field..."""

    op: str
    value: Any = None


@dataclass(frozen=True)
class Window:
    """When events count: the last N days, or between two dates (inclusive)."""

    within_days: float | None = None
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class PropertyFilter:
    """``{"property": "category", "op": "eq", "value": "shoes"}``."""

    property: str
    condition: Condition


@dataclass(frozen=True)
class All:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class Trait:
    name: str
    condition: Condition


@dataclass(frozen=True)
class Event:
    """Did the person do ``name`` (with ``where``), how often / how much, and when."""

    name: str
    where: tuple[PropertyFilter, ...] = ()
    window: Window = field(default_factory=Window)
    count: Comparison | None = None
    aggregate: Literal["sum", "avg", "min", "max"] | None = None
    aggregate_property: str | None = None
    aggregate_comparison: Comparison | None = None
    first_seen_days_ago: Comparison | None = None
    last_seen_days_ago: Comparison | None = None


@dataclass(frozen=True)
class Order:
    """Orders (not cancelled), filtered, counted or summed over a window."""

    where: tuple[PropertyFilter, ...] = ()
    window: Window = field(default_factory=Window)
    count: Comparison | None = None
    aggregate: Literal["sum", "avg", "min", "max"] | None = None
    aggregate_property: str | None = None
    aggregate_comparison: Comparison | None = None
    first_seen_days_ago: Comparison | None = None
    last_seen_days_ago: Comparison | None = None


@dataclass(frozen=True)
class Prediction:
    name: str
    condition: Condition


@dataclass(frozen=True)
class SegmentRef:
    segment_id: int


@dataclass(frozen=True)
class AccountField:
    name: str
    condition: Condition


@dataclass(frozen=True)
class DealExists:
    """The account has at least one deal matching every filter."""

    filters: tuple[tuple[str, Condition], ...]


@dataclass(frozen=True)
class People:
    """How many of the account's people match a person rule."""

    rule: Node
    count: Comparison


@dataclass(frozen=True)
class AccountRule:
    """A person matches when one of their accounts matches ``rule`` (an account rule)."""

    rule: Node


Node = (
    All | AnyOf | Not | Trait | Event | Order | Prediction | SegmentRef | AccountRule
    | AccountField | DealExists | People
)  # fmt: skip
Target = Literal["persons", "accounts"]


def parse_rule(document: Any, *, target: Target = "persons") -> Node:
    """The rule as a tree, or ``ValidationFailed`` with every problem and its path."""
    parser = _Parser()
    node = parser.node(document, "rule", scope="accounts" if target == "accounts" else "persons")
    if parser.problems:
        first = parser.problems[0]
        raise ValidationFailed(
            f"the rule is not valid: {first.field}: {first.message}", details=parser.problems
        )
    assert node is not None
    return node


def is_field_name(value: str) -> bool:
    """Whether a trait, property or field name can be used in a rule."""
    return len(value) <= 100 and bool(_NAME.match(value))


def referenced_segments(node: Node) -> set[int]:
    """Every ``{"segment": id}`` inside the rule (for dependency order and cycle checks)."""
    found: set[int] = set()
    for child in walk(node):
        if isinstance(child, SegmentRef):
            found.add(child.segment_id)
    return found


def walk(node: Node) -> list[Node]:
    """The node and all its descendants, depth first."""
    out: list[Node] = [node]
    children: tuple[Node, ...] = ()
    if isinstance(node, All | AnyOf):
        children = node.children
    elif isinstance(node, Not):
        children = (node.child,)
    elif isinstance(node, AccountRule | People):
        children = (node.rule,)
    for child in children:
        out.extend(walk(child))
    return out


class _Parser:
    def __init__(self) -> None:
        self.problems: list[FieldProblem] = []
        self.nodes = 0

    def fail(self, path: str, message: str) -> None:
        self.problems.append(FieldProblem(path, message))

    def node(self, raw: Any, path: str, *, scope: str, depth: int = 0) -> Node | None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            if self.nodes == MAX_NODES + 1:
                self.fail(path, f"a rule may have at most {MAX_NODES} conditions")
            return None
        if depth > MAX_DEPTH:
            self.fail(path, f"rules may nest at most {MAX_DEPTH} levels")
            return None
        if not isinstance(raw, dict) or not raw:
            self.fail(path, "a condition must be a non-empty JSON object")
            return None
        kinds = [key for key in _KINDS[scope] if key in raw]
        if len(kinds) != 1:
            expected = ", ".join(_KINDS[scope])
            what = "names several kinds" if kinds else "has no kind"
            self.fail(path, f"the condition {what}: use exactly one of {expected}")
            return None
        kind = kinds[0]
        handler = getattr(self, f"_{kind}")
        result: Node | None = handler(raw, path, scope=scope, depth=depth)
        return result

    # -- combinators --------------------------------------------------------------------------

    def _all(self, raw: dict[str, Any], path: str, *, scope: str, depth: int) -> Node | None:
        children = self._children(raw, "all", path, scope=scope, depth=depth)
        return All(children) if children is not None else None

    def _any(self, raw: dict[str, Any], path: str, *, scope: str, depth: int) -> Node | None:
        children = self._children(raw, "any", path, scope=scope, depth=depth)
        return AnyOf(children) if children is not None else None

    def _not(self, raw: dict[str, Any], path: str, *, scope: str, depth: int) -> Node | None:
        self._only(raw, {"not"}, path)
        child = self.node(raw["not"], f"{path}.not", scope=scope, depth=depth + 1)
        return Not(child) if child is not None else None

    def _children(
        self, raw: dict[str, Any], key: str, path: str, *, scope: str, depth: int
    ) -> tuple[Node, ...] | None:
        self._only(raw, {key}, path)
        items = raw[key]
        if not isinstance(items, list) or not items:
            self.fail(f"{path}.{key}", "must be a non-empty list of conditions")
            return None
        parsed = [
            self.node(item, f"{path}.{key}[{index}]", scope=scope, depth=depth + 1)
            for index, item in enumerate(items)
        ]
        if any(child is None for child in parsed):
            return None
        return tuple(child for child in parsed if child is not None)

    # -- person conditions --------------------------------------------------------------------

    def _trait(self, raw: dict[str, Any], path: str, **_: Any) -> Node | None:
        self._only(raw, {"trait", "op", "value"}, path)
        name = self._name(raw["trait"], f"{path}.trait")
        condition = self._condition(raw, path)
        return Trait(name, condition) if name and condition else None

    def _prediction(self, raw: dict[str, Any], path: str, **_: Any) -> Node | None:
        self._only(raw, {"prediction", "op", "value"}, path)
        name = raw["prediction"]
        if name not in PREDICTIONS:
            self.fail(f"{path}.prediction", f"must be one of {', '.join(PREDICTIONS)}")
            return None
        condition = self._condition(raw, path)
        return Prediction(name, condition) if condition else None

    def _segment(self, raw: dict[str, Any], path: str, **_: Any) -> Node | None:
        self._only(raw, {"segment"}, path)
        value = raw["segment"]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.fail(f"{path}.segment", "must be a segment id (a positive integer)")
            return None
        return SegmentRef(value)

    def _event(self, raw: dict[str, Any], path: str, **_: Any) -> Node | None:
        allowed = {"event", "where", "count", "within_days", "between", "first_seen_days_ago",
                   "last_seen_days_ago", *AGGREGATES, *COMPARISONS}  # fmt: skip
        self._only(raw, allowed, path)
        name = raw["event"]
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            self.fail(f"{path}.event", "must be an event name (1-200 characters)")
            return None
        where = self._where(raw.get("where"), f"{path}.where")
        window = self._window(raw, path)
        count = self._comparison(raw.get("count"), f"{path}.count")
        aggregate, prop, comparison = self._aggregate(raw, path)
        first_seen = self._comparison(raw.get("first_seen_days_ago"), f"{path}.first_seen_days_ago")
        last_seen = self._comparison(raw.get("last_seen_days_ago"), f"{path}.last_seen_days_ago")
        measures = [m for m in (count, aggregate, first_seen, last_seen) if m is not None]
        if len(measures) > 1:
            self.fail(path, ONE_MEASURE)
        return Event(
            name=name, where=where, window=window, count=count, aggregate=aggregate,
            aggregate_property=prop, aggregate_comparison=comparison,
            first_seen_days_ago=first_seen, last_seen_days_ago=last_seen,
        )  # fmt: skip

    def _order(self, raw: dict[str, Any], path: str, **_: Any) -> Node | None:
        self._only(raw, {"order"}, path)
        body = raw["order"]
        inner = f"{path}.order"
        if not isinstance(body, dict):
            self.fail(inner, "must be an object (count, sum, where, within_days...)")
            return None
        allowed = {"where", "count", "within_days", "between", "first_seen_days_ago",
                   "last_seen_days_ago", *AGGREGATES, *COMPARISONS}  # fmt: skip
        self._only(body, allowed, inner)
        where = self._where(body.get("where"), f"{inner}.where", fields=ORDER_FIELDS)
        aggregate, prop, comparison = self._aggregate(body, inner, fields=ORDER_FIELDS)
        count = self._comparison(body.get("count"), f"{inner}.count")
        first_seen = self._comparison(body.get("first_seen_days_ago"),
                                      f"{inner}.first_seen_days_ago")  # fmt: skip
        last_seen = self._comparison(body.get("last_seen_days_ago"), f"{inner}.last_seen_days_ago")
        if len([m for m in (count, aggregate, first_seen, last_seen) if m is not None]) > 1:
            self.fail(inner, ONE_MEASURE)
        return Order(
            where=where, window=self._window(body, inner), count=count, aggregate=aggregate,
            aggregate_property=prop, aggregate_comparison=comparison,
            first_seen_days_ago=first_seen, last_seen_days_ago=last_seen,
        )  # fmt: skip

    def _account(self, raw: dict[str, Any], path: str, *, depth: int, **_: Any) -> Node | None:
        self._only(raw, {"account"}, path)
        rule = self.node(raw["account"], f"{path}.account", scope="accounts", depth=depth + 1)
        return AccountRule(rule) if rule is not None else None

    # -- account conditions -------------------------------------------------------------------

    def _field(self, raw: dict[str, Any], path: str, **_: Any) -> Node | None:
        self._only(raw, {"field", "op", "value"}, path)
        name = self._name(raw["field"], f"{path}.field")
        condition = self._condition(raw, path)
        return AccountField(name, condition) if name and condition else None

    def _deal(self, raw: dict[str, Any], path: str, **_: Any) -> Node | None:
        self._only(raw, {"deal"}, path)
        body = raw["deal"]
        if not isinstance(body, dict):
            self.fail(f"{path}.deal", "must be an object of deal fields")
            return None
        filters = []
        for key, value in body.items():
            where = f"{path}.deal.{key}"
            if key not in DEAL_FIELDS:
                self.fail(where, f"unknown deal field; use {', '.join(DEAL_FIELDS)}")
                continue
            if isinstance(value, dict):
                condition = self._condition(value, where)
            else:
                condition = self._condition({"op": "eq", "value": value}, where)
            if condition is not None:
                filters.append((key, condition))
        return DealExists(tuple(filters))

    def _people(self, raw: dict[str, Any], path: str, *, depth: int, **_: Any) -> Node | None:
        self._only(raw, {"people", "count"}, path)
        rule = self.node(raw["people"], f"{path}.people", scope="persons", depth=depth + 1)
        count = self._comparison(raw.get("count", {"gte": 1}), f"{path}.count")
        return People(rule, count) if rule is not None and count is not None else None

    # -- pieces -------------------------------------------------------------------------------

    def _only(self, raw: dict[str, Any], allowed: set[str], path: str) -> None:
        for key in raw:
            if key not in allowed:
                self.fail(f"{path}.{key}", "is not allowed here")

    def _name(self, value: Any, path: str) -> str | None:
        if not isinstance(value, str) or not _NAME.match(value) or len(value) > 100:
            self.fail(path, "must be a field name (letters, digits, _ and dots)")
            return None
        return value

    def _condition(self, raw: dict[str, Any], path: str) -> Condition | None:
        op = raw.get("op")
        if op not in OPERATORS:
            self.fail(f"{path}.op", f"must be one of {', '.join(OPERATORS)}")
            return None
        if op in {"exists", "not_exists"}:
            if "value" in raw:
                self.fail(f"{path}.value", f"{op} takes no value")
            return Condition(op)
        value, problem = _VALUE_CHECKS.get(op, _check_scalar)(op, raw.get("value"))
        if problem is not None:
            self.fail(f"{path}.value", problem)
            return None
        return Condition(op, value)

    def _comparison(self, raw: Any, path: str) -> Comparison | None:
        if raw is None:
            return None
        if not isinstance(raw, dict) or len(raw) != 1:
            self.fail(path, 'must be one comparison, e.g. {"gte": 3}')
            return None
        ((op, value),) = raw.items()
        return self._compare(op, value, f"{path}.{op}")

    def _compare(self, op: Any, value: Any, path: str) -> Comparison | None:
        if op not in COMPARISONS:
            self.fail(path, f"must be one of {', '.join(COMPARISONS)}")
            return None
        if op == "between":
            pair = _pair(value)
            if pair is None or not all(_is_number(item) for item in pair):
                self.fail(path, "between needs [low, high] numbers with low <= high")
                return None
            return Comparison(op, (float(pair[0]), float(pair[1])))
        if not _is_number(value):
            self.fail(path, "must be a number")
            return None
        return Comparison(op, float(value))

    def _aggregate(
        self, raw: dict[str, Any], path: str, *, fields: tuple[str, ...] | None = None
    ) -> tuple[Any, str | None, Comparison | None]:
        chosen = [name for name in AGGREGATES if name in raw]
        compared = [op for op in COMPARISONS if op in raw]
        if not chosen:
            # Without an aggregate, "between" is the date window (see _window).
            for op in compared:
                if op != "between":
                    self.fail(f"{path}.{op}", "compares an aggregate: add sum, avg, min or max")
            return None, None, None
        if len(chosen) > 1:
            self.fail(path, "use one aggregate per condition")
            return None, None, None
        aggregate = chosen[0]
        prop = raw[aggregate]
        if fields is not None and prop not in fields:
            self.fail(f"{path}.{aggregate}", f"must be one of {', '.join(fields)}")
            return None, None, None
        if fields is None and self._name(prop, f"{path}.{aggregate}") is None:
            return None, None, None
        if len(compared) != 1:
            self.fail(path, f"{aggregate} needs exactly one comparison (gte, lt, between...)")
            return None, None, None
        comparison = self._compare(compared[0], raw[compared[0]], f"{path}.{compared[0]}")
        return aggregate, prop, comparison

    def _where(
        self, raw: Any, path: str, *, fields: tuple[str, ...] | None = None
    ) -> tuple[PropertyFilter, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, list):
            self.fail(path, "must be a list of property conditions")
            return ()
        filters = []
        for index, item in enumerate(raw):
            where = f"{path}[{index}]"
            if not isinstance(item, dict):
                self.fail(where, "must be an object with property, op and value")
                continue
            self._only(item, {"property", "op", "value"}, where)
            prop = item.get("property")
            if fields is not None and prop not in fields:
                self.fail(f"{where}.property", f"must be one of {', '.join(fields)}")
                continue
            name = self._name(prop, f"{where}.property")
            condition = self._condition(item, where)
            if name and condition:
                filters.append(PropertyFilter(name, condition))
        return tuple(filters)

    def _window(self, raw: dict[str, Any], path: str) -> Window:
        within = raw.get("within_days")
        between = raw.get("between") if not any(a in raw for a in AGGREGATES) else None
        if within is not None and between is not None:
            self.fail(path, "use within_days or between, not both")
            return Window()
        if within is not None:
            if not _is_number(within) or not 0 < float(within) <= MAX_DAYS:
                self.fail(f"{path}.within_days", f"must be a number of days in (0, {MAX_DAYS}]")
                return Window()
            return Window(within_days=float(within))
        if between is not None:
            dates = _dates(between)
            if dates is None:
                self.fail(f"{path}.between", 'must be ["YYYY-MM-DD", "YYYY-MM-DD"], in order')
                return Window()
            return Window(since=dates[0], until=dates[1])
        return Window()


_KINDS: Final = {
    "persons": ("all", "any", "not", "trait", "event", "order", "prediction", "segment", "account"),
    "accounts": ("all", "any", "not", "field", "deal", "people", "segment"),
}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_list(op: str, value: Any) -> tuple[Any, str | None]:
    if not isinstance(value, list) or not value or len(value) > MAX_LIST:
        return None, f"{op} needs a list of 1-{MAX_LIST} values"
    if not all(_is_scalar(item) for item in value):
        return None, "list values must be strings, numbers or booleans"
    return tuple(value), None


def _check_between(_op: str, value: Any) -> tuple[Any, str | None]:
    pair = _pair(value)
    if pair is None:
        return None, "between needs [low, high] with low <= high"
    return pair, None


def _check_text(op: str, value: Any) -> tuple[Any, str | None]:
    if not isinstance(value, str) or not value or len(value) > 500:
        return None, f"{op} needs a string of 1-500 characters"
    return value, None


def _check_scalar(op: str, value: Any) -> tuple[Any, str | None]:
    if op in {"gt", "gte", "lt", "lte"} and not (_is_number(value) or isinstance(value, str)):
        return None, f"{op} needs a number or a date"
    if not _is_scalar(value):
        return None, f"{op} needs a string, number or boolean"
    if isinstance(value, str) and len(value) > 500:
        return None, "at most 500 characters"
    return value, None


_VALUE_CHECKS: Final = {
    "in": _check_list,
    "not_in": _check_list,
    "between": _check_between,
    "contains": _check_text,
    "starts_with": _check_text,
    "ends_with": _check_text,
}


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | bool) or _is_number(value)


def _pair(value: Any) -> tuple[Any, Any] | None:
    if not isinstance(value, list) or len(value) != 2:
        return None
    low, high = value
    if _is_number(low) and _is_number(high) and low <= high:
        return (low, high)
    if isinstance(low, str) and isinstance(high, str) and low <= high:
        return (low, high)
    return None


def _dates(value: Any) -> tuple[date, date] | None:
    if not isinstance(value, list) or len(value) != 2:
        return None
    try:
        since, until = (date.fromisoformat(item) for item in value)
    except (TypeError, ValueError):
        return None
    return (since, until) if since <= until else None
