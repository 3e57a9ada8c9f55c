"""What an import found and did: problems by row, possible duplicates, counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RowProblem:
    """A problem in one row (``row`` 0: the file as a whole), in one column if known."""

    row: int
    column: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass(frozen=True)
class PossibleDuplicate:
    """A row that looks like a stored record (``record_id``) or another row (``other_row``)."""

    row: int
    record_id: int | None
    other_row: int | None
    score: int
    reasons: list[str]

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "row": self.row,
            "record_id": self.record_id,
            "other_row": self.other_row,
            "score": self.score,
            "reasons": self.reasons,
        }


@dataclass
class ImportReport:
    """The outcome of an import or a dry run.

    ``imported`` is false for a dry run and for a refused import (problems, and the valid
    rows were not asked for): then nothing was written.
    """

    kind: str
    dry_run: bool
    rows: int = 0
    valid: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    imported: bool = False
    queued_duplicates: int = 0
    mapping: dict[str, str] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    possible_duplicates: list[PossibleDuplicate] = field(default_factory=list)

    @property
    def invalid_rows(self) -> int:
        """How many rows have at least one problem."""
        return len({problem.row for problem in self.problems if problem.row > 0})

    def as_dict(self) -> dict[str, Any]:
        """JSON form (the API answer and the UI's report)."""
        return {
            "kind": self.kind,
            "dry_run": self.dry_run,
            "imported": self.imported,
            "rows": self.rows,
            "valid": self.valid,
            "invalid_rows": self.invalid_rows,
            "created": self.created,
            "updated": self.updated,
            "skipped": self.skipped,
            "queued_duplicates": self.queued_duplicates,
            "mapping": self.mapping,
            "ignored_columns": self.ignored_columns,
            "problems": [problem.as_dict() for problem in self.problems],
            "possible_duplicates": [dup.as_dict() for dup in self.possible_duplicates],
        }
