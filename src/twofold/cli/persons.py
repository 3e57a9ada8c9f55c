"""``twofold persons``: erase or export one person's data from the command line.

DuckDB lets one process open the event store, and a running server holds it. These
commands open it themselves and refuse with a clear message while a server runs (use the
API then: ``POST /api/v1/persons/ID/erase``, ``GET /api/v1/persons/ID/export``). See
docs/decisions/0009-merge-and-privacy.md.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import duckdb
import orjson
import typer
from rich.console import Console
from rich.table import Table

from twofold.cli.setup import initialise
from twofold.core.errors import TwofoldError
from twofold.core.settings import load_settings
from twofold.events.store import EventStore, event_store_path
from twofold.persons.actions import display_name, get_person
from twofold.persons.erasure import erase_person, settle_pending_erasures
from twofold.persons.export import export_person
from twofold.persons.stores import PersonStores

persons_app = typer.Typer(help="Erase or export a person's data (GDPR).", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)

SERVER_RUNNING = (
    "the event store is open in a running Twofold server (DuckDB allows one process). "
    "Stop the server first, or use the API: {api}"
)


class EventStoreBusy(Exception):
    """Another process (the server) holds the DuckDB file."""


@contextmanager
def person_stores() -> Iterator[PersonStores]:
    """The records database and the event store, opened by this process."""
    settings = load_settings()
    database = initialise(settings)
    try:
        try:
            events = EventStore(event_store_path(settings.home))
        except duckdb.IOException as error:
            if "lock" in str(error).lower():
                raise EventStoreBusy from None
            raise
        try:
            stores = PersonStores(database, events)
            settle_pending_erasures(stores)
            yield stores
        finally:
            events.close()
    finally:
        database.dispose()


def _fail(message: str) -> typer.Exit:
    errors.print(f"[red]Error:[/red] {message}", soft_wrap=True)
    return typer.Exit(code=1)


@persons_app.command("erase")
def persons_erase(
    person_id: Annotated[int, typer.Argument(help="the person's id", min=1)],
    yes: Annotated[bool, typer.Option("--yes", help="do not ask for confirmation")] = False,
) -> None:
    """Erase everything about a person from both databases (cannot be undone)."""
    try:
        with person_stores() as stores:
            with stores.database.transaction(write=False) as session:
                name = display_name(get_person(session, person_id))
            if not yes and not typer.confirm(
                f"Erase person {person_id} ({name}) and all their events? This cannot be undone"
            ):
                raise _fail("nothing was erased")
            report = erase_person(stores, actor=None, person_id=person_id)
    except EventStoreBusy:
        raise _fail(SERVER_RUNNING.format(api=f"POST /api/v1/persons/{person_id}/erase")) from None
    except TwofoldError as error:
        raise _fail(error.message) from None
    table = Table("removed", "count")
    for kind, count in report.removed.items():
        table.add_row(kind, str(count))
    table.add_row("suppressed identifiers", str(report.suppressed_identifiers))
    console.print(f"Erased person {person_id}.")
    console.print(table)


@persons_app.command("export")
def persons_export(
    person_id: Annotated[int, typer.Argument(help="the person's id", min=1)],
    out: Annotated[
        Path | None, typer.Option("--out", help="write to this file (default: standard output)")
    ] = None,
) -> None:
    """Write everything about a person as one JSON document."""
    try:
        with person_stores() as stores:
            document = export_person(stores, actor=None, person_id=person_id)
    except EventStoreBusy:
        raise _fail(SERVER_RUNNING.format(api=f"GET /api/v1/persons/{person_id}/export")) from None
    except TwofoldError as error:
        raise _fail(error.message) from None
    data = orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"
    if out is None:
        typer.echo(data.decode(), nl=False)
        return
    # Personal data: readable by the owner only.
    descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
    errors.print(f"Wrote the data of person {person_id} to {out}")
