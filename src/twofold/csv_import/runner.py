"""``import_csv``: read, map and check a CSV file, then (unless it is a dry run) write it.

All or nothing by default: when any row has a problem nothing is written and the report lists
every problem by row; ``valid_rows_only`` writes the rows without problems. The caller owns
the transaction (and commits it); the runner writes nothing it has not checked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from twofold.auth.permissions import ensure_can_write
from twofold.core.errors import PermissionDenied
from twofold.core.progress import ProgressReporter, SilentProgress
from twofold.csv_import import accounts, deals, memberships, persons
from twofold.csv_import.columns import ImportKind
from twofold.csv_import.mapping import ColumnMap, map_columns
from twofold.csv_import.reading import Table, read_table
from twofold.csv_import.references import Directory
from twofold.csv_import.report import ImportReport, PossibleDuplicate, RowProblem
from twofold.csv_import.row_actions import RowAction, apply_rows
from twofold.csv_import.rows import BulkPlan, Cells, CheckedRow, mapped_rows
from twofold.csv_import.values import CellProblem
from twofold.duplicates.matching import Match
from twofold.duplicates.queue import queue_matches
from twofold.store.models import User

RowCheck = Callable[[CheckedRow, Cells, Directory], None]
Planner = Callable[[Session, list[CheckedRow], Directory], BulkPlan]
DuplicateFinder = Callable[[Session, BulkPlan], None]
Writer = Callable[..., dict[int, int]]
CHECKS: dict[ImportKind, RowCheck] = {
    "persons": persons.check_person,
    "accounts": accounts.check_account,
    "memberships": memberships.check_membership,
    "deals": deals.check_deal,
}

BULK: dict[ImportKind, tuple[Planner, DuplicateFinder, Writer]] = {
    "persons": (persons.plan_persons, persons.find_person_duplicates, persons.write_persons),
    "accounts": (accounts.plan_accounts, accounts.find_account_duplicates, accounts.write_accounts),
}


@dataclass(frozen=True)
class ImportOptions:
    """How to read and write the file."""

    mapping: Mapping[str, str | None] = field(default_factory=dict)
    encoding: str = "utf-8"
    dry_run: bool = False
    valid_rows_only: bool = False


def import_csv(
    session: Session,
    *,
    actor: User | None,
    kind: ImportKind,
    data: bytes,
    options: ImportOptions,
    progress: ProgressReporter | None = None,
) -> ImportReport:
    """Import ``data`` (a CSV file's bytes) as records of ``kind``; a file that cannot be read
    or mapped is refused with ``ValidationFailed`` (nothing written)."""
    progress = progress or SilentProgress()
    if actor is not None:
        ensure_can_write(actor)
    elif kind in {"memberships", "deals"}:
        raise PermissionDenied(f"importing {kind} needs a user to act as")
    table = read_table(data, options.encoding)
    columns = map_columns(kind, table.header, options.mapping)
    report = ImportReport(
        kind=kind,
        dry_run=options.dry_run,
        rows=len(table.rows),
        mapping=columns.as_dict(table.header),
        ignored_columns=columns.ignored,
    )
    directory = Directory.load(session, actor)
    progress.start("Checking rows", len(table.rows))
    checked = _check_rows(
        table,
        columns=columns,
        check=CHECKS[kind],
        directory=directory,
        report=report,
        progress=progress,
    )
    if kind in {"persons", "accounts"}:
        _import_in_bulk(
            session,
            kind=kind,
            checked=checked,
            directory=directory,
            report=report,
            options=options,
            progress=progress,
        )
    else:
        assert actor is not None  # refused above
        make = memberships.membership_action if kind == "memberships" else deals.deal_action
        action = make(session, actor, directory)
        _import_row_by_row(
            session,
            checked=checked,
            action=action,
            report=report,
            options=options,
            progress=progress,
        )
    report.problems.sort(key=lambda problem: problem.row)
    return report


def _check_rows(
    table: Table,
    *,
    columns: ColumnMap,
    check: RowCheck,
    directory: Directory,
    report: ImportReport,
    progress: ProgressReporter,
) -> list[CheckedRow]:
    checked: list[CheckedRow] = []
    for count, (number, cells) in enumerate(mapped_rows(table, columns), start=1):
        if isinstance(cells, RowProblem):
            report.problems.append(cells)
            continue
        row = CheckedRow(number)
        check(row, cells, directory)
        report.problems.extend(row.problems)
        if not row.problems:
            checked.append(row)
        if count % 10_000 == 0:
            progress.advance(10_000)
    progress.advance(len(table.rows) % 10_000)
    return checked


def _refused(report: ImportReport, options: ImportOptions) -> bool:
    return options.dry_run or (bool(report.problems) and not options.valid_rows_only)


def _import_in_bulk(
    session: Session,
    *,
    kind: ImportKind,
    checked: list[CheckedRow],
    directory: Directory,
    report: ImportReport,
    options: ImportOptions,
    progress: ProgressReporter,
) -> None:
    plan_rows, find_duplicates, write = BULK[kind]
    try:
        directory.custom_defaults("person" if kind == "persons" else "account")
    except CellProblem as problem:
        report.problems.append(RowProblem(0, None, problem.message))
    plan = plan_rows(session, checked, directory)
    for row in checked:
        if row.row not in plan.rows:  # the same record as an earlier row
            report.problems.extend(row.problems)
    progress.start("Finding duplicates", 1)
    find_duplicates(session, plan)
    progress.advance(1)
    report.possible_duplicates = [_possible(match) for match in plan.matches]
    report.valid = len(plan.rows)
    report.skipped = report.rows - report.valid
    if _refused(report, options):
        return
    written = write(session, plan, directory=directory, progress=progress)
    report.updated = len(plan.updates)
    report.created = len(written) - report.updated
    report.imported = True
    report.queued_duplicates = queue_matches(
        session,
        kind="persons" if kind == "persons" else "accounts",
        matches=_with_record_ids(plan.matches, written),
    )


def _import_row_by_row(
    session: Session,
    *,
    checked: list[CheckedRow],
    action: RowAction,
    report: ImportReport,
    options: ImportOptions,
    progress: ProgressReporter,
) -> None:
    progress.start("Writing rows", len(checked))
    everything = session.begin_nested()  # a dry run (or a refusal) undoes every row
    counts = apply_rows(session, checked, action, progress)
    for row in checked:
        report.problems.extend(row.problems)
    report.valid = sum(1 for row in checked if not row.problems)
    report.skipped = report.rows - report.valid
    if _refused(report, options):
        everything.rollback()
        return
    everything.commit()
    report.created, report.updated = counts["created"], counts["updated"]
    report.imported = True


def _possible(match: Match) -> PossibleDuplicate:
    """Rows are negative ids; the lower id of a pair is always a row."""
    row, other = -match.record_id, match.other_record_id
    if other < 0:
        return PossibleDuplicate(row, None, -other, match.score, match.reasons)
    return PossibleDuplicate(row, other, None, match.score, match.reasons)


def _with_record_ids(matches: list[Match], written: dict[int, int]) -> list[Match]:
    """The pairs with rows replaced by the ids they were written as (unwritten rows dropped)."""
    resolved: dict[tuple[int, int], Match] = {}
    for match in matches:
        ids = [written.get(-i) if i < 0 else i for i in (match.record_id, match.other_record_id)]
        if ids[0] is None or ids[1] is None or ids[0] == ids[1]:
            continue
        low, high = sorted((ids[0], ids[1]))
        resolved.setdefault((low, high), Match(low, high, match.score, list(match.reasons)))
    return list(resolved.values())
