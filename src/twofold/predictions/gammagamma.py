"""Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value curves").

Each purchase value is Gamma(p, nu) with nu ~ Gamma(q, gamma) across customers, so a
customer's mean repeat value m over x purchases has the log-likelihood

    lnGamma(px+q) - lnGamma(px) - lnGamma(q) + q ln gamma + (px-1) ln m + px ln x
        - (px+q) ln(gamma + m x),

fitted with its analytic gradient on the customers with x > 0 and m > 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import digamma, gammaln

from twofold.core.progress import ProgressReporter
from twofold.predictions.errors import FitFailed, NotEnoughData
from twofold.predictions.likelihood import (
    FittedModel,
    ParameterSet,
    dot,
    maximise,
    require_customers,
)
from twofold.predictions.purchase_rows import DistinctValues, distinct_values
from twofold.predictions.summaries import compress_rows

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class GammaGammaParams(ParameterSet):
    """p: shape of each purchase value; q, gamma: the Gamma mixture of its rate."""

    NAMES = ("p", "q", "gamma")
    p: float
    q: float
    gamma: float


@dataclass(frozen=True)
class SpendRows:
    """Weighted (x, m) rows, with what does not depend on the parameters computed once."""

    frequency: FloatArray
    monetary: FloatArray
    weights: FloatArray
    by_frequency: DistinctValues
    spend: FloatArray  # m x, the total repeat spend
    weighted_frequency: FloatArray  # w x
    sum_log_mean: float  # sum of w ln m
    sum_frequency_log_mean: float  # sum of w x ln m


def spend_rows(frequency: FloatArray, monetary: FloatArray, weights: FloatArray) -> SpendRows:
    """Prepare rows with x > 0 and m > 0 for the likelihood."""
    log_mean = np.log(monetary)
    return SpendRows(
        frequency=frequency,
        monetary=monetary,
        weights=weights,
        by_frequency=distinct_values(frequency, weights),
        spend=monetary * frequency,
        weighted_frequency=weights * frequency,
        sum_log_mean=dot(weights, log_mean),
        sum_frequency_log_mean=dot(weights * frequency, log_mean),
    )


def gammagamma_log_likelihood(params: FloatArray, rows: SpendRows) -> tuple[float, FloatArray]:
    """Total log-likelihood of the weighted rows and its gradient in (p, q, gamma); the Gamma
    functions are evaluated once per distinct x, one log and one division per row."""
    p, q, gamma = (float(value) for value in params)
    xs, x_weights = rows.by_frequency.values, rows.by_frequency.weights
    total_weight = float(x_weights.sum())
    pxs = p * xs
    log_spend = np.log(gamma + rows.spend)
    inverse_spend = 1.0 / (gamma + rows.spend)
    sum_log_spend = dot(rows.weights, log_spend)
    sum_x_log_spend = dot(rows.weighted_frequency, log_spend)
    total = (
        dot(x_weights, gammaln(pxs + q) - gammaln(pxs) + pxs * np.log(xs))
        + total_weight * (q * np.log(gamma) - gammaln(q))
        + p * rows.sum_frequency_log_mean
        - rows.sum_log_mean
        - p * sum_x_log_spend
        - q * sum_log_spend
    )
    gradient = np.array(
        [
            dot(x_weights, xs * (digamma(pxs + q) - digamma(pxs) + np.log(xs)))
            + rows.sum_frequency_log_mean
            - sum_x_log_spend,
            dot(x_weights, digamma(pxs + q))
            + total_weight * (np.log(gamma) - digamma(q))
            - sum_log_spend,
            q / gamma * total_weight
            - p * dot(rows.weighted_frequency, inverse_spend)
            - q * dot(rows.weights, inverse_spend),
        ]
    )
    return total, gradient


def fit_gammagamma(
    frequency: FloatArray,
    monetary: FloatArray,
    *,
    progress: ProgressReporter | None = None,
) -> FittedModel[GammaGammaParams]:
    """Maximum-likelihood Gamma-Gamma parameters; customers with x = 0 or m <= 0 are left out
    (they carry no information about repeat spend)."""
    frequency, monetary = (np.asarray(v, dtype=np.float64) for v in (frequency, monetary))
    if np.any(~np.isfinite(monetary) | (monetary < 0)):
        row = int(np.flatnonzero(~np.isfinite(monetary) | (monetary < 0))[0])
        raise NotEnoughData(f"customer {row + 1}: the mean spend {monetary[row]} is invalid")
    used = (frequency > 0) & (monetary > 0)
    if not used.any():
        raise NotEnoughData(
            "no customer made a repeat purchase with a positive value: "
            "the spend model cannot be fitted"
        )
    require_customers(int(used.sum()), what="the spend model (customers with repeat purchases)")
    compressed = compress_rows(frequency[used], monetary[used])
    x, m = compressed.columns
    mean_spend = float(np.average(m, weights=compressed.weights))
    start = GammaGammaParams(p=1.0, q=2.0, gamma=mean_spend)
    rows = spend_rows(x, m, compressed.weights)
    return maximise(
        lambda params: gammagamma_log_likelihood(params, rows),
        start,
        customers=int(used.sum()),
        label="Gamma-Gamma",
        progress=progress,
    )


def expected_average_spend(
    params: GammaGammaParams, frequency: FloatArray, monetary: FloatArray
) -> FloatArray:
    """E[mean purchase value | x, m] = p (gamma + m x) / (p x + q - 1); for x = 0 the
    population mean p gamma / (q - 1)."""
    p, q, gamma = params.p, params.q, params.gamma
    if q <= 1:
        raise FitFailed(f"the spend model has q = {q:.3g} <= 1: its expected spend is infinite")
    known = np.where(frequency > 0, monetary * frequency, 0.0)
    return np.asarray(p * (gamma + known) / (p * frequency + q - 1), dtype=np.float64)
