"""``twofold import accounts|persons|memberships|deals FILE`` (CSV into the records database)
and ``twofold duplicates scan``."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, cast

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.auth.users import get_user_by_email
from twofold.cli.progress import RichProgress
from twofold.cli.setup import initialise
from twofold.core.enums import Role
from twofold.core.errors import TwofoldError
from twofold.core.settings import load_settings
from twofold.csv_import.columns import ImportKind
from twofold.csv_import.report import ImportReport
from twofold.csv_import.runner import ImportOptions, import_csv
from twofold.duplicates.queue import Kind, scan_duplicates
from twofold.store.models import User

duplicates_app = typer.Typer(help="Find duplicate persons and accounts.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)
SHOWN_PROBLEMS = 50

CsvFile = Annotated[Path, typer.Argument(help="a CSV file with a header row")]
MappingOption = Annotated[
    Path | None,
    typer.Option("--mapping", help='JSON file {"CSV header": "field" or null}'),
]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="check every row and report; write nothing")
]
ValidRowsOption = Annotated[
    bool, typer.Option("--valid-rows-only", help="import the valid rows when some are not")
]
EncodingOption = Annotated[
    str, typer.Option("--encoding", help="utf-8 (a BOM is fine), latin-1 or cp1252")
]
UserOption = Annotated[
    str | None,
    typer.Option("--user", help="the user the import acts as (default: the first admin)"),
]


def register_record_imports(import_app: typer.Typer) -> None:
    """Add the four record kinds to ``twofold import``."""
    for kind in ("accounts", "persons", "memberships", "deals"):
        import_app.command(kind, help=f"{kind.capitalize()} from a CSV file.")(_command(kind))


def _command(kind: ImportKind) -> Callable[..., None]:
    def command(
        file: CsvFile,
        *,
        mapping: MappingOption = None,
        dry_run: DryRunOption = False,
        valid_rows_only: ValidRowsOption = False,
        encoding: EncodingOption = "utf-8",
        user: UserOption = None,
    ) -> None:
        options = ImportOptions(
            mapping=_read_mapping(mapping),
            encoding=encoding,
            dry_run=dry_run,
            valid_rows_only=valid_rows_only,
        )
        run_import(kind, file, options, user)

    return command


def run_import(kind: ImportKind, file: Path, options: ImportOptions, user: str | None) -> None:
    """Import ``file`` in one transaction, with a progress bar, and print the report."""
    if not file.is_file():
        _fail(f"{file} does not exist")
    database = initialise(load_settings())
    started = time.perf_counter()
    try:
        with database.transaction() as session, RichProgress(console) as progress:
            actor = _actor(session, user)
            report = import_csv(
                session,
                actor=actor,
                kind=kind,
                data=file.read_bytes(),
                options=options,
                progress=progress,
            )
    except TwofoldError as error:
        for detail in error.details:
            errors.print(escape(f"  {detail.field}: {detail.message}"), soft_wrap=True)
        _fail(error.message)
    finally:
        database.dispose()
    _show(report, time.perf_counter() - started)


@duplicates_app.command("scan")
def scan(
    kind: Annotated[str, typer.Option("--kind", help="persons or accounts")] = "persons",
) -> None:
    """Compare every person (or account) and queue the pairs never proposed before."""
    if kind not in {"persons", "accounts"}:
        _fail("--kind must be persons or accounts")
    checked: Kind = "persons" if kind == "persons" else "accounts"
    database = initialise(load_settings())
    started = time.perf_counter()
    try:
        with database.transaction() as session, RichProgress(console) as progress:
            report = scan_duplicates(session, actor=None, kind=checked, progress=progress)
    finally:
        database.dispose()
    console.print(
        f"Compared {report.records} {kind} in {time.perf_counter() - started:.1f} s: "
        f"{report.found} candidate pairs, {report.added} new in the review queue.",
        soft_wrap=True,
    )


def _actor(session: Session, email: str | None) -> User | None:
    if email is not None:
        return get_user_by_email(session, email)
    return session.scalar(select(User).where(User.role == Role.ADMIN).order_by(User.id))


def _read_mapping(path: Path | None) -> dict[str, str | None]:
    if path is None:
        return {}
    try:
        mapping = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        _fail(f"cannot read the mapping {path}: {error}")
    if not isinstance(mapping, dict) or not all(
        isinstance(key, str) and (value is None or isinstance(value, str))
        for key, value in mapping.items()
    ):
        _fail('the mapping must be a JSON object {"CSV header": "field" or null}')
    return cast("dict[str, str | None]", mapping)


def _show(report: ImportReport, seconds: float) -> None:
    for problem in report.problems[:SHOWN_PROBLEMS]:
        where = f"row {problem.row}" if problem.row else "file"
        column = f" [{problem.column}]" if problem.column else ""
        errors.print(escape(f"  {where}{column}: {problem.message}"), soft_wrap=True)
    if len(report.problems) > SHOWN_PROBLEMS:
        errors.print(f"  ... and {len(report.problems) - SHOWN_PROBLEMS} more problems")
    duplicates = len(report.possible_duplicates)
    if report.dry_run:
        console.print(
            f"Dry run: {report.valid} of {report.rows} rows are valid, "
            f"{report.invalid_rows} have problems, {duplicates} look like duplicates. "
            "Nothing was written.",
            soft_wrap=True,
        )
    elif report.imported:
        rate = report.rows / seconds if seconds > 0 else 0.0
        console.print(
            f"Imported {report.kind}: {report.created} created, {report.updated} updated, "
            f"{report.skipped} skipped; {report.queued_duplicates} possible duplicates queued "
            f"for review. {seconds:.1f} s ({rate:,.0f} rows/s).",
            soft_wrap=True,
        )
    else:
        console.print(
            f"Nothing was imported: {report.invalid_rows} of {report.rows} rows have problems. "
            "Fix them, or pass --valid-rows-only to import the valid rows.",
            soft_wrap=True,
        )
    if report.problems and not report.imported:
        raise typer.Exit(code=1)


def _fail(message: str) -> None:
    errors.print(f"[red]Error:[/red] {escape(message)}", soft_wrap=True)
    raise typer.Exit(code=1)
