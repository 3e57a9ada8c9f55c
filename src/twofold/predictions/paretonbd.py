"""Pareto/NBD (Schmittlein, Morrison & Colombo 1987), in the form of Fader & Hardie's note
"A note on deriving the Pareto/NBD model and related expressions" (2005).

While alive a customer buys at rate lambda ~ Gamma(r, alpha) and dies at rate
mu ~ Gamma(s, beta). The likelihood of (x, t_x, T) is

    Gamma(r+x) alpha^r beta^s / Gamma(r)
        * [ (alpha+T)^-(r+x) (beta+T)^-s + s (I(t_x) - I(T)) ],
    I(y) = integral from y to infinity of (alpha+u)^-(r+x) (beta+u)^-(s+1) du.

The usual closed form of I has 2F1(r+s+x, s+1; r+s+x+1; z) / (alpha+y)^(r+s+x), whose two
factors over- and underflow for large x. Euler's transformation turns it into

    alpha >= beta: I(y) = (alpha+y)^-(r+x) (beta+y)^-s     2F1(1, r+x; r+s+x+1; z) / (r+s+x)
    alpha <  beta: I(y) = (alpha+y)^-(r+x-1) (beta+y)^-(s+1) 2F1(1, s+1; r+s+x+1; z) / (r+s+x)

with z = |alpha-beta| / (max(alpha, beta) + y) in [0, 1): a 2F1 with first parameter 1 and a
positive, shrinking series lies between 1 and 1/(1-z), so it never overflows and everything
else is a power taken in logs. The bracket is summed after shifting by its largest term.
There is no closed-form gradient of the 2F1 in its parameters: the fit uses central
differences in log-parameter space (documented in docs/decisions/0011-clv-models.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import gammaln, hyp2f1

from twofold.core.progress import ProgressReporter
from twofold.predictions.likelihood import (
    FittedModel,
    ParameterSet,
    central_difference_gradient,
    dot,
    maximise,
)
from twofold.predictions.purchase_rows import PurchaseRows, purchase_rows

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ParetoNbdParams(ParameterSet):
    """r, alpha: the Gamma purchase-rate mixture; s, beta: the Gamma dropout-rate mixture."""

    NAMES = ("r", "alpha", "s", "beta")
    r: float
    alpha: float
    s: float
    beta: float


def _log_tail_integral(params: FloatArray, frequency: FloatArray, y: FloatArray) -> FloatArray:
    """log I(y) (see the module doc)."""
    r, alpha, s, beta = (float(value) for value in params)
    rx = r + frequency
    top = r + s + frequency + 1
    if alpha >= beta:
        z = (alpha - beta) / (alpha + y)
        powers = -rx * np.log(alpha + y) - s * np.log(beta + y)
        series = hyp2f1(1.0, rx, top, z)
    else:
        z = (beta - alpha) / (beta + y)
        powers = -(rx - 1) * np.log(alpha + y) - (s + 1) * np.log(beta + y)
        series = hyp2f1(1.0, s + 1, top, z)
    return np.asarray(powers + np.log(series) - np.log(top - 1), dtype=np.float64)


def _bracket(
    params: FloatArray, frequency: FloatArray, recency: FloatArray, age: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """(log of the bracket, log of its first term: alive at T)."""
    r, alpha, s, beta = (float(value) for value in params)
    alive = -(r + frequency) * np.log(alpha + age) - s * np.log(beta + age)
    since_last = np.log(s) + _log_tail_integral(params, frequency, recency)
    after_end = np.log(s) + _log_tail_integral(params, frequency, age)
    shift = np.maximum(alive, since_last)
    total = np.exp(alive - shift) + np.exp(since_last - shift) - np.exp(after_end - shift)
    return shift + np.log(total), alive


def paretonbd_log_likelihood_value(params: FloatArray, rows: PurchaseRows) -> float:
    """Total log-likelihood of the weighted rows."""
    r, alpha, s, beta = (float(value) for value in params)
    counts = (gammaln(r + rows.distinct_frequency) - gammaln(r))[rows.frequency_index]
    bracket, _ = _bracket(params, rows.frequency, rows.recency, rows.age)
    constant = r * np.log(alpha) + s * np.log(beta)
    return dot(rows.weights, counts + constant + bracket)


def fit_paretonbd(
    frequency: FloatArray,
    recency: FloatArray,
    age: FloatArray,
    *,
    progress: ProgressReporter | None = None,
) -> FittedModel[ParetoNbdParams]:
    """Maximum-likelihood Pareto/NBD parameters for customers' (x, t_x, T) in weeks."""
    rows = purchase_rows(frequency, recency, age)
    mean_rate = dot(rows.weights, rows.frequency) / dot(rows.weights, rows.age)
    mean_age = dot(rows.weights, rows.age) / rows.customers
    start = ParetoNbdParams(r=1.0, alpha=1.0 / max(mean_rate, 1e-6), s=1.0, beta=mean_age)

    def log_likelihood(params: FloatArray) -> tuple[float, FloatArray]:
        value = paretonbd_log_likelihood_value(params, rows)
        gradient = central_difference_gradient(
            lambda at: paretonbd_log_likelihood_value(at, rows), params
        )
        return value, gradient

    return maximise(
        log_likelihood, start, customers=rows.customers, label="Pareto/NBD", progress=progress
    )


def paretonbd_probability_alive(
    params: ParetoNbdParams, frequency: FloatArray, recency: FloatArray, age: FloatArray
) -> FloatArray:
    """P(alive at T | x, t_x, T): the share of the bracket's first term."""
    bracket, alive = _bracket(params.as_array(), frequency, recency, age)
    return np.asarray(np.exp(alive - bracket), dtype=np.float64)


def paretonbd_expected_purchases(
    params: ParetoNbdParams,
    horizon: float,
    frequency: FloatArray,
    recency: FloatArray,
    age: FloatArray,
) -> FloatArray:
    """E[purchases in (T, T+horizon] | x, t_x, T]
    = P(alive) (r+x)(beta+T) / ((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+horizon))^(s-1)]."""
    r, alpha, s, beta = params.r, params.alpha, params.s, params.beta
    log_ratio = np.log(beta + age) - np.log(beta + age + horizon)
    # [1 - q^(s-1)] / (s-1) -> -log q as s -> 1
    factor = -np.expm1((s - 1) * log_ratio) / (s - 1) if abs(s - 1) > 1e-09 else -log_ratio
    alive = paretonbd_probability_alive(params, frequency, recency, age)
    return np.asarray(
        alive * (r + frequency) * (beta + age) / (alpha + age) * factor, dtype=np.float64
    )
