"""``twofold segments``: define, inspect and export segments from the command line.

Rules are the same JSON as in the API and the UI (``--rule '{"trait": ...}'`` or
``--rule @rule.json``). Definitions go to the records database; a running server notices a
new or changed one within a second and evaluates it. Commands that read members open the
event store themselves and refuse while a server holds it (use the API then).
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import duckdb
import orjson
import typer
from rich.console import Console
from rich.table import Table

from twofold.cli.setup import initialise
from twofold.core.errors import TwofoldError, ValidationFailed
from twofold.core.settings import load_settings
from twofold.core.time import naive_utc, utcnow
from twofold.events.store import EventStore, event_store_path
from twofold.segments import actions, queries
from twofold.segments.actions import SegmentCreate, SegmentUpdate
from twofold.segments.definitions import as_definition
from twofold.segments.engine import SegmentEngine
from twofold.segments.rules import Target, parse_rule
from twofold.store.database import Database

segments_app = typer.Typer(help="Define, inspect and export segments.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)

SERVER_RUNNING = (
    "the event store is open in a running Twofold server (DuckDB allows one process). "
    "Use the API instead: {api}"
)
RuleOption = Annotated[
    str, typer.Option("--rule", help="the rule as JSON, or @FILE to read it from a file")
]
TargetOption = Annotated[str, typer.Option("--target", help="persons or accounts")]


class _Busy(Exception):
    pass


@contextmanager
def _records() -> Iterator[Database]:
    database = initialise(load_settings())
    try:
        yield database
    finally:
        database.dispose()


@contextmanager
def _engine(database: Database) -> Iterator[SegmentEngine | None]:
    """The segment engine on this process's own event store; ``None`` while a server runs."""
    try:
        store = EventStore(event_store_path(load_settings().home))
    except duckdb.IOException as error:
        if "lock" not in str(error).lower():
            raise
        yield None
        return
    try:
        engine = SegmentEngine(store, database)
        engine.sync()
        yield engine
    finally:
        store.close()


def _fail(message: str) -> typer.Exit:
    errors.print(f"[red]Error:[/red] {message}", soft_wrap=True)
    return typer.Exit(code=1)


def _explain(error: TwofoldError) -> typer.Exit:
    for problem in error.details or []:
        errors.print(f"  {problem.field}: {problem.message}", soft_wrap=True)
    return _fail(error.message)


def _read_rule(text: str) -> Any:
    if text.startswith("@"):
        path = Path(text[1:])
        if not path.is_file():
            raise _fail(f"no rule file {path}")
        text = path.read_text(encoding="utf-8")
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise _fail(f"the rule is not JSON: {error}") from None


def _target(text: str) -> Target:
    if text not in {"persons", "accounts"}:
        raise _fail("--target must be persons or accounts")
    return "accounts" if text == "accounts" else "persons"


@segments_app.command("list")
def segments_list() -> None:
    """Every segment with its member count."""
    table = Table("id", "name", "target", "members", "evaluated")
    with (
        _records() as database,
        _engine(database) as engine,
        database.transaction(write=False) as session,
    ):
        for segment in actions.list_segments(session):
            count, when = "—", "while the server runs: see the API"
            if engine is not None:
                with engine.store.reader() as reader:
                    evaluated = queries.evaluation(reader, segment.id)
                count = str(evaluated.members)
                at = evaluated.evaluated_at
                when = f"{at:%Y-%m-%d %H:%M}" if at else "never"
            table.add_row(str(segment.id), segment.name, segment.target, count, when)
    console.print(table)


@segments_app.command("create")
def segments_create(
    name: Annotated[str, typer.Argument(help="the segment's name")],
    rule: RuleOption,
    target: TargetOption = "persons",
    description: Annotated[str, typer.Option("--description")] = "",
) -> None:
    """Save a segment (the rule is checked first) and evaluate it."""
    document = _read_rule(rule)
    with _records() as database:
        try:
            with database.transaction() as session:
                data = SegmentCreate(name=name, description=description,
                                     target=_target(target), rule=document)  # fmt: skip
                segment = actions.create_segment(session, actor=None, data=data)
                definition = as_definition(segment)
        except TwofoldError as error:
            raise _explain(error) from None
        except ValueError as error:  # pydantic: the name's length
            raise _fail(str(error).splitlines()[0]) from None
        with _engine(database) as engine:
            if engine is None:
                console.print(f"Created segment {definition.id}; the running server evaluates it.")
                return
            engine.evaluate_saved(definition)
            with engine.store.reader() as reader:
                members = queries.evaluation(reader, definition.id).members
    console.print(f"Created segment {definition.id} ({name}): {members} members.")


@segments_app.command("update")
def segments_update(
    segment_id: Annotated[int, typer.Argument(min=1)],
    rule: Annotated[str | None, typer.Option("--rule", help="a new rule (JSON or @FILE)")] = None,
    name: Annotated[str | None, typer.Option("--name")] = None,
) -> None:
    """Rename a segment or change its rule."""
    document = _read_rule(rule) if rule is not None else None
    with _records() as database:
        try:
            with database.transaction() as session:
                segment = actions.get_segment(session, segment_id)
                actions.update_segment(session, actor=None, segment=segment,
                                       data=SegmentUpdate(name=name, rule=document))  # fmt: skip
                definition = as_definition(segment)
        except TwofoldError as error:
            raise _explain(error) from None
        with _engine(database) as engine:
            if engine is not None:
                engine.evaluate_saved(definition)
    console.print(f"Updated segment {segment_id}.")


@segments_app.command("delete")
def segments_delete(segment_id: Annotated[int, typer.Argument(min=1)]) -> None:
    """Delete a segment that no other segment refers to."""
    with _records() as database:
        try:
            with database.transaction() as session:
                segment = actions.get_segment(session, segment_id)
                actions.delete_segment(session, actor=None, segment=segment)
        except TwofoldError as error:
            raise _explain(error) from None
        with _engine(database) as engine:
            if engine is not None:
                engine.forget(segment_id)
    console.print(f"Deleted segment {segment_id}.")


@segments_app.command("preview")
def segments_preview(rule: RuleOption, target: TargetOption = "persons") -> None:
    """How many would match a rule now, and a sample, without saving anything."""
    document = _read_rule(rule)
    chosen = _target(target)
    try:
        node = parse_rule(document, target=chosen)
    except ValidationFailed as error:
        raise _explain(error) from None
    with _records() as database, _engine(database) as engine:
        if engine is None:
            raise _fail(SERVER_RUNNING.format(api="POST /api/v1/segments/preview"))
        with engine.store.reader() as reader:
            count, sample = queries.preview(reader, node, chosen, naive_utc(utcnow()))
    console.print(f"{count} would match.")
    table = Table("id", "name", "email" if chosen == "persons" else "domain")
    for member in sample:
        table.add_row(str(member.id), member.name, member.email or "")
    console.print(table)


@segments_app.command("export")
def segments_export(
    segment_id: Annotated[int, typer.Argument(min=1)],
    out: Annotated[
        Path | None, typer.Option("--out", help="the CSV file (default: stdout)")
    ] = None,
    audience: Annotated[
        str | None, typer.Option("--audience", help="meta or google: hashed contacts instead")
    ] = None,
) -> None:
    """The members as CSV, or an ad-platform audience file of hashed emails and phones."""
    if audience is not None and audience not in {"meta", "google"}:
        raise _fail("--audience must be meta or google")
    with _records() as database:
        try:
            with database.transaction(write=False) as session:
                segment = actions.get_segment(session, segment_id)
                chosen: Target = "accounts" if segment.target == "accounts" else "persons"
        except TwofoldError as error:
            raise _explain(error) from None
        if audience is not None and chosen == "accounts":
            raise _fail("audience files are made of persons' contacts")
        with _engine(database) as engine:
            if engine is None:
                api = f"GET /api/v1/segments/{segment_id}/export.csv"
                raise _fail(SERVER_RUNNING.format(api=api))
            with engine.store.reader() as reader:
                if audience is not None:
                    header: tuple[str, ...] = ("email_sha256", "phone_sha256")
                    rows: Iterator[tuple[Any, ...]] = queries.audience_rows(
                        reader, segment_id, "google" if audience == "google" else "meta"
                    )
                else:
                    header = ("id", "name", "domain" if chosen == "accounts" else "email",
                              "entered_at")  # fmt: skip
                    rows = queries.member_rows(reader, segment_id, chosen)
                written = _write_csv(out, header, rows)
    errors.print(f"{written} rows written.")


def _write_csv(out: Path | None, header: tuple[str, ...], rows: Iterator[tuple[Any, ...]]) -> int:
    handle = out.open("w", newline="", encoding="utf-8") if out else sys.stdout
    try:
        writer = csv.writer(handle)
        writer.writerow(header)
        count = 0
        for row in rows:
            writer.writerow(["" if value is None else value for value in row])
            count += 1
        return count
    finally:
        if out:
            handle.close()
