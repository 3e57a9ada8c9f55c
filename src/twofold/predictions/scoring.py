"""Per-customer scores from fitted parameters: probability alive, churn risk, expected
purchases and CLV over a horizon, expected spend and the time to the next purchase.

``score`` works on whole arrays; the (x, t_x, T) rows are compressed first, so scoring a
million customers evaluates the model once per distinct row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

import numpy as np
import numpy.typing as npt

from twofold.core.errors import ValidationFailed
from twofold.predictions.bgnbd import (
    BgNbdParams,
    bgnbd_expected_purchases,
    bgnbd_probability_alive,
)
from twofold.predictions.gammagamma import GammaGammaParams, expected_average_spend
from twofold.predictions.likelihood import one_blas_thread
from twofold.predictions.paretonbd import (
    ParetoNbdParams,
    paretonbd_expected_purchases,
    paretonbd_probability_alive,
)
from twofold.predictions.summaries import DAYS_PER_WEEK, compress_rows, day_number

FloatArray = npt.NDArray[np.float64]
PurchaseParams = BgNbdParams | ParetoNbdParams
WEEKS_PER_YEAR = 365.25 / DAYS_PER_WEEK
WEEKS_PER_MONTH = WEEKS_PER_YEAR / 12


class SummaryColumns(Protocol):
    """What scoring reads: x, t_x and T in weeks and the mean repeat spend, one per customer
    (``CustomerSummaries`` has them; so can any table the caller builds)."""

    @property
    def frequency(self) -> FloatArray: ...
    @property
    def recency(self) -> FloatArray: ...
    @property
    def age(self) -> FloatArray: ...
    @property
    def monetary(self) -> FloatArray: ...


@dataclass(frozen=True)
class CustomerScores:
    """One value per customer, in the order of the summaries scored."""

    probability_alive: FloatArray
    churn_risk: FloatArray
    expected_purchases: FloatArray  # in the horizon after the calibration end
    expected_average_spend: FloatArray
    clv: FloatArray  # discounted expected revenue in the horizon
    weeks_to_next_purchase: FloatArray  # median, for a customer who is alive (decision 0011)


def probability_alive(
    params: PurchaseParams, frequency: FloatArray, recency: FloatArray, age: FloatArray
) -> FloatArray:
    """P(alive at T | x, t_x, T) under either purchase model."""
    if isinstance(params, BgNbdParams):
        return bgnbd_probability_alive(params, frequency, recency, age)
    return paretonbd_probability_alive(params, frequency, recency, age)


def expected_purchases(
    params: PurchaseParams,
    horizon_weeks: float,
    frequency: FloatArray,
    recency: FloatArray,
    age: FloatArray,
) -> FloatArray:
    """E[purchases in the ``horizon_weeks`` after T | x, t_x, T] under either model."""
    if isinstance(params, BgNbdParams):
        return bgnbd_expected_purchases(params, horizon_weeks, frequency, recency, age)
    return paretonbd_expected_purchases(params, horizon_weeks, frequency, recency, age)


def weeks_to_next_purchase(
    params: PurchaseParams, frequency: FloatArray, age: FloatArray
) -> FloatArray:
    """Median wait after T until the next purchase of a customer who is alive.

    Given alive at T, both models put the purchase rate at Gamma(r+x, alpha+T), so the wait
    is Pareto II: P(wait > w) = ((alpha+T)/(alpha+T+w))^(r+x), median
    (alpha+T)(2^(1/(r+x)) - 1). Under BG/NBD an alive customer surely buys again (dropout
    happens only right after a purchase), so this is exact; under Pareto/NBD it ignores a
    death before that purchase. Weigh it with ``probability_alive``.
    """
    shape = params.r + frequency
    return np.asarray((params.alpha + age) * np.expm1(np.log(2.0) / shape), dtype=np.float64)


def next_purchase_dates(calibration_end: date, weeks: FloatArray) -> npt.NDArray[np.datetime64]:
    """Dates ``weeks`` after the calibration end (rounded to the day)."""
    days = day_number(calibration_end) + np.rint(weeks * DAYS_PER_WEEK).astype(np.int64)
    return days.astype("datetime64[D]")


def score(
    purchases: PurchaseParams,
    spend: GammaGammaParams,
    summaries: SummaryColumns,
    *,
    horizon_weeks: float = WEEKS_PER_YEAR,
    annual_discount_rate: float = 0.10,
    period_weeks: float = WEEKS_PER_MONTH,
) -> CustomerScores:
    """Score every customer of ``summaries`` (see ``CustomerScores``).

    CLV sums, per period of ``period_weeks`` up to the horizon, the expected purchases in the
    period times the expected average spend, discounted to the calibration end at
    ``annual_discount_rate`` per year from the period's end.
    """
    _check_options(horizon_weeks, annual_discount_rate, period_weeks)
    with one_blas_thread():
        scores = _score(
            purchases,
            spend,
            summaries,
            horizon_weeks=horizon_weeks,
            annual_discount_rate=annual_discount_rate,
            period_weeks=period_weeks,
        )
    _check_finite(scores)
    return scores


def _score(
    purchases: PurchaseParams,
    spend: GammaGammaParams,
    summaries: SummaryColumns,
    *,
    horizon_weeks: float,
    annual_discount_rate: float,
    period_weeks: float,
) -> CustomerScores:
    rows = compress_rows(summaries.frequency, summaries.recency, summaries.age)
    x, t_x, age = rows.columns
    alive = probability_alive(purchases, x, t_x, age)
    ends = np.minimum(
        np.arange(1, int(np.ceil(horizon_weeks / period_weeks)) + 1) * period_weeks, horizon_weeks
    )
    cumulative = np.stack([expected_purchases(purchases, end, x, t_x, age) for end in ends])
    per_period = np.diff(cumulative, axis=0, prepend=0.0)
    discounts = (1.0 + annual_discount_rate) ** (-ends / WEEKS_PER_YEAR)
    discounted_purchases = np.einsum("k,kn->n", discounts, per_period)  # no BLAS: see dot
    spend_each = expected_average_spend(spend, summaries.frequency, summaries.monetary)
    return CustomerScores(
        probability_alive=alive[rows.inverse],
        churn_risk=1.0 - alive[rows.inverse],
        expected_purchases=cumulative[-1][rows.inverse],
        expected_average_spend=spend_each,
        clv=discounted_purchases[rows.inverse] * spend_each,
        weeks_to_next_purchase=weeks_to_next_purchase(purchases, x, age)[rows.inverse],
    )


def _check_options(horizon_weeks: float, annual_discount_rate: float, period_weeks: float) -> None:
    if not horizon_weeks > 0:
        raise ValidationFailed.on("horizon_weeks", "must be positive")
    if not period_weeks > 0:
        raise ValidationFailed.on("period_weeks", "must be positive")
    if not annual_discount_rate >= 0:
        raise ValidationFailed.on("annual_discount_rate", "must be zero or positive")


def _check_finite(scores: CustomerScores) -> None:
    for name, values in vars(scores).items():
        if not np.all(np.isfinite(values)):
            raise ValidationFailed.on(name, "the model gives a non-finite value for some rows")
