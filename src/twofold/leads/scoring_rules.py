"""Lead scoring rules: fit (who the lead is) and engagement (what their person did).

```json
{"fit": [{"field": "title", "op": "contains", "value": "VP", "points": 10},
         {"field": "country", "op": "in", "value": ["NL", "BE"], "points": 5},
         {"field": "account.employees", "op": "gte", "value": 200, "points": 15}],
 "engagement": [{"event": "Email Opened", "within_days": 30, "points": 2, "max_points": 10},
                {"type": "page", "within_days": 14, "points": 1, "max_points": 10}]}
```
Fit fields are the lead's own, its raw form values (``fields.<name>``) and the account its
domain matches (``account.<field>``); the operators are the segment language's. Text
comparisons ignore case. Engagement rules give ``points`` per matching event of the
lead's person in the last ``within_days`` days, at most ``max_points``. Points may be
negative (``title contains "student" -20``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from twofold.core.errors import FieldProblem, ValidationFailed

LEAD_FIT_FIELDS: Final = frozenset(
    {"title", "company", "country", "domain", "email", "source", "form_id", "name"}
)
ACCOUNT_FIT_FIELDS: Final = frozenset(
    {"employees", "industry", "country", "region", "tier", "annual_revenue", "lifecycle"}
)
EVENT_TYPES: Final = ("track", "page", "screen")
MAX_RULES: Final = 50
MAX_POINTS: Final = 1000
MAX_DAYS: Final = 3650


class Op(StrEnum):
    """The comparisons of the segment rule language."""

    EQ = "eq"
    NEQ = "neq"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    IN = "in"
    NOT_IN = "not_in"
    CONTAINS = "contains"
    STARTS_WITH = "starts_with"
    ENDS_WITH = "ends_with"
    EXISTS = "exists"
    NOT_EXISTS = "not_exists"


@dataclass(frozen=True)
class FitRule:
    """Points when a field compares true."""

    field: str
    op: Op
    value: Any
    points: int

    def label(self) -> str:
        """How the rule reads in a reason (``title contains "VP"``)."""
        if self.op in {Op.EXISTS, Op.NOT_EXISTS}:
            return f"{self.field} {self.op.value.replace('_', ' ')}"
        shown = ", ".join(map(str, self.value)) if isinstance(self.value, list) else self.value
        return f"{self.field} {self.op.value.replace('_', ' ')} {shown!s}"


@dataclass(frozen=True)
class EngagementRule:
    """Points per event of a type (and name) in a recent window, capped."""

    type: str
    event: str | None
    within_days: int
    points: int
    max_points: int | None

    def label(self) -> str:
        """How the rule reads in a reason (``Email Opened in the last 30 days``)."""
        what = self.event or {"page": "page views", "screen": "screen views"}.get(
            self.type, "events"
        )
        if self.event and self.type != "track":
            what = f"{self.type} {self.event!r}"
        return f"{what} in the last {self.within_days} days"


@dataclass(frozen=True)
class ScoringRules:
    """Every rule in force."""

    fit: tuple[FitRule, ...] = ()
    engagement: tuple[EngagementRule, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The stored (and API) shape."""
        return {
            "fit": [
                {"field": r.field, "op": r.op.value, "value": r.value, "points": r.points}
                for r in self.fit
            ],
            "engagement": [
                {
                    "type": r.type,
                    "event": r.event,
                    "within_days": r.within_days,
                    "points": r.points,
                    "max_points": r.max_points,
                }
                for r in self.engagement
            ],
        }


def parse_rules(document: Mapping[str, Any]) -> ScoringRules:
    """Checked rules, or every problem with its path (``fit[1].op``)."""
    unknown = set(document) - {"fit", "engagement"}
    if unknown:
        raise ValidationFailed.on("rules", f"unknown keys: {', '.join(sorted(map(str, unknown)))}")
    problems: list[FieldProblem] = []
    fit = _each(document.get("fit", []), "fit", _fit_rule, problems)
    engagement = _each(document.get("engagement", []), "engagement", _engagement_rule, problems)
    if problems:
        raise ValidationFailed("the scoring rules are not valid", details=problems)
    return ScoringRules(fit=tuple(fit), engagement=tuple(engagement))


def _each(items: Any, path: str, parse: Any, problems: list[FieldProblem]) -> list[Any]:
    if not isinstance(items, list) or len(items) > MAX_RULES:
        problems.append(FieldProblem(path, f"a list of at most {MAX_RULES} rules"))
        return []
    parsed = []
    for index, item in enumerate(items):
        try:
            if not isinstance(item, dict):
                raise ValidationFailed.on(f"{path}[{index}]", "a rule is an object")
            parsed.append(parse(item, f"{path}[{index}]"))
        except ValidationFailed as error:
            problems.extend(error.details)
    return parsed


def _fit_rule(item: dict[str, Any], path: str) -> FitRule:
    _only(item, {"field", "op", "value", "points"}, path)
    field = item.get("field")
    if not isinstance(field, str) or not _known_field(field):
        raise ValidationFailed.on(
            f"{path}.field",
            f"one of {', '.join(sorted(LEAD_FIT_FIELDS))}, fields.<form field> or "
            f"account.<{'|'.join(sorted(ACCOUNT_FIT_FIELDS))}>",
        )
    try:
        op = Op(str(item.get("op")))
    except ValueError:
        raise ValidationFailed.on(
            f"{path}.op", f"one of {', '.join(o.value for o in Op)}"
        ) from None
    value = item.get("value")
    if op in {Op.IN, Op.NOT_IN}:
        if not isinstance(value, list) or not value or len(value) > 500:
            raise ValidationFailed.on(f"{path}.value", "a list of 1 to 500 values")
    elif op in {Op.GT, Op.GTE, Op.LT, Op.LTE}:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValidationFailed.on(f"{path}.value", "a number")
    elif op not in {Op.EXISTS, Op.NOT_EXISTS} and (
        not isinstance(value, str | int | float) or isinstance(value, bool) or value == ""
    ):
        raise ValidationFailed.on(f"{path}.value", "a text or a number")
    return FitRule(field, op, value, _points(item.get("points"), f"{path}.points"))


def _engagement_rule(item: dict[str, Any], path: str) -> EngagementRule:
    _only(item, {"type", "event", "within_days", "points", "max_points"}, path)
    kind = item.get("type", "track")
    if kind not in EVENT_TYPES:
        raise ValidationFailed.on(f"{path}.type", f"one of {', '.join(EVENT_TYPES)}")
    event = item.get("event")
    if event is not None and (not isinstance(event, str) or not 1 <= len(event) <= 200):
        raise ValidationFailed.on(f"{path}.event", "an event name of 1-200 characters")
    if kind == "track" and event is None:
        raise ValidationFailed.on(f"{path}.event", "a track rule names its event")
    days = item.get("within_days")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise ValidationFailed.on(f"{path}.within_days", f"a whole number from 1 to {MAX_DAYS}")
    cap = item.get("max_points")
    if cap is not None:
        cap = _points(cap, f"{path}.max_points")
    return EngagementRule(kind, event, days, _points(item.get("points"), f"{path}.points"), cap)


def _only(item: dict[str, Any], keys: set[str], path: str) -> None:
    unknown = set(item) - keys
    if unknown:
        raise ValidationFailed.on(path, f"unknown keys: {', '.join(sorted(map(str, unknown)))}")


def _points(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_POINTS:
        raise ValidationFailed.on(path, f"a whole number from -{MAX_POINTS} to {MAX_POINTS}")
    return value


def _known_field(field: str) -> bool:
    prefix, _, rest = field.partition(".")
    if not rest:
        return field in LEAD_FIT_FIELDS
    if prefix == "account":
        return rest in ACCOUNT_FIT_FIELDS
    return prefix == "fields" and 0 < len(rest) <= 40


def compare(op: Op, actual: Any, expected: Any) -> bool:
    """Whether ``actual op expected`` holds; text compares without case, a missing value
    matches only ``not_exists`` (and ``neq`` / ``not_in``, as in the segment language)."""
    if op is Op.EXISTS:
        return actual not in (None, "")
    if op is Op.NOT_EXISTS:
        return actual in (None, "")
    if actual in (None, ""):
        return op in {Op.NEQ, Op.NOT_IN}
    if op in {Op.GT, Op.GTE, Op.LT, Op.LTE}:
        return _numeric(op, actual, expected)
    left = _folded(actual)
    if op is Op.IN or op is Op.NOT_IN:
        inside = left in {_folded(item) for item in expected}
        return inside if op is Op.IN else not inside
    right = _folded(expected)
    return {
        Op.EQ: left == right,
        Op.NEQ: left != right,
        Op.CONTAINS: right in left,
        Op.STARTS_WITH: left.startswith(right),
        Op.ENDS_WITH: left.endswith(right),
    }[op]


def _numeric(op: Op, actual: Any, expected: float) -> bool:
    try:
        number = float(actual)
    except (TypeError, ValueError):
        return False
    return {
        Op.GT: number > expected,
        Op.GTE: number >= expected,
        Op.LT: number < expected,
        Op.LTE: number <= expected,
    }[op]


def _folded(value: Any) -> str:
    return str(value).strip().casefold()
