"""Fit the models on the CRM's own orders and write every person's predictions.

Reads the purchases in the base currency (orders/base_currency.py) on a reading cursor,
computes RFM there (predictions/rfm.py), fits and scores (predictions/crm_fit.py) outside any
lock, then replaces ``person_predictions`` and appends to ``prediction_fits`` in ONE DuckDB
transaction: a fit that fails writes nothing and the previous predictions stay. Callers then
refresh the segments (the server does: ``Ingestion.refresh_predictions``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

import duckdb
import numpy as np
import orjson

from twofold.core.progress import ProgressReporter, SilentProgress
from twofold.core.time import naive_utc, utcnow
from twofold.events.store import EventStore
from twofold.orders.base_currency import exchange_rates, stage_purchases
from twofold.predictions.crm_fit import CrmFit, PredictionOptions, fit_crm, repeat_customers
from twofold.predictions.errors import NotEnoughData
from twofold.predictions.rfm import RfmScores, rfm_scores
from twofold.predictions.summaries import Transactions
from twofold.store.database import Database

MODEL: Final = "bgnbd"

_PURCHASE_DAYS: Final = """
SELECT person_id, date_diff('day', DATE '1970-01-01', day) AS day_number,
       CAST(amount AS DOUBLE) AS amount
FROM purchases ORDER BY person_id, day
"""

_WRITE_PREDICTIONS: Final = """
INSERT INTO person_predictions (person_id, churn_risk, probability_alive, expected_purchases,
    predicted_clv, expected_next_order_days, rfm_score, rfm_group, recency, frequency,
    monetary, scored_at)
SELECT unnest($person::BIGINT[]), unnest($churn::DOUBLE[]), unnest($alive::DOUBLE[]),
       unnest($expected::DOUBLE[]), unnest($clv::DOUBLE[]), unnest($next::DOUBLE[]),
       unnest($score::VARCHAR[]), unnest($grp::VARCHAR[]), unnest($recency::DOUBLE[]),
       unnest($frequency::DOUBLE[]), unnest($monetary::DOUBLE[]), $at
"""

_WRITE_FIT: Final = """
INSERT INTO prediction_fits (fitted_at, as_of, currency, model, persons, repeat_customers,
    purchases, orders_without_rate, purchase_params, purchase_standard_errors, log_likelihood,
    spend_params, spend_standard_errors, spend_log_likelihood, spend_customers, horizon_weeks,
    annual_discount_rate, holdout, notes, seconds)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING fit_id
"""


@dataclass(frozen=True)
class RefreshReport:
    """What a refresh wrote."""

    fit_id: int
    fitted_at: datetime
    as_of: date
    persons: int
    purchases: int
    orders_without_rate: int
    has_clv: bool
    notes: list[str]
    seconds: float


@dataclass(frozen=True)
class OrderHistory:
    """The purchases as the models read them, their RFM scores, and what was left out."""

    transactions: Transactions
    rfm: RfmScores
    purchases: int
    without_rate: int


def refresh_predictions(
    store: EventStore,
    database: Database,
    *,
    base_currency: str,
    options: PredictionOptions | None = None,
    now: datetime | None = None,
    progress: ProgressReporter | None = None,
) -> RefreshReport:
    """Fit on every purchase up to ``now`` and replace every person's predictions."""
    started = time.monotonic()
    reporter = progress or SilentProgress()
    chosen = options or PredictionOptions()
    at = naive_utc(now or utcnow())
    reporter.start("Reading orders", 1)
    history = read_order_history(store, database, base_currency=base_currency, until=at)
    reporter.advance(1)
    fit = fit_crm(history.transactions, as_of=at.date(), options=chosen, progress=reporter)
    if not np.array_equal(fit.summaries.customer_ids.astype(np.int64), history.rfm.person_ids):
        raise AssertionError("RFM and model scores must cover the same persons")
    reporter.start("Writing predictions", 1)
    seconds = time.monotonic() - started
    with store.writer() as writer:
        _write_predictions(writer, fit, history.rfm, at)
        fit_id = _write_fit(
            writer,
            fit,
            history=history,
            base_currency=base_currency,
            options=chosen,
            at=at,
            seconds=seconds,
        )
    reporter.advance(1)
    return RefreshReport(
        fit_id=fit_id, fitted_at=at, as_of=at.date(), persons=len(fit.summaries),
        purchases=history.purchases, orders_without_rate=history.without_rate,
        has_clv=fit.spend is not None, notes=fit.notes, seconds=seconds,
    )  # fmt: skip


def read_order_history(
    store: EventStore, database: Database, *, base_currency: str, until: datetime
) -> OrderHistory:
    """Every purchase up to ``until`` in the base currency, with RFM as of its date."""
    with database.transaction(write=False) as session:
        rates = exchange_rates(session, base_currency=base_currency)
    with store.reader() as reader:
        staged = stage_purchases(reader, base_currency=base_currency, rates=rates, until=until)
        if staged.purchases == 0:
            skipped = staged.without_rate
            detail = f" ({skipped} orders have no rate into {base_currency})" if skipped else ""
            raise NotEnoughData(f"there are no purchases to fit the models to{detail}")
        columns = reader.execute(_PURCHASE_DAYS).fetchnumpy()
        rfm = rfm_scores(reader, as_of=until.date())
    person_ids = np.asarray(columns["person_id"], dtype=np.int64)
    customer_ids, customers = np.unique(person_ids, return_inverse=True)
    transactions = Transactions(
        customers=customers.astype(np.int64),
        days=np.asarray(columns["day_number"], dtype=np.int64),
        amounts=np.asarray(columns["amount"], dtype=np.float64),
        customer_ids=customer_ids.astype(np.object_),
    )
    return OrderHistory(transactions, rfm, staged.purchases, staged.without_rate)


def _write_predictions(
    writer: duckdb.DuckDBPyConnection, fit: CrmFit, rfm: RfmScores, at: datetime
) -> None:
    scores = fit.scores
    clv = scores.predicted_clv
    writer.execute("DELETE FROM person_predictions")
    writer.execute(
        _WRITE_PREDICTIONS,
        {
            "person": rfm.person_ids,
            "churn": scores.churn_risk,
            "alive": scores.probability_alive,
            "expected": scores.expected_purchases,
            "clv": clv if clv is not None else [None] * len(rfm.person_ids),
            "next": scores.expected_next_order_days,
            "score": rfm.rfm_score.tolist(),
            "grp": rfm.rfm_group.tolist(),
            "recency": rfm.recency,
            "frequency": rfm.frequency,
            "monetary": rfm.monetary,
            "at": at,
        },
    )


def _write_fit(
    writer: duckdb.DuckDBPyConnection,
    fit: CrmFit,
    *,
    history: OrderHistory,
    base_currency: str,
    options: PredictionOptions,
    at: datetime,
    seconds: float,
) -> int:
    spend = fit.spend
    row = writer.execute(
        _WRITE_FIT,
        [
            at, at.date(), base_currency, MODEL, len(fit.summaries),
            repeat_customers(fit.summaries), history.purchases, history.without_rate,
            _json(fit.purchases.params.as_dict()),
            _json(fit.purchases.standard_errors.as_dict()), fit.purchases.log_likelihood,
            _json(spend.params.as_dict()) if spend else None,
            _json(spend.standard_errors.as_dict()) if spend else None,
            spend.log_likelihood if spend else None, spend.customers if spend else None,
            options.horizon_weeks, options.annual_discount_rate, _json(fit.holdout),
            fit.notes, seconds,
        ],
    ).fetchone()  # fmt: skip
    assert row is not None
    return int(row[0])


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def fit_age_seconds(store: EventStore, now: datetime | None = None) -> float | None:
    """Seconds since the latest fit was written; ``None`` before the first."""
    with store.reader() as reader:
        row = reader.execute("SELECT max(fitted_at) FROM prediction_fits").fetchone()
    if row is None or row[0] is None:
        return None
    fitted_at: datetime = row[0]
    return (naive_utc(now or utcnow()) - fitted_at).total_seconds()
