"""``twofold predict``: ``clv`` fits BG/NBD or Pareto/NBD and Gamma-Gamma to a transactions
CSV (standalone: it reads only the file); ``fit`` fits on the CRM's own orders and writes
every person's predictions (like the server's daily refit; refused while a server holds the
event store — use ``POST /api/v1/predictions/refresh`` then); ``recommendations`` refits the
product recommendations after a holdout check. Parameters are named as in the
papers (docs/predictions.md); ``--json`` prints them for scripts.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.table import Table

from twofold.cli.persons import SERVER_RUNNING, EventStoreBusy, person_stores
from twofold.cli.progress import RichProgress
from twofold.core.errors import TwofoldError
from twofold.core.progress import ProgressReporter, SilentProgress
from twofold.core.settings import load_settings
from twofold.predictions.bgnbd import fit_bgnbd
from twofold.predictions.crm_fit import MAX_HORIZON_WEEKS, PredictionOptions
from twofold.predictions.gammagamma import fit_gammagamma
from twofold.predictions.likelihood import FittedModel
from twofold.predictions.paretonbd import fit_paretonbd
from twofold.predictions.refresh import refresh_predictions
from twofold.predictions.scoring import WEEKS_PER_YEAR
from twofold.predictions.summaries import summarise_transactions
from twofold.predictions.transactions_file import TransactionColumns, read_transactions_csv
from twofold.recommendations.refresh import refresh_recommendations
from twofold.segments.engine import SegmentEngine

predict_app = typer.Typer(help="Customer-base models: CLV, churn, next purchase.")
console = Console()
errors = Console(stderr=True)
PROGRESS_FROM_BYTES = 20_000_000  # smaller files are done before a bar would be useful


class PurchaseModel(StrEnum):
    """The purchase-count model to fit."""

    BGNBD = "bgnbd"
    PARETONBD = "paretonbd"


Column = Annotated[str, typer.Option(help="column name in the file's header")]


@predict_app.command("clv")
def clv(
    *,
    transactions: Annotated[Path, typer.Option(help="CSV file with a header row")],
    customer_col: Column,
    date_col: Column,
    amount_col: Column,
    calibration_end: Annotated[
        datetime, typer.Option(formats=["%Y-%m-%d"], help="last day of the calibration period")
    ],
    model: Annotated[PurchaseModel, typer.Option(help="purchase model")] = PurchaseModel.BGNBD,
    date_format: Annotated[
        str | None, typer.Option(help="strptime format of the dates (default: ISO)")
    ] = None,
    delimiter: Annotated[str, typer.Option(help="field separator")] = ",",
    json_output: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Fit the purchase model and the Gamma-Gamma spend model; print their parameters."""
    columns = TransactionColumns(customer_col, date_col, amount_col, date_format, delimiter)
    big = transactions.is_file() and transactions.stat().st_size >= PROGRESS_FROM_BYTES
    try:
        if big:
            with RichProgress(errors) as progress:
                result = _fit(transactions, columns, calibration_end, model, progress)
        else:
            result = _fit(transactions, columns, calibration_end, model, SilentProgress())
    except TwofoldError as error:
        errors.print(f"[red]Error:[/red] {error.message}", highlight=False, soft_wrap=True)
        raise typer.Exit(code=1) from None
    if json_output:
        typer.echo(orjson.dumps(result).decode())
    else:
        _print_table(result)


@predict_app.command("fit")
def fit_crm_orders(
    *,
    horizon_weeks: Annotated[
        float, typer.Option(help="CLV horizon in weeks", min=0.01, max=MAX_HORIZON_WEEKS)
    ] = WEEKS_PER_YEAR,
    discount_rate: Annotated[
        float, typer.Option(help="annual discount rate of CLV (0-1)", min=0.0, max=1.0)
    ] = 0.10,
    json_output: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Fit the models on the CRM's orders and write every person's predictions."""
    options = PredictionOptions(horizon_weeks=horizon_weeks, annual_discount_rate=discount_rate)
    try:
        with person_stores() as stores, RichProgress(errors) as progress:
            report = refresh_predictions(
                stores.events, stores.database, base_currency=load_settings().base_currency,
                options=options, progress=progress,
            )  # fmt: skip
            engine = SegmentEngine(stores.events, stores.database)
            readers = {d.id for d in engine.definitions() if d.reads.predictions}
            if readers:
                engine.refresh(cause="predictions", only=readers)
    except EventStoreBusy:
        raise _fail(SERVER_RUNNING.format(api="POST /api/v1/predictions/refresh")) from None
    except TwofoldError as error:
        raise _fail(error.message) from None
    result = asdict(report)
    if json_output:
        typer.echo(orjson.dumps(result).decode())
        return
    console.print(
        f"Predictions written for {report.persons} persons from {report.purchases} purchases "
        f"(fit {report.fit_id}, {report.seconds:.1f} s)."
    )
    if report.orders_without_rate:
        console.print(
            f"{report.orders_without_rate} orders had no exchange rate and were left out."
        )
    for note in report.notes:
        console.print(f"Note: {note}")


def _fail(message: str) -> typer.Exit:
    errors.print(f"[red]Error:[/red] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code=1)


def _fit(
    path: Path,
    columns: TransactionColumns,
    calibration_end: datetime,
    model: PurchaseModel,
    progress: ProgressReporter,
) -> dict[str, Any]:
    rows = read_transactions_csv(path, columns, progress=progress)
    progress.start("Summarising customers", 1)
    summaries = summarise_transactions(rows, calibration_end=calibration_end.date())
    progress.advance(1)
    fit = fit_bgnbd if model is PurchaseModel.BGNBD else fit_paretonbd
    purchases: FittedModel[Any] = fit(
        summaries.frequency, summaries.recency, summaries.age, progress=progress
    )
    spend = fit_gammagamma(summaries.frequency, summaries.monetary, progress=progress)
    return {
        "model": model.value,
        "customers": purchases.customers,
        "purchases": purchases.params.as_dict(),
        "spend": spend.params.as_dict(),
        "log_likelihood": purchases.log_likelihood,
        "standard_errors": {
            "purchases": purchases.standard_errors.as_dict(),
            "spend": spend.standard_errors.as_dict(),
        },
        "spend_customers": spend.customers,
        "spend_log_likelihood": spend.log_likelihood,
    }


def _print_table(result: dict[str, Any]) -> None:
    table = Table(title=f"{result['model']} + Gamma-Gamma, {result['customers']} customers")
    table.add_column("model")
    table.add_column("parameter")
    table.add_column("estimate", justify="right")
    table.add_column("standard error", justify="right")
    for part, label in (("purchases", result["model"]), ("spend", "gamma-gamma")):
        for name, value in result[part].items():
            error = result["standard_errors"][part][name]
            table.add_row(label, name, f"{value:.4g}", f"{error:.3g}")
    console.print(table)
    console.print(
        f"log-likelihood: purchases {result['log_likelihood']:.1f}, "
        f"spend {result['spend_log_likelihood']:.1f} ({result['spend_customers']} customers)"
    )


@predict_app.command("recommendations")
def fit_recommendations(
    *,
    evaluate: Annotated[
        bool, typer.Option("--evaluate/--no-evaluate", help="holdout check before the refit")
    ] = True,
    k: Annotated[
        int, typer.Option(help="recommendations per person in the check", min=1, max=100)
    ] = 10,
    json_output: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Refit the product recommendations on the CRM's orders; with --evaluate (the default)
    first compare item-to-item with most popular on the last 20 % of purchases."""
    try:
        with person_stores() as stores, RichProgress(errors) as progress:
            fit, evaluation = refresh_recommendations(
                stores.events, evaluate=evaluate, k=k, progress=progress
            )
    except EventStoreBusy:
        raise _fail(SERVER_RUNNING.format(api="POST /api/v1/recommendations/refit")) from None
    if json_output:
        summary = {"fit_id": fit.fit_id, **asdict(fit.counts), "evaluation": evaluation}
        typer.echo(orjson.dumps(summary).decode())
        return
    console.print(
        f"Recommendations fitted: {fit.counts.products} products, {fit.counts.pairs} "
        f"neighbour pairs from {fit.counts.buyers} buyers ({fit.seconds:.1f} s)."
    )
    if evaluation is not None:
        _print_evaluation(evaluation)


def _print_evaluation(evaluation: dict[str, Any]) -> None:
    if "error" in evaluation:
        console.print(f"Not evaluated: {evaluation['error']}")
        return
    measures = ("hit_rate", "precision", "recall", "coverage")
    table = Table(f"at k = {evaluation['k']}", *(m.replace("_", " ") for m in measures))
    for label, key in (("item-to-item", "item_to_item"), ("most popular", "most_popular")):
        table.add_row(label, *(f"{evaluation[key][m] * 100:.1f}%" for m in measures))
    console.print(table)
    console.print(
        f"{evaluation['people']} people bought {evaluation['holdout_products']} new products "
        f"after {evaluation['split_at'][:10]}."
    )
