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
from twofold.predictions.likelihood import FittedModel, ParameterSet, maximise
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
    """Total log-likelihood of the weighted rows and its gradient in (r, alpha, a, b)."""
    r, alpha, a, b = (float(value) for value in params)
    x, t_x, age, weights = rows.frequency, rows.recency, rows.age, rows.weights
    by_x, index = rows.distinct_frequency, rows.frequency_index
    repeat = x > 0
    log_alpha_age = np.log(alpha + age)
    log_alpha_recency = np.log(alpha + t_x)
    counts = (gammaln(r + by_x) - gammaln(r))[index] + r * np.log(alpha)
    dropout = (gammaln(a + b) + gammaln(b + by_x) - gammaln(b) - gammaln(a + b + by_x))[index]
    alive_term = -(r + x) * log_alpha_age
    dead_term = np.full_like(x, -np.inf)
    dead_term[repeat] = (
        np.log(a) - np.log(b + x[repeat] - 1) - (r + x[repeat]) * log_alpha_recency[repeat]
    )
    bracket = np.logaddexp(alive_term, dead_term)
    dead_share = np.exp(dead_term - bracket)
    alive_share = 1.0 - dead_share
    gradient_rows = np.stack(
        (
            (digamma(r + by_x) - digamma(r))[index]
            + np.log(alpha)
            - alive_share * log_alpha_age
            - dead_share * log_alpha_recency,
            r / alpha - (r + x) * (alive_share / (alpha + age) + dead_share / (alpha + t_x)),
            (digamma(a + b) - digamma(a + b + by_x))[index] + dead_share / a,
            (digamma(a + b) + digamma(b + by_x) - digamma(b) - digamma(a + b + by_x))[index]
            - np.divide(dead_share, b + x - 1, out=np.zeros_like(x), where=repeat),
        )
    )
    total = float(weights @ (counts + dropout + bracket))
    return total, gradient_rows @ weights


def fit_bgnbd(
    frequency: FloatArray,
    recency: FloatArray,
    age: FloatArray,
    *,
    progress: ProgressReporter | None = None,
) -> FittedModel[BgNbdParams]:
    """Maximum-likelihood BG/NBD parameters for customers' (x, t_x, T) in weeks."""
    rows = purchase_rows(frequency, recency, age)
    mean_rate = float(rows.weights @ rows.frequency) / float(rows.weights @ rows.age)
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
    remaining = -np.expm1((a - 1) * log_shrink + np.log(series))
    if_alive = (a + b + frequency - 1) / (a - 1) * remaining
    alive = bgnbd_probability_alive(params, frequency, recency, age)
    return np.asarray(if_alive * alive, dtype=np.float64)
