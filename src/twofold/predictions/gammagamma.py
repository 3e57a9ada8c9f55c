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
from twofold.predictions.likelihood import FittedModel, ParameterSet, maximise, require_customers
from twofold.predictions.summaries import compress_rows

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class GammaGammaParams(ParameterSet):
    """p: shape of each purchase value; q, gamma: the Gamma mixture of its rate."""

    NAMES = ("p", "q", "gamma")
    p: float
    q: float
    gamma: float


def gammagamma_log_likelihood(
    params: FloatArray, frequency: FloatArray, monetary: FloatArray, weights: FloatArray
) -> tuple[float, FloatArray]:
    """Total log-likelihood of the weighted (x, m) rows and its gradient in (p, q, gamma)."""
    p, q, gamma = (float(value) for value in params)
    x, m = frequency, monetary
    px = p * x
    log_spend = np.log(gamma + m * x)
    rows = (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(gamma)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * log_spend
    )
    gradient_rows = np.stack(
        (
            x * (digamma(px + q) - digamma(px) + np.log(m) + np.log(x) - log_spend),
            digamma(px + q) - digamma(q) + np.log(gamma) - log_spend,
            q / gamma - (px + q) / (gamma + m * x),
        )
    )
    return float(weights @ rows), gradient_rows @ weights


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
    return maximise(
        lambda params: gammagamma_log_likelihood(params, x, m, compressed.weights),
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
