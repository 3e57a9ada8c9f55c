"""Every way a fit or a score can be refused: a clear domain error, never a NaN."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import numpy as np
import pytest

from twofold.core.errors import ValidationFailed
from twofold.predictions.bgnbd import BgNbdParams, fit_bgnbd
from twofold.predictions.errors import FitFailed, NotEnoughData
from twofold.predictions.gammagamma import GammaGammaParams, fit_gammagamma
from twofold.predictions.likelihood import FittedModel, ParameterSet
from twofold.predictions.paretonbd import fit_paretonbd
from twofold.predictions.scoring import score
from twofold.predictions.summaries import CustomerSummaries

PurchaseFit = Callable[..., FittedModel[ParameterSet]]
FITS: list[PurchaseFit] = [fit_bgnbd, fit_paretonbd]  # type: ignore[list-item]


@pytest.mark.parametrize("fit", FITS)
def test_too_few_customers(fit: PurchaseFit) -> None:
    x = np.array([1.0, 2, 0, 3, 1, 0, 2, 1, 4])
    with pytest.raises(NotEnoughData, match="at least 10 customers; the data has 9"):
        fit(x, x, x + 5)


@pytest.mark.parametrize("fit", FITS)
def test_no_repeat_purchases(fit: PurchaseFit) -> None:
    zeros = np.zeros(50)
    with pytest.raises(NotEnoughData, match="no customer made a repeat purchase"):
        fit(zeros, zeros, np.full(50, 20.0))


@pytest.mark.parametrize("fit", FITS)
@pytest.mark.parametrize(
    ("x", "t_x", "age"),
    [(-1.0, 0.0, 10.0), (1.5, 2.0, 10.0), (2.0, 12.0, 10.0), (2.0, np.nan, 10.0)],
)
def test_an_impossible_summary_names_the_customer(
    fit: PurchaseFit, x: float, t_x: float, age: float
) -> None:
    frequency, recency, ages = np.ones(20), np.ones(20), np.full(20, 10.0)
    frequency[6], recency[6], ages[6] = x, t_x, age
    with pytest.raises(NotEnoughData, match="customer 7: "):
        fit(frequency, recency, ages)


@pytest.mark.parametrize("fit", FITS)
def test_data_that_cannot_identify_the_model_fails_the_fit(fit: PurchaseFit) -> None:
    # everyone bought 3 times and last at the very end: no trace of dropout at all
    age = np.full(50, 30.0)
    with pytest.raises(FitFailed):
        fit(np.full(50, 3.0), age, age)


def test_spend_without_repeat_purchases() -> None:
    with pytest.raises(NotEnoughData, match="no customer made a repeat purchase with a positive"):
        fit_gammagamma(np.array([0.0] * 20 + [2.0] * 5), np.zeros(25))


def test_spend_with_too_few_repeat_customers() -> None:
    frequency = np.array([0.0] * 30 + [1.0] * 9)
    with pytest.raises(NotEnoughData, match="at least 10 customers; the data has 9"):
        fit_gammagamma(frequency, frequency * 20)


def test_spend_with_a_negative_mean() -> None:
    monetary = np.full(20, 10.0)
    monetary[4] = -3
    with pytest.raises(NotEnoughData, match=r"customer 5: the mean spend -3\.0"):
        fit_gammagamma(np.ones(20), monetary)


def test_identical_spend_fails_the_fit() -> None:
    with pytest.raises(FitFailed, match="Gamma-Gamma"):
        fit_gammagamma(np.full(50, 3.0), np.full(50, 20.0))


SUMMARIES = CustomerSummaries(
    customer_ids=np.array(["a", "b"], dtype=object),
    frequency=np.array([0.0, 3.0]),
    recency=np.array([0.0, 10.0]),
    age=np.array([20.0, 30.0]),
    monetary=np.array([0.0, 25.0]),
    holdout_frequency=np.zeros(2),
    calibration_end=date(2024, 1, 1),
    holdout_end=date(2024, 1, 1),
)
PURCHASES = BgNbdParams(r=0.243, alpha=4.414, a=0.793, b=2.426)


def test_a_spend_model_with_an_infinite_mean_cannot_score() -> None:
    with pytest.raises(FitFailed, match=r"q = 0\.9 <= 1"):
        score(PURCHASES, GammaGammaParams(p=6, q=0.9, gamma=15), SUMMARIES)


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"horizon_weeks": 0}, "horizon_weeks"),
        ({"horizon_weeks": float("nan")}, "horizon_weeks"),
        ({"period_weeks": -1}, "period_weeks"),
        ({"annual_discount_rate": -0.1}, "annual_discount_rate"),
    ],
)
def test_bad_scoring_options(options: dict[str, float], field: str) -> None:
    with pytest.raises(ValidationFailed, match=field):
        score(PURCHASES, GammaGammaParams(p=6, q=3.7, gamma=15), SUMMARIES, **options)
