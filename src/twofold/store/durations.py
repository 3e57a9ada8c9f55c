"""Elapsed time between two stored timestamps, in fractional days, on either database.

SQLite keeps timestamps as text and measures with ``julianday``; PostgreSQL subtracts them
and reads the interval's seconds. Both give the same days for the same two moments, so
reports can average durations in SQL instead of loading the rows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, SQLColumnExpression
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

SECONDS_PER_DAY = 86_400


class days_between(FunctionElement[float]):  # noqa: N801 - reads as the SQL function it is
    """``days_between(start, end)``: days from ``start`` to ``end`` (negative if earlier)."""

    type = Float()
    inherit_cache = True
    name = "days_between"

    def __init__(self, start: SQLColumnExpression[Any], end: SQLColumnExpression[Any]) -> None:
        super().__init__(start, end)


def _arguments(element: days_between, compiler: SQLCompiler, **options: Any) -> tuple[str, str]:
    start, end = list(element.clauses)
    return compiler.process(start, **options), compiler.process(end, **options)


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: SQLCompiler, **options: Any) -> str:
    start, end = _arguments(element, compiler, **options)
    return f"(julianday({end}) - julianday({start}))"


@compiles(days_between, "postgresql")
def _days_between_postgresql(element: days_between, compiler: SQLCompiler, **options: Any) -> str:
    start, end = _arguments(element, compiler, **options)
    return f"(EXTRACT(EPOCH FROM ({end} - {start})) / {SECONDS_PER_DAY}.0)"
