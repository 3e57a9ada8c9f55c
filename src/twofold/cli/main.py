"""``twofold``: init, serve, demo, users, API keys, event sources, persons' data, predictions."""

from __future__ import annotations

import dataclasses
import secrets
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import exists, select

from twofold.auth.credentials import create_api_key
from twofold.auth.passwords import hash_password
from twofold.auth.users import create_user, get_user_by_email
from twofold.cli.contracts import accounts_app, contracts_app
from twofold.cli.flows import flows_app
from twofold.cli.imports import events_app, import_app
from twofold.cli.lazy import lazy_group_class
from twofold.cli.persons import persons_app
from twofold.cli.progress import RichProgress
from twofold.cli.record_imports import duplicates_app, register_record_imports
from twofold.cli.segments import segments_app
from twofold.cli.setup import initialise
from twofold.cli.sources import sources_app
from twofold.core.enums import Role
from twofold.core.errors import TwofoldError
from twofold.core.settings import Settings, load_settings
from twofold.core.time import utcnow
from twofold.demo.consumers import consumer_count, write_consumer_events
from twofold.demo.flows import add_demo_flows
from twofold.demo.generator import build_demo_company
from twofold.demo.sizes import DemoSize
from twofold.ingest.inbox import ImportRequest
from twofold.ingest.runtime import Ingestion
from twofold.ingest.sources import create_source, find_source, issue_write_key
from twofold.recommendations.refresh import refresh_recommendations
from twofold.store.database import Database
from twofold.store.models import Account

app = typer.Typer(
    help="Twofold: one CRM for accounts and for consumers.",
    no_args_is_help=True,
    cls=lazy_group_class({"predict": "twofold.cli.predict:predict_app"}),
)
users_app = typer.Typer(help="Manage users.", no_args_is_help=True)
apikeys_app = typer.Typer(help="Manage API keys.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(apikeys_app, name="apikeys")
app.add_typer(sources_app, name="sources")
app.add_typer(segments_app, name="segments")
app.add_typer(import_app, name="import")
app.add_typer(events_app, name="events")
app.add_typer(persons_app, name="persons")
app.add_typer(contracts_app, name="contracts")
app.add_typer(accounts_app, name="accounts")
app.add_typer(duplicates_app, name="duplicates")
app.add_typer(flows_app, name="flows")
register_record_imports(import_app)
console = Console()
errors = Console(stderr=True)

DEMO_ADMIN_EMAIL = "admin@twofold.example"
DEMO_SOURCE = "Web shop"


def _settings(port: int | None = None, host: str | None = None) -> Settings:
    settings = load_settings()
    overrides = {k: v for k, v in (("port", port), ("host", host)) if v is not None}
    return Settings(**{**settings.__dict__, **overrides}) if overrides else settings


def _fail(message: str) -> typer.Exit:
    errors.print(f"[red]Error:[/red] {message}")
    return typer.Exit(code=1)


@app.command()
def init() -> None:
    """Create the data directory, migrate the database and add the default pipeline."""
    settings = _settings()
    initialise(settings).dispose()
    console.print(f"Initialised Twofold in {settings.home}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="interface to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="port to listen on")] = None,
) -> None:
    """Serve the web UI and the API."""
    settings = _settings(port, host)
    initialise(settings).dispose()
    _serve(settings)


@app.command()
def demo(
    port: Annotated[int | None, typer.Option(help="port to listen on")] = None,
    size: Annotated[
        str, typer.Option(help="small, default, medium, large, scale=N or counts")
    ] = "default",
    serve_after: Annotated[
        bool, typer.Option("--serve/--no-serve", help="serve afterwards")
    ] = True,
) -> None:
    """Build the demo company (once), print a login and an API key, and serve it."""
    settings = _settings(port)
    try:
        demo_size = DemoSize.parse(size)
    except ValueError as error:
        raise _fail(str(error)) from None
    database = initialise(settings)
    try:
        _build_demo_if_empty(database, demo_size, settings.base_currency)
        _build_web_shop_if_missing(settings, database, demo_size)
        password, key = _demo_credentials(database)
        add_demo_flows(database, admin_email=DEMO_ADMIN_EMAIL)
        write_key = _demo_write_key(database)
    finally:
        database.dispose()
    console.print(f"Admin login: {DEMO_ADMIN_EMAIL} / {password}")
    console.print(f"API key: {key}")
    console.print(f"Write key ({DEMO_SOURCE}, for /v1/track and Segment clients): {write_key}")
    console.print(f"Open http://{settings.host}:{settings.port}/ (API docs at /docs)")
    if serve_after:
        _serve(settings)


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option(help="login email")],
    role: Annotated[Role, typer.Option(help="admin, manager, rep, marketer or viewer")] = Role.REP,
    name: Annotated[str, typer.Option(help="display name")] = "",
    password: Annotated[
        str | None, typer.Option(help="at least 10 characters; prompted for when omitted")
    ] = None,
) -> None:
    """Create a user."""
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    database = initialise(_settings())
    try:
        with database.transaction() as session:
            user = create_user(session, email=email, name=name, password=password, role=role)
            console.print(f"Created {user.role} {user.email} (id {user.id})")
    except TwofoldError as error:
        raise _fail(error.message) from None
    finally:
        database.dispose()


@apikeys_app.command("create")
def apikeys_create(
    user: Annotated[str, typer.Option("--user", help="email of the key's user")],
    name: Annotated[str, typer.Option(help="a label for the key")] = "cli",
) -> None:
    """Issue an API key for a user and print it (it is shown only once)."""
    database = initialise(_settings())
    try:
        with database.transaction() as session:
            issued = create_api_key(session, user=get_user_by_email(session, user), name=name)
            console.print(f"API key: {issued.secret}")
    except TwofoldError as error:
        raise _fail(error.message) from None
    finally:
        database.dispose()


def _build_demo_if_empty(database: Database, size: DemoSize, base_currency: str) -> None:
    with database.transaction() as session:
        if session.scalar(select(exists().where(Account.id.is_not(None)))):
            console.print("The demo company is already there; reusing it.")
            return
    with RichProgress(console) as progress:
        build_demo_company(database, size=size, progress=progress, base_currency=base_currency)


def _build_web_shop_if_missing(settings: Settings, database: Database, size: DemoSize) -> None:
    """The B2C half of the demo: a year of web-shop events, through the real import."""
    with database.transaction(write=False) as session:
        if find_source(session, DEMO_SOURCE) is not None:
            return
    consumers = consumer_count(size.persons)
    path = settings.home / "demo-web-shop.jsonl"
    events = write_consumer_events(database, path, consumers=consumers, seed=7, now=utcnow())
    console.print(f"Web shop: {consumers} customers, {events} events; importing them.")
    # The build fits the predictions itself, once, when the import is done.
    quiet = dataclasses.replace(settings, predictions_refresh_seconds=0)
    ingestion = Ingestion.for_settings(quiet, database)
    ingestion.start()
    try:
        with RichProgress(console) as progress:
            request = ImportRequest(path=str(path), kind="events", source=DEMO_SOURCE)
            ingestion.run_import(request, progress)
        _fit_demo_predictions(ingestion)
        _fit_demo_recommendations(ingestion)
    finally:
        ingestion.stop()
        path.unlink(missing_ok=True)


def _fit_demo_predictions(ingestion: Ingestion) -> None:
    """Churn risk, CLV and RFM for the web shop's customers (the server refits daily)."""
    try:
        report = ingestion.refresh_predictions()
    except TwofoldError as error:
        console.print(f"Predictions not fitted: {error.message}")
        return
    console.print(f"Predictions: {report.persons} customers scored from {report.purchases} orders.")


def _fit_demo_recommendations(ingestion: Ingestion) -> None:
    """Product recommendations from the web shop's orders, with their holdout check (the
    demo's shoppers favour one category, so co-purchases cluster by category)."""
    fit, evaluation = refresh_recommendations(ingestion.store, k=5)
    console.print(
        f"Recommendations: {fit.counts.products} products, {fit.counts.pairs} neighbour pairs."
    )
    if evaluation is not None and "error" not in evaluation:
        ours, popular = evaluation["item_to_item"], evaluation["most_popular"]
        console.print(
            f"Holdout hit rate at 5: item-to-item {ours['hit_rate']:.0%}, "
            f"most popular {popular['hit_rate']:.0%}."
        )


def _demo_write_key(database: Database) -> str:
    """A fresh write key for the demo's web shop (secrets are shown once, so one per run)."""
    with database.transaction() as session:
        source = find_source(session, DEMO_SOURCE)
        if source is None:
            source, issued = create_source(session, actor=None, name=DEMO_SOURCE)
        else:
            issued = issue_write_key(session, source=source)
        return issued.secret


def _demo_credentials(database: Database) -> tuple[str, str]:
    """(Re)set the demo admin's password and issue a fresh key, so both can be printed."""
    password = secrets.token_urlsafe(12)
    with database.transaction() as session:
        try:
            admin = get_user_by_email(session, DEMO_ADMIN_EMAIL)
            admin.password_hash = hash_password(password)
        except TwofoldError:
            admin = create_user(
                session,
                email=DEMO_ADMIN_EMAIL,
                name="Demo Admin",
                password=password,
                role=Role.ADMIN,
            )
        key = create_api_key(session, user=admin, name="demo").secret
    return password, key


def _serve(settings: Settings) -> None:
    # Imported here so that the other commands start without loading the web stack.
    import uvicorn  # noqa: PLC0415

    from twofold.api.app import create_app  # noqa: PLC0415

    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")
