"""``twofold sources``: event sources and their write keys."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from twofold.cli.setup import initialise
from twofold.core.errors import TwofoldError
from twofold.core.settings import load_settings
from twofold.ingest.sources import create_source, keys_of, list_sources

sources_app = typer.Typer(help="Manage event sources and write keys.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)


@sources_app.command("create")
def sources_create(
    name: Annotated[str, typer.Argument(help="a name for the source, e.g. 'Web shop'")],
) -> None:
    """Create a source and print its write key (shown only once)."""
    database = initialise(load_settings())
    try:
        with database.transaction() as session:
            source, key = create_source(session, actor=None, name=name)
            console.print(f"Source: {source.name} (id {source.id})")
            console.print(f"Write key: {key.secret}", soft_wrap=True)
    except TwofoldError as error:
        errors.print(f"[red]Error:[/red] {error.message}")
        raise typer.Exit(code=1) from None
    finally:
        database.dispose()


@sources_app.command("list")
def sources_list() -> None:
    """List the sources and their keys (hints only; secrets are never stored)."""
    database = initialise(load_settings())
    try:
        table = Table("id", "name", "kind", "keys")
        with database.transaction(write=False) as session:
            for source in list_sources(session):
                keys = [
                    f"{key.hint}… ({'revoked' if key.revoked_at else 'active'})"
                    for key in keys_of(session, source.id)
                ]
                table.add_row(str(source.id), source.name, source.kind, ", ".join(keys))
        console.print(table)
    finally:
        database.dispose()
