"""``twofold contracts`` and ``twofold accounts``: renewal deals, account health and value."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from twofold.account_value.compute import recompute_account_values
from twofold.cli.setup import initialise
from twofold.contracts.renewals import run_renewals
from twofold.core.errors import TwofoldError
from twofold.core.money import format_amount
from twofold.core.settings import load_settings
from twofold.core.time import utcnow
from twofold.intelligence.recompute import recompute_health

contracts_app = typer.Typer(help="Contracts and renewals.", no_args_is_help=True)
accounts_app = typer.Typer(help="Account intelligence.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)


@contracts_app.command("renewals")
def contracts_renewals(
    lead_days: Annotated[
        int | None,
        typer.Option(min=0, help="days before the end (default: TWOFOLD_RENEWAL_LEAD_DAYS)"),
    ] = None,
) -> None:
    """Make the renewal deals that are due and print them (safe to repeat)."""
    settings = load_settings()
    database = initialise(settings)
    try:
        with database.transaction() as session:
            run = run_renewals(
                session,
                actor=None,
                today=utcnow().date(),
                default_lead_days=settings.renewal_lead_days if lead_days is None else lead_days,
            )
        table = Table("contract", "deal", "term ends", "amount")
        for made in run.created:
            table.add_row(
                f"{made.contract_name} ({made.contract_id})",
                f"{made.deal_name} ({made.deal_id})",
                made.term_end.isoformat(),
                f"{format_amount(made.amount, made.currency)} {made.currency}",
            )
        console.print(table if run.created else "No renewal deals were due.")
        for contract_id, reason in run.skipped:
            errors.print(f"[yellow]Contract {contract_id} not renewed:[/yellow] {reason}")
        console.print(f"{len(run.created)} renewal deals created")
    except TwofoldError as error:
        errors.print(f"[red]Error:[/red] {error.message}")
        raise typer.Exit(code=1) from None
    finally:
        database.dispose()


@accounts_app.command("health")
def accounts_health() -> None:
    """Recompute every account's health and ABM status and store today's snapshot.

    The event store belongs to the server while it runs, so engagement and product use are
    left out here (the server's daily job includes them)."""
    settings = load_settings()
    database = initialise(settings)
    try:
        with database.transaction() as session:
            count = recompute_health(
                session,
                actor=None,
                store=None,
                now=utcnow(),
                default_lead_days=settings.renewal_lead_days,
            )
        console.print(f"Health recomputed for {count} accounts")
    finally:
        database.dispose()


@accounts_app.command("value")
def accounts_value() -> None:
    """Refit the renewal rates and recompute every account's value (renewal outlooks,
    expected contract value, expansion); prints the rates per segment."""
    settings = load_settings()
    database = initialise(settings)
    try:
        with database.transaction() as session:
            run = recompute_account_values(session, actor=None, now=utcnow())
        table = Table("segment", "past terms", "renewed", "rate")
        for rate in run.rates.table():
            table.add_row(rate.label, str(rate.terms), str(rate.renewed), f"{rate.rate * 100:.1f}%")
        console.print(table if run.rates.learned else "No contract term has ended yet.")
        contracts = sum(len(result.contracts) for result in run.results)
        console.print(
            f"Account value recomputed for {len(run.results)} accounts, {contracts} contracts"
        )
    finally:
        database.dispose()
