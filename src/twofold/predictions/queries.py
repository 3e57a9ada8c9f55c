"""Reading predictions back: one person's, the latest fit, and the distributions the
economics page charts. Probabilities leave as percentages (0-100, the API convention);
``person_predictions`` keeps fractions (0-1), which segment rules compare against.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final

import duckdb
import orjson

from twofold.core.money import format_amount
from twofold.core.time import as_utc
from twofold.predictions.rfm import GROUP_NAMES

_PERSON: Final = """
SELECT churn_risk, probability_alive, expected_purchases, predicted_clv,
       expected_next_order_days, rfm_score, rfm_group, recency, frequency, monetary, scored_at
FROM person_predictions WHERE person_id = ?
"""

_LATEST_FIT: Final = """
SELECT fit_id, fitted_at, as_of, currency, model, persons, repeat_customers, purchases,
       orders_without_rate, purchase_params, purchase_standard_errors, log_likelihood,
       spend_params, spend_standard_errors, spend_log_likelihood, spend_customers,
       horizon_weeks, annual_discount_rate, holdout, notes, seconds
FROM prediction_fits ORDER BY fit_id DESC LIMIT 1
"""

CHURN_BUCKETS: Final = 10


def _percent(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 2)


def _money(value: float | None, currency: str | None) -> str | None:
    if value is None or currency is None:
        return None
    return format_amount(Decimal(repr(value)), currency)


def fit_currency(reader: duckdb.DuckDBPyConnection) -> str | None:
    """The currency of the latest fit's money values."""
    row = reader.execute("SELECT currency FROM prediction_fits ORDER BY fit_id DESC LIMIT 1")
    found = row.fetchone()
    return str(found[0]) if found else None


def person_predictions(reader: duckdb.DuckDBPyConnection, person_id: int) -> dict[str, Any] | None:
    """A person's scores, or ``None`` when they had no purchase at the last fit."""
    row = reader.execute(_PERSON, [person_id]).fetchone()
    if row is None:
        return None
    churn, alive, expected, clv, next_days, score, group, recency, frequency, monetary, at = row
    currency = fit_currency(reader)
    scored_at = as_utc(at)
    return {
        "churn_risk": _percent(churn),
        "probability_alive": _percent(alive),
        "expected_purchases": None if expected is None else round(expected, 4),
        "predicted_clv": _money(clv, currency),
        "currency": currency,
        "expected_next_order_at": None
        if next_days is None
        else (scored_at + timedelta(days=float(next_days))).date(),
        "rfm_score": score,
        "rfm_group": group,
        "recency_days": None if recency is None else int(recency),
        "orders": None if frequency is None else int(frequency),
        "monetary": _money(monetary, currency),
        "scored_at": scored_at,
    }


def latest_fit(reader: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """The newest fit: models, diagnostics, and what was left out; ``None`` before any."""
    row = reader.execute(_LATEST_FIT).fetchone()
    if row is None:
        return None
    names = (
        "fit_id", "fitted_at", "as_of", "currency", "model", "persons", "repeat_customers",
        "purchases", "orders_without_rate", "purchase_params", "purchase_standard_errors",
        "log_likelihood", "spend_params", "spend_standard_errors", "spend_log_likelihood",
        "spend_customers", "horizon_weeks", "annual_discount_rate", "holdout", "notes",
        "seconds",
    )  # fmt: skip
    fit = dict(zip(names, row, strict=True))
    for name in ("purchase_params", "purchase_standard_errors", "spend_params",
                 "spend_standard_errors", "holdout"):  # fmt: skip
        fit[name] = orjson.loads(fit[name]) if fit[name] is not None else None
    fit["fitted_at"] = as_utc(fit["fitted_at"])
    fit["notes"] = list(fit["notes"])
    return fit


def churn_risk_distribution(reader: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Persons per tenth of churn risk: ``[{"from": 0, "to": 10, "persons": n}, ...]``."""
    rows = dict(
        reader.execute(
            "SELECT least(CAST(floor(churn_risk * ?) AS INT), ? - 1), count(*) "
            "FROM person_predictions WHERE churn_risk IS NOT NULL GROUP BY 1",
            [CHURN_BUCKETS, CHURN_BUCKETS],
        ).fetchall()
    )
    step = 100 // CHURN_BUCKETS
    return [
        {"from": b * step, "to": (b + 1) * step, "persons": int(rows.get(b, 0))}
        for b in range(CHURN_BUCKETS)
    ]


def clv_distribution(reader: duckdb.DuckDBPyConnection, *, buckets: int = 10) -> dict[str, Any]:
    """Persons per equal-width band of predicted CLV, from 0 to the 99th percentile (the
    top band takes the rest), in the fit's currency."""
    currency = fit_currency(reader)
    top = reader.execute(
        "SELECT quantile_cont(predicted_clv, 0.99) FROM person_predictions "
        "WHERE predicted_clv IS NOT NULL"
    ).fetchone()
    if currency is None or top is None or top[0] is None or top[0] <= 0:
        return {"currency": currency, "bands": []}
    width = float(top[0]) / buckets
    rows = dict(
        reader.execute(
            "SELECT least(CAST(floor(predicted_clv / ?) AS INT), ? - 1), count(*) "
            "FROM person_predictions WHERE predicted_clv IS NOT NULL GROUP BY 1",
            [width, buckets],
        ).fetchall()
    )
    return {
        "currency": currency,
        "bands": [
            {
                "from": _money(b * width, currency),
                "to": _money((b + 1) * width, currency),
                "persons": int(rows.get(b, 0)),
            }
            for b in range(buckets)
        ],
    }


def rfm_grid(reader: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Persons per (R, FM) cell and per named group."""
    cells = reader.execute(
        "SELECT CAST(rfm_score[1] AS INT) AS r, "
        "(CAST(rfm_score[2] AS INT) + CAST(rfm_score[3] AS INT) + 1) // 2 AS fm, count(*) "
        "FROM person_predictions WHERE rfm_score IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2"
    ).fetchall()
    groups = dict(
        reader.execute(
            "SELECT rfm_group, count(*) FROM person_predictions "
            "WHERE rfm_group IS NOT NULL GROUP BY 1"
        ).fetchall()
    )
    return {
        "cells": [{"r": int(r), "fm": int(fm), "persons": int(n)} for r, fm, n in cells],
        "groups": [{"group": name, "persons": int(groups.get(name, 0))} for name in GROUP_NAMES],
    }


def scored_at(reader: duckdb.DuckDBPyConnection) -> datetime | None:
    """When the current predictions were written."""
    row = reader.execute("SELECT max(scored_at) FROM person_predictions").fetchone()
    return as_utc(row[0]) if row and row[0] is not None else None
