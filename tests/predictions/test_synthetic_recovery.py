"""Customers simulated from known parameters: the fits recover them within their standard
errors, and the standard errors are the spread of the estimates over repeated samples."""

from __future__ import annotations

import numpy as np

from twofold.predictions.bgnbd import BgNbdParams, fit_bgnbd
from twofold.predictions.gammagamma import GammaGammaParams, fit_gammagamma
from twofold.predictions.likelihood import FittedModel, ParameterSet
from twofold.predictions.paretonbd import ParetoNbdParams, fit_paretonbd
from twofold.predictions.simulation import simulate_bgnbd, simulate_paretonbd, simulate_spend

TRUE_BGNBD = BgNbdParams(r=0.5, alpha=8.0, a=0.6, b=2.5)
TRUE_PARETO = ParetoNbdParams(r=0.6, alpha=9.0, s=0.8, beta=12.0)
TRUE_SPEND = GammaGammaParams(p=6.0, q=4.0, gamma=15.0)


def z_scores(fitted: FittedModel[ParameterSet], truth: ParameterSet) -> np.ndarray:
    """(estimate - truth) / standard error, per parameter."""
    return (fitted.params.as_array() - truth.as_array()) / fitted.standard_errors.as_array()


def test_bgnbd_and_gammagamma_recover_their_parameters() -> None:
    rng = np.random.default_rng(2024)
    ages = rng.uniform(20, 52, 10_000)
    frequency, recency = simulate_bgnbd(TRUE_BGNBD, ages, rng)
    purchases = fit_bgnbd(frequency, recency, ages)
    assert np.all(np.abs(z_scores(purchases, TRUE_BGNBD)) < 3), purchases
    spend = fit_gammagamma(frequency, simulate_spend(TRUE_SPEND, frequency, rng))
    assert np.all(np.abs(z_scores(spend, TRUE_SPEND)) < 3), spend


def test_paretonbd_recovers_its_parameters() -> None:
    rng = np.random.default_rng(2025)
    ages = rng.uniform(20, 52, 10_000)
    frequency, recency = simulate_paretonbd(TRUE_PARETO, ages, rng)
    fitted = fit_paretonbd(frequency, recency, ages)
    assert np.all(np.abs(z_scores(fitted, TRUE_PARETO)) < 3), fitted


def test_standard_errors_match_the_spread_of_repeated_estimates() -> None:
    rng = np.random.default_rng(11)
    scores = []
    for _ in range(30):
        ages = rng.uniform(20, 52, 3_000)
        frequency, recency = simulate_bgnbd(TRUE_BGNBD, ages, rng)
        scores.append(z_scores(fit_bgnbd(frequency, recency, ages), TRUE_BGNBD))
    spread = np.std(scores, axis=0)
    # z-scores of a correct estimator and standard error have a spread near 1 (30 samples:
    # roughly 0.75 .. 1.25); a standard error off by half or double falls outside
    assert np.all((spread > 0.6) & (spread < 1.5)), spread
    assert np.all(np.abs(np.mean(scores, axis=0)) < 0.6)


def test_a_larger_sample_gives_smaller_standard_errors() -> None:
    rng = np.random.default_rng(5)
    errors = []
    for size in (2_000, 8_000):
        ages = rng.uniform(20, 52, size)
        frequency, recency = simulate_bgnbd(TRUE_BGNBD, ages, rng)
        errors.append(fit_bgnbd(frequency, recency, ages).standard_errors.as_array())
    # four times the customers: about half the standard error
    np.testing.assert_allclose(errors[1] / errors[0], 0.5, rtol=0.25)
