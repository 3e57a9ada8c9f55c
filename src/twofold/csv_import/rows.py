"""Turning mapped cells into checked field values, collecting every problem by row."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from twofold.csv_import.mapping import ColumnMap
from twofold.csv_import.reading import Table
from twofold.csv_import.report import RowProblem
from twofold.csv_import.values import CellProblem
from twofold.duplicates.matching import Match

Cells = dict[str, str]


@dataclass
class CheckedRow:
    """One row's values (only the fields with a non-empty cell) and its problems."""

    row: int
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[RowProblem] = field(default_factory=list)

    def parse(self, cells: Cells, name: str, parse: Callable[[str], Any]) -> None:
        """Store the parsed cell of ``name`` when it is not empty; note a bad cell."""
        raw = cells.get(name, "")
        if not raw.strip():
            return
        try:
            self.values[name] = parse(raw)
        except CellProblem as problem:
            self.problem(name, problem.message)

    def problem(self, column: str | None, message: str) -> None:
        """Note a problem in this row."""
        self.problems.append(RowProblem(self.row, column, message))


def mapped_rows(table: Table, columns: ColumnMap) -> Iterator[tuple[int, Cells | RowProblem]]:
    """``(row number, field → cell)``, or the problem of a row with the wrong cell count."""
    width = len(table.header)
    for number, cells in table.rows:
        if len(cells) != width:
            yield (
                number,
                RowProblem(number, None, f"has {len(cells)} cells; the header has {width}"),
            )
            continue
        yield number, {name: cells[index] for name, index in columns.columns.items()}


@dataclass
class BulkPlan:
    """The checked rows to write (``rows``), those that insert, those that update a stored
    record (row → id), and the duplicate pairs (rows as negative ids ``-row``)."""

    rows: dict[int, CheckedRow] = field(default_factory=dict)
    inserts: list[CheckedRow] = field(default_factory=list)
    updates: dict[int, int] = field(default_factory=dict)
    matches: list[Match] = field(default_factory=list)
