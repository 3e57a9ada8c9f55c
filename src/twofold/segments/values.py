"""One operator against one SQL value expression: the SQL text and its parameters.

Shared by every condition that compares a value (traits, event and order properties, account
and deal fields, predictions). The expression is always read as text (``VARCHAR``, what JSON
extraction gives); the operator's value decides how it is compared:

- numbers compare numerically (``TRY_CAST(x AS DOUBLE)``), so ``"3"`` equals ``3``;
- ISO dates and timestamps compare as timestamps (``"2026-01-05"`` < ``"2026-01-05T10:00"``);
- other strings compare as text; ``eq``/``neq``/``in`` are exact, ``contains``/``starts_with``/
  ``ends_with`` ignore case; booleans match the JSON ``true``/``false``.

A missing value (SQL NULL) matches only ``not_exists``: ``neq`` and ``not_in`` mean "has a
value, and a different one" (docs/decisions/0013-segment-evaluation.md). To also match people
without the value, write ``{"not": {... "op": "eq" ...}}``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Final

from twofold.segments.rules import Comparison, Condition

_ISO_DATE: Final = re.compile(
    r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$"
)
_SQL_OPERATOR: Final = {"eq": "=", "neq": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


@dataclass
class Sql:
    """SQL text being built, with its positional (``?``) parameters in order."""

    parts: list[str] = field(default_factory=list)
    parameters: list[Any] = field(default_factory=list)

    def add(self, text: str, *parameters: Any) -> Sql:
        self.parts.append(text)
        self.parameters.extend(parameters)
        return self

    def extend(self, other: Sql) -> Sql:
        self.parts.extend(other.parts)
        self.parameters.extend(other.parameters)
        return self

    @property
    def text(self) -> str:
        return "".join(self.parts)


def is_iso_date(value: object) -> bool:
    return isinstance(value, str) and bool(_ISO_DATE.match(value))


def _typed(expression: str, value: Any) -> tuple[str, str]:
    """How to read the expression and the parameter for this value: ``(expr, placeholder)``."""
    if isinstance(value, bool):
        return f"lower({expression})", "?"
    if isinstance(value, int | float):
        return f"TRY_CAST({expression} AS DOUBLE)", "?"
    if is_iso_date(value):
        return f"TRY_CAST({expression} AS TIMESTAMP)", "CAST(? AS TIMESTAMP)"
    return expression, "?"


def _parameter(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return float(value)
    if is_iso_date(value):
        return str(value).replace("Z", "").replace("T", " ")[:26]
    return value


def condition_sql(expression: str, condition: Condition) -> Sql:  # noqa: PLR0911
    """``expression <op> value`` as a boolean SQL expression."""
    op, value = condition.op, condition.value
    if op == "exists":
        return Sql().add(f"({expression} IS NOT NULL)")
    if op == "not_exists":
        return Sql().add(f"({expression} IS NULL)")
    if op in _SQL_OPERATOR:
        typed, placeholder = _typed(expression, value)
        return Sql().add(f"({typed} {_SQL_OPERATOR[op]} {placeholder})", _parameter(value))
    if op == "between":
        low, high = value
        typed, placeholder = _typed(expression, low)
        return Sql().add(
            f"({typed} BETWEEN {placeholder} AND {placeholder})", _parameter(low), _parameter(high)
        )
    if op in {"in", "not_in"}:
        return _membership(expression, tuple(value), negate=op == "not_in")
    if op == "contains":
        return Sql().add(f"contains(lower({expression}), lower(?))", value)
    if op == "starts_with":
        return Sql().add(f"starts_with(lower({expression}), lower(?))", value)
    if op == "ends_with":
        return Sql().add(f"ends_with(lower({expression}), lower(?))", value)
    raise AssertionError(f"operator {op} passed validation but has no SQL")


def _membership(expression: str, values: tuple[Any, ...], *, negate: bool) -> Sql:
    keyword = "NOT IN" if negate else "IN"
    # A value of the other type (text against a number) is "not in" the list, never unknown.
    fallback = "true" if negate else "false"
    numbers = [v for v in values if not isinstance(v, str | bool)]
    texts = [
        ("true" if v else "false") if isinstance(v, bool) else str(v)
        for v in values
        if isinstance(v, str | bool)
    ]
    pieces: list[Sql] = []
    if numbers:
        pieces.append(
            Sql().add(
                f"coalesce(TRY_CAST({expression} AS DOUBLE) {keyword} "
                f"(SELECT unnest(?::DOUBLE[])), {fallback})",
                [float(v) for v in numbers],
            )
        )
    if texts:
        pieces.append(
            Sql().add(
                f"coalesce({expression} {keyword} (SELECT unnest(?::VARCHAR[])), {fallback})",
                texts,
            )
        )
    joiner = " AND " if negate else " OR "
    result = Sql().add(f"({expression} IS NOT NULL AND (")
    for index, piece in enumerate(pieces):
        if index:
            result.add(joiner)
        result.extend(piece)
    return result.add("))")


def comparison_sql(expression: str, comparison: Comparison) -> Sql:
    """``expression`` (a number) against ``{"gte": 3}`` / ``{"between": [1, 5]}``."""
    if comparison.op == "between":
        low, high = comparison.value  # type: ignore[misc]
        return Sql().add(f"({expression} BETWEEN ? AND ?)", float(low), float(high))
    return Sql().add(f"({expression} {_SQL_OPERATOR[comparison.op]} ?)", comparison.value)


def admits_zero(comparison: Comparison | None) -> bool:
    """Whether a count (or sum) of zero satisfies the comparison: then people with no
    matching events match too."""
    if comparison is None:
        return False
    if comparison.op == "between":
        low, high = comparison.value  # type: ignore[misc]
        return bool(low <= 0 <= high)
    value = float(comparison.value)  # type: ignore[arg-type]
    return {
        "eq": value == 0,
        "neq": value != 0,
        "gt": value < 0,
        "gte": value <= 0,
        "lt": value > 0,
        "lte": value >= 0,
    }[comparison.op]
