"""Customers simulated from known parameters (seeded): the data of the recovery tests and the
benchmarks, and a way to see what a model implies."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from twofold.predictions.bgnbd import BgNbdParams
from twofold.predictions.gammagamma import GammaGammaParams
from twofold.predictions.paretonbd import ParetoNbdParams

FloatArray = npt.NDArray[np.float64]


def simulate_bgnbd(
    params: BgNbdParams, ages: FloatArray, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray]:
    """(x, t_x) of customers observed for ``ages`` weeks after their first purchase."""
    size = len(ages)
    rates = rng.gamma(params.r, 1.0 / params.alpha, size)
    dropout = rng.beta(params.a, params.b, size)
    frequency, recency = np.zeros(size), np.zeros(size)
    clock = np.zeros(size)
    active = np.arange(size)
    while len(active):
        clock[active] += rng.exponential(1.0, len(active)) / rates[active]
        bought = clock[active] <= ages[active]
        active = active[bought]
        frequency[active] += 1
        recency[active] = clock[active]
        # after each purchase the customer drops out with probability p
        active = active[rng.random(len(active)) >= dropout[active]]
    return frequency, recency


def simulate_paretonbd(
    params: ParetoNbdParams, ages: FloatArray, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray]:
    """(x, t_x) of customers observed for ``ages`` weeks after their first purchase."""
    size = len(ages)
    rates = rng.gamma(params.r, 1.0 / params.alpha, size)
    deaths = rng.gamma(params.s, 1.0 / params.beta, size)
    lifetime = np.minimum(rng.exponential(1.0, size) / deaths, ages)
    frequency = rng.poisson(rates * lifetime).astype(np.float64)
    # given n purchases in (0, lifetime], the last is the largest of n uniforms
    recency = np.where(
        frequency > 0, lifetime * rng.random(size) ** (1.0 / np.maximum(frequency, 1)), 0.0
    )
    return frequency, recency


def simulate_spend(
    params: GammaGammaParams, frequency: FloatArray, rng: np.random.Generator
) -> FloatArray:
    """Mean value of each customer's ``frequency`` repeat purchases (0 when there are none)."""
    scale = 1.0 / rng.gamma(params.q, 1.0 / params.gamma, len(frequency))
    totals = rng.gamma(np.maximum(params.p * frequency, 1e-12), scale)
    return np.where(frequency > 0, totals / np.maximum(frequency, 1), 0.0)
