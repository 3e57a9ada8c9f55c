"""BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way").

While alive a customer buys at Poisson rate lambda ~ Gamma(r, alpha); after each purchase they
drop out with probability p ~ Beta(a, b). The likelihood of (x, t_x, T) is

    B(a, b+x)/B(a, b) * Gamma(r+x) alpha^r / Gamma(r)
        * [ (alpha+T)^-(r+x) + [x>0] a/(b+x-1) (alpha+t_x)^-(r+x) ],

evaluated in log space (the bracket with logaddexp) with its analytic gradient.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import digamma, expit, gammaln, hyp2f1

from twofold.core.progress import ProgressReporter
from twofold.predictions.likelihood import FittedModel, ParameterSet, dot, maximise
from twofold.predictions.purchase_rows import PurchaseRows, purchase_rows

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class BgNbdParams(ParameterSet):
    """r, alpha: the Gamma purchase-rate mixture; a, b: the Beta dropout mixture."""

    NAMES = ("r", "alpha", "a", "b")
    r: float
    alpha: float
    a: float
    b: float


def bgnbd_log_likelihood(params: FloatArray, rows: PurchaseRows) -> tuple[float, FloatArray]:
    """Total log-likelihood of the weighted rows and its gradient in (r, alpha, a, b).

    Terms of x alone are summed per distinct x, logs of alpha + T and alpha + t_x are taken
    per distinct value, and the bracket's second term only exists for the rows with x > 0:
    what is left per row is a handful of multiplications, one exp and one log.
    """
    r, alpha, a, b = (float(value) for value in params)
    by_x = rows.by_frequency
    xs, x_weights = by_x.values, by_x.weights
    total_weight = float(x_weights.sum())
    repeat = slice(rows.repeat_start, None)
    x, w = rows.frequency, rows.weights
    log_age = np.log(alpha + rows.by_age.values)[rows.by_age.index]
    inverse_age = (1.0 / (alpha + rows.by_age.values))[rows.by_age.index]
    shape = r + x  # r + x per row
    weighted_shape = w * shape
    # bracket = (alpha+T)^-(r+x) [1 + exp(d)] with d the log ratio of its two terms (x > 0)
    log_recency = np.log(alpha + rows.by_recency.values)[rows.by_recency.index[repeat]]
    inverse_recency = (1.0 / (alpha + rows.by_recency.values))[rows.by_recency.index[repeat]]
    log_b_shift = np.log(b + np.maximum(xs, 1.0) - 1)[by_x.index[repeat]]
    ratio = np.log(a) - log_b_shift - shape[repeat] * (log_recency - log_age[repeat])
    dead_share = expit(ratio)
    w_repeat = w[repeat]
    per_x = (
        gammaln(r + xs)
        - gammaln(r)
        + gammaln(a + b)
        + gammaln(b + xs)
        - gammaln(b)
        - gammaln(a + b + xs)
    )
    total = (
        dot(x_weights, per_x)
        + r * np.log(alpha) * total_weight
        - dot(weighted_shape, log_age)
        + dot(w_repeat, np.logaddexp(0.0, ratio))
    )
    w_dead = w_repeat * dead_share
    gradient = np.array(
        [
            dot(x_weights, digamma(r + xs) - digamma(r))
            + np.log(alpha) * total_weight
            - dot(w, log_age)
            - dot(w_dead, log_recency - log_age[repeat]),
            r / alpha * total_weight
            - dot(weighted_shape, inverse_age)
            - dot(w_dead * shape[repeat], inverse_recency - inverse_age[repeat]),
            dot(x_weights, digamma(a + b) - digamma(a + b + xs)) + float(w_dead.sum()) / a,
            dot(x_weights, digamma(a + b) + digamma(b + xs) - digamma(b) - digamma(a + b + xs))
            - dot(w_dead, np.exp(-log_b_shift)),
        ]
    )
    return total, gradient


def fit_bgnbd(
    frequency: FloatArray,
    recency: FloatArray,
    age: FloatArray,
    *,
    progress: ProgressReporter | None = None,
) -> FittedModel[BgNbdParams]:
    """Maximum-likelihood BG/NBD parameters for customers' (x, t_x, T) in weeks."""
    rows = purchase_rows(frequency, recency, age)
    mean_rate = dot(rows.weights, rows.frequency) / dot(rows.weights, rows.age)
    start = BgNbdParams(r=1.0, alpha=1.0 / max(mean_rate, 1e-6), a=1.0, b=3.0)
    return maximise(
        lambda params: bgnbd_log_likelihood(params, rows),
        start,
        customers=rows.customers,
        label="BG/NBD",
        progress=progress,
    )


def bgnbd_probability_alive(
    params: BgNbdParams, frequency: FloatArray, recency: FloatArray, age: FloatArray
) -> FloatArray:
    """P(alive at T | x, t_x, T) = 1 / (1 + [x>0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    repeat = frequency > 0
    log_odds_dead = np.full_like(frequency, -np.inf)
    x = frequency[repeat]
    log_odds_dead[repeat] = (
        np.log(a)
        - np.log(b + x - 1)
        + (r + x) * (np.log(alpha + age[repeat]) - np.log(alpha + recency[repeat]))
    )
    return np.asarray(expit(-log_odds_dead), dtype=np.float64)


def bgnbd_expected_purchases(
    params: BgNbdParams,
    horizon: float,
    frequency: FloatArray,
    recency: FloatArray,
    age: FloatArray,
) -> FloatArray:
    """E[purchases in (T, T+horizon] | x, t_x, T] (the paper's equation 10).

    Its ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t)) overflows and
    loses its accuracy for large x. Two Pfaff transformations turn it into
    ((alpha+T)/(alpha+T+t))^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; t/(alpha+T+t)), whose first two
    parameters do not grow with x and whose argument stays in [0, 1).
    """
    r, alpha, b = params.r, params.alpha, params.b
    # (1 - 2F1)/(a-1) is smooth in a but 0/0 at a = 1: step just off it.
    a = params.a if abs(params.a - 1) > 1e-7 else 1 + 1e-7
    log_shrink = np.log(alpha + age) - np.log(alpha + age + horizon)
    series = hyp2f1(a + b - 1 - r, a - 1, a + b + frequency - 1, -np.expm1(log_shrink))
    # 1 - shrink^(a-1) 2F1: through expm1 of a log where the series is positive (accurate
    # near 1); when a + b < 1 the series of x = 0 is negative and the product is used as is.
    positive = series > 0
    log_series = np.log(np.where(positive, series, 1.0))
    remaining = np.where(
        positive,
        -np.expm1((a - 1) * log_shrink + log_series),
        1.0 - np.exp((a - 1) * log_shrink) * series,
    )
    if_alive = (a + b + frequency - 1) / (a - 1) * remaining
    alive = bgnbd_probability_alive(params, frequency, recency, age)
    return np.asarray(if_alive * alive, dtype=np.float64)
