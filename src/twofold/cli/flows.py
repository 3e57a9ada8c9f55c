"""``twofold flows work``: a worker process that enters people and executes due flow steps
(decision 0018). PostgreSQL only: several processes share the due runs with ``FOR UPDATE
SKIP LOCKED``. On SQLite the server's embedded worker is the one that runs flows (SQLite has
one writer; a second process would only queue behind it), so the command refuses.

The event store is opened read-only when no process holds it for writing; otherwise (a
server runs on this data directory) the worker runs what needs only the records database —
delays, messages, tasks, traits, webhooks, lists, splits, date and deal-stage entries — and
leaves conditions, waits and flows with exit events to the server. SIGTERM or Ctrl-C stops it
after the pass in progress (each step commits on its own, so nothing is half done).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Annotated

import duckdb
import typer
from rich.console import Console

from twofold.core.settings import load_settings
from twofold.core.time import utcnow
from twofold.events.store import EventStore, event_store_path
from twofold.flows.engine import run_due
from twofold.flows.triggers import collect_entries
from twofold.store.database import open_database

flows_app = typer.Typer(help="Flows: the worker process (PostgreSQL).", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)
SQLITE_REFUSAL = (
    "twofold flows work needs PostgreSQL (TWOFOLD_DATABASE_URL=postgresql://...). On SQLite "
    "the server's own flow worker runs flows: SQLite has one writer, so a second process would "
    "only wait for it."
)


@flows_app.command("work")
def work(
    seconds: Annotated[
        float, typer.Option("--seconds", min=0.01, max=60, help="pause when nothing is due")
    ] = 1.0,
    batch: Annotated[int, typer.Option("--batch", min=1, max=5000, help="runs per pass")] = 200,
) -> None:
    """Enter people and execute due flow steps until SIGTERM or Ctrl-C."""
    settings = load_settings()
    if not settings.database_url.startswith("postgresql"):
        errors.print(f"[red]Error:[/red] {SQLITE_REFUSAL}", soft_wrap=True)
        raise typer.Exit(code=1)
    stop = _stop_on_signals()
    database = open_database(settings.database_url)
    entered = executed = 0
    try:
        with _read_only_events(settings.home) as store:
            mode = "with the event store" if store else "records only (the event store is busy)"
            console.print(f"Flow worker started, {mode}.", soft_wrap=True)
            while not stop.is_set():
                now = utcnow()
                new = collect_entries(database, store, now=now)
                done = run_due(database, store, now=now, limit=batch)
                entered, executed = entered + new, executed + done
                if done < batch:
                    stop.wait(seconds)
    finally:
        database.dispose()
    console.print(f"Flow worker stopped: {entered} entered, {executed} steps executed.")


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def request_stop(_signal: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    return stop


@contextmanager
def _read_only_events(home: Path) -> Iterator[EventStore | None]:
    path = event_store_path(home)
    try:
        store = EventStore(path, read_only=True) if path.exists() else None
    except duckdb.IOException:  # a server holds it for writing
        store = None
    try:
        yield store
    finally:
        if store is not None:
            store.close()
