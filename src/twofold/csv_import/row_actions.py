"""Rows written one at a time through the domain actions (memberships, deals): each row in a
savepoint, so a row the action refuses is undone alone and reported with its problem."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Literal

from pydantic import ValidationError
from sqlalchemy.orm import Session

from twofold.core.errors import TwofoldError
from twofold.core.progress import ProgressReporter
from twofold.csv_import.rows import CheckedRow
from twofold.csv_import.values import CellProblem

Outcome = Literal["created", "updated"]
RowAction = Callable[[CheckedRow], Outcome]


def apply_rows(
    session: Session, rows: Iterable[CheckedRow], action: RowAction, progress: ProgressReporter
) -> dict[str, int]:
    """Run ``action`` on each row in its own savepoint; counts of created and updated rows."""
    counts = {"created": 0, "updated": 0}
    for row in rows:
        savepoint = session.begin_nested()
        try:
            outcome = action(row)
            session.flush()
        except CellProblem as problem:
            savepoint.rollback()
            row.problem(None, problem.message)
        except TwofoldError as error:
            savepoint.rollback()
            for detail in error.details:
                row.problem(detail.field, detail.message)
            if not error.details:
                row.problem(None, error.message)
        except ValidationError as invalid:
            savepoint.rollback()
            for error_detail in invalid.errors():
                column = ".".join(str(part) for part in error_detail["loc"])
                row.problem(column or None, error_detail["msg"])
        else:
            savepoint.commit()
            counts[outcome] += 1
        progress.advance(1)
    return counts
