"""Fit and score the CRM's own customers: BG/NBD for purchases, Gamma-Gamma for spend when
enough customers bought again, and a holdout check of the purchase model.

Pure numpy over ``Transactions``; predictions/refresh.py reads the orders and writes the
results. Scoring runs to the end of ``as_of`` (today): T is the time since the first purchase.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from twofold.core.errors import ValidationFailed
from twofold.core.progress import ProgressReporter, SilentProgress
from twofold.predictions.bgnbd import BgNbdParams, fit_bgnbd
from twofold.predictions.errors import FitFailed, NotEnoughData
from twofold.predictions.gammagamma import GammaGammaParams, fit_gammagamma
from twofold.predictions.holdout import compare_holdout
from twofold.predictions.likelihood import FittedModel, one_blas_thread
from twofold.predictions.scoring import (
    WEEKS_PER_YEAR,
    FloatArray,
    expected_purchases,
    probability_alive,
    score,
    weeks_to_next_purchase,
)
from twofold.predictions.summaries import (
    DAYS_PER_WEEK,
    CustomerSummaries,
    Transactions,
    day_from_number,
    summarise_as_of,
    summarise_transactions,
)

MAX_HOLDOUT_DAYS = 182  # about six months
MIN_HOLDOUT_DAYS = 28
MAX_HORIZON_WEEKS = 521.75


@dataclass(frozen=True)
class PredictionOptions:
    """The CLV horizon and discount rate (decision 0011's defaults: a year, 10 %)."""

    horizon_weeks: float = WEEKS_PER_YEAR
    annual_discount_rate: float = 0.10

    def __post_init__(self) -> None:
        if not 0 < self.horizon_weeks <= MAX_HORIZON_WEEKS:
            raise ValidationFailed.on(
                "horizon_weeks", f"must be above 0 and at most {MAX_HORIZON_WEEKS} (ten years)"
            )
        if not 0 <= self.annual_discount_rate <= 1:
            raise ValidationFailed.on("annual_discount_rate", "must be from 0 to 1 (100 %)")


@dataclass(frozen=True)
class PersonScores:
    """One value per scored person, in the order of ``summaries.customer_ids``."""

    probability_alive: FloatArray
    churn_risk: FloatArray
    expected_purchases: FloatArray
    predicted_clv: FloatArray | None  # None without a spend model
    expected_next_order_days: FloatArray


@dataclass(frozen=True)
class CrmFit:
    """Everything one fit produced: models, scores, the holdout check, and what was skipped."""

    summaries: CustomerSummaries
    purchases: FittedModel[BgNbdParams]
    spend: FittedModel[GammaGammaParams] | None
    scores: PersonScores
    holdout: dict[str, Any]
    notes: list[str]


def fit_crm(
    transactions: Transactions,
    *,
    as_of: date,
    options: PredictionOptions,
    progress: ProgressReporter | None = None,
) -> CrmFit:
    """Fit the models to every customer and score them; raise ``NotEnoughData`` or
    ``FitFailed`` (nothing half-done) when the purchase model cannot be fitted."""
    reporter = progress or SilentProgress()
    summaries = summarise_as_of(transactions, as_of=as_of)
    purchases = fit_bgnbd(summaries.frequency, summaries.recency, summaries.age, progress=reporter)
    notes: list[str] = []
    spend = _fit_spend(summaries, notes, reporter)
    scores = _score(purchases.params, spend, summaries, options)
    reporter.start("Checking on a holdout", 1)
    holdout = holdout_check(transactions, as_of=as_of)
    reporter.advance(1)
    return CrmFit(summaries, purchases, spend, scores, holdout, notes)


def _fit_spend(
    summaries: CustomerSummaries, notes: list[str], progress: ProgressReporter
) -> FittedModel[GammaGammaParams] | None:
    try:
        spend = fit_gammagamma(summaries.frequency, summaries.monetary, progress=progress)
    except (NotEnoughData, FitFailed) as error:
        notes.append(f"no CLV: {error.message}")
        return None
    if spend.params.q <= 1:
        notes.append(f"no CLV: the spend model has q = {spend.params.q:.3g} <= 1 (infinite mean)")
        return None
    return spend


def _score(
    purchases: BgNbdParams,
    spend: FittedModel[GammaGammaParams] | None,
    summaries: CustomerSummaries,
    options: PredictionOptions,
) -> PersonScores:
    if spend is not None:
        scored = score(
            purchases, spend.params, summaries, horizon_weeks=options.horizon_weeks,
            annual_discount_rate=options.annual_discount_rate,
        )  # fmt: skip
        return PersonScores(
            probability_alive=scored.probability_alive,
            churn_risk=scored.churn_risk,
            expected_purchases=scored.expected_purchases,
            predicted_clv=scored.clv,
            expected_next_order_days=scored.weeks_to_next_purchase * DAYS_PER_WEEK,
        )
    x, t_x, age = summaries.frequency, summaries.recency, summaries.age
    with one_blas_thread():
        alive = probability_alive(purchases, x, t_x, age)
        expected = expected_purchases(purchases, options.horizon_weeks, x, t_x, age)
        weeks = weeks_to_next_purchase(purchases, x, age)
    return PersonScores(alive, 1.0 - alive, expected, None, weeks * DAYS_PER_WEEK)


def holdout_check(transactions: Transactions, *, as_of: date) -> dict[str, Any]:
    """Refit on all but the last third of the history (at most six months held out) and
    compare expected with actual purchases in the held-out weeks, by calibration purchases.

    A history too short, or a calibration cohort that cannot be fitted, gives ``{"note"}``.
    """
    first = day_from_number(int(transactions.days.min()))
    held_out = min(MAX_HOLDOUT_DAYS, (as_of - first).days // 3)
    if held_out < MIN_HOLDOUT_DAYS:
        needed = 3 * MIN_HOLDOUT_DAYS
        return {"note": f"the order history (from {first}) is too short for a holdout check: "
                        f"it needs at least {needed} days"}  # fmt: skip
    calibration_end = as_of - timedelta(days=held_out)
    try:
        summaries = summarise_transactions(
            transactions, calibration_end=calibration_end, holdout_end=as_of
        )
        fitted = fit_bgnbd(summaries.frequency, summaries.recency, summaries.age)
    except (NotEnoughData, FitFailed) as error:
        return {"note": f"no holdout check: {error.message}"}
    comparison = compare_holdout(fitted.params, summaries)
    if not all(np.isfinite(g.expected) for g in comparison.groups):
        return {"note": "no holdout check: the refitted model gives no finite expectation"}
    return {
        "calibration_end": calibration_end.isoformat(),
        "holdout_end": as_of.isoformat(),
        "holdout_weeks": round(comparison.holdout_weeks, 4),
        "customers": len(summaries),
        "params": fitted.params.as_dict(),
        "groups": [
            {"label": g.label, "customers": g.customers, "actual": g.actual, "expected": g.expected}
            for g in comparison.groups
        ],
        "actual_total": comparison.actual_total,
        "expected_total": comparison.expected_total,
    }


def repeat_customers(summaries: CustomerSummaries) -> int:
    """Customers with at least one repeat purchase day."""
    return int(np.count_nonzero(summaries.frequency > 0))
