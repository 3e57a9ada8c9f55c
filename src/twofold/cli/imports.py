"""``twofold import events|orders FILE`` and ``twofold events export DIR``: bulk work on the
event store, in this process or, when the server holds the store, by the server."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import duckdb
import typer
from rich.console import Console

from twofold.cli.progress import RichProgress
from twofold.cli.setup import initialise
from twofold.core.errors import TwofoldError
from twofold.core.settings import Settings, load_settings
from twofold.events.lake import export_lake
from twofold.ingest import inbox
from twofold.ingest.imports import ImportRefused, ImportReport
from twofold.ingest.inbox import ImportRequest
from twofold.ingest.runtime import Ingestion

import_app = typer.Typer(
    help="Import events or orders (JSONL, CSV, Parquet) or records (accounts, persons, "
    "memberships, deals: CSV)."
)
events_app = typer.Typer(help="The event store.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)

FileArgument = Annotated[Path, typer.Argument(help="a .jsonl/.ndjson, .csv or .parquet file")]
SourceOption = Annotated[str, typer.Option("--source", help="the source the rows are from")]
SkipOption = Annotated[
    bool, typer.Option("--skip-invalid", help="import the valid rows when some are invalid")
]
FormatOption = Annotated[
    str | None, typer.Option("--format", help="jsonl, csv or parquet (default: from the name)")
]


@import_app.command("events")
def import_events(
    file: FileArgument,
    source: SourceOption = "Import",
    skip_invalid: SkipOption = False,
    file_format: FormatOption = None,
) -> None:
    """Events in the Segment message shape (type, event, userId, anonymousId, timestamp...)."""
    _import(file, "events", source, skip_invalid, file_format)


@import_app.command("orders")
def import_orders(
    file: FileArgument,
    source: SourceOption = "Import",
    skip_invalid: SkipOption = False,
    file_format: FormatOption = None,
) -> None:
    """Orders, one per row (order_id, user_id or email, total, currency, placed_at...)."""
    _import(file, "orders", source, skip_invalid, file_format)


@events_app.command("export")
def export_events(
    directory: Annotated[Path, typer.Argument(help="the lake directory (created if missing)")],
) -> None:
    """Write the events not exported yet to a date-partitioned Parquet lake."""
    settings = load_settings()
    request = ImportRequest(path=str(directory.resolve()), kind="lake", source="")
    if _server_holds(settings):
        console.print("The server is running: it writes the export.")
        status = _through_server(settings, request)
    else:
        database = initialise(settings)
        ingestion = Ingestion.for_settings(settings, database)
        ingestion.start()
        try:
            ingestion.flush()
            exported = export_lake(ingestion.store, directory.resolve())
        finally:
            ingestion.stop()
            database.dispose()
        status = {"state": "done", "report": exported.__dict__}
    if status.get("state") != "done":
        _fail(str(status.get("error", "the export failed")))
    report = status["report"]
    console.print(
        f"Exported {report['events']} events to {directory} "
        f"(through load {report['through_load']})."
    )


def _import(
    file: Path, kind: str, source: str, skip_invalid: bool, file_format: str | None
) -> None:
    if file_format not in {None, "jsonl", "csv", "parquet"}:
        _fail("--format must be jsonl, csv or parquet")
    if not file.is_file():
        _fail(f"{file} does not exist")
    settings = load_settings()
    request = ImportRequest(
        path=str(file.resolve()),
        kind=kind,
        source=source,
        skip_invalid=skip_invalid,
        file_format=file_format,
    )
    started = time.perf_counter()
    if _server_holds(settings):
        console.print("The server is running: it runs the import.")
        status = _through_server(settings, request)
    else:
        status = _here(settings, request)
    _show(status, time.perf_counter() - started)


def _server_holds(settings: Settings) -> bool:
    """Whether another process (the server) has the event store open."""
    path = settings.home / "events" / "events.duckdb"
    if not path.exists():
        return False
    try:
        duckdb.connect(str(path)).close()
    except duckdb.IOException as error:
        return "lock" in str(error).lower()
    return False


def _here(settings: Settings, request: ImportRequest) -> dict[str, Any]:
    database = initialise(settings)
    ingestion = Ingestion(settings.home, database)
    ingestion.start()
    try:
        ingestion.flush()
        with RichProgress(console) as progress:
            report = ingestion.run_import(request, progress)
    except ImportRefused as refused:
        return {"state": "refused", "error": refused.message, "report": refused.report.__dict__}
    except TwofoldError as error:
        return {"state": "failed", "error": error.message}
    finally:
        ingestion.stop()
        database.dispose()
    return {"state": "done", "report": report.__dict__}


def _through_server(settings: Settings, request: ImportRequest) -> dict[str, Any]:
    request_id = inbox.submit(settings.home, request)
    shown = ""
    deadline = time.monotonic() + 3600
    while time.monotonic() < deadline:
        status = inbox.read_status(settings.home, request_id)
        if status is not None and status.get("state") != "running":
            inbox.forget(settings.home, request_id)
            return status
        if status is not None and status.get("phase") != shown:
            shown = str(status.get("phase"))
            console.print(f"  {shown} ({status.get('done')}/{status.get('total')})")
        time.sleep(0.2)
    _fail("the server did not finish the import within an hour; it may still be running")
    return {}


def _show(status: dict[str, Any], seconds: float) -> None:
    report = status.get("report") or {}
    for problem in (report.get("problems") or [])[:20]:
        row, message = _problem(problem)
        errors.print(f"  row {row}: {message}")
    if status.get("state") != "done":
        _fail(str(status.get("error", "the import failed")))
    rows = int(report.get("rows", 0))
    rate = rows / seconds if seconds > 0 else 0.0
    console.print(
        f"Imported {report.get('stored', 0)} of {rows} rows "
        f"({report.get('duplicates', 0)} already stored, {report.get('invalid', 0)} invalid) "
        f"in {seconds:.1f} s ({rate:,.0f} rows/s)."
    )


def _problem(problem: Any) -> tuple[Any, Any]:
    if isinstance(problem, dict):
        return problem.get("row"), problem.get("message")
    return problem.row, problem.message


def _fail(message: str) -> None:
    errors.print(f"[red]Error:[/red] {message}")
    raise typer.Exit(code=1)


__all__ = ["ImportReport", "events_app", "import_app"]
