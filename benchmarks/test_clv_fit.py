"""Fitting BG/NBD + Gamma-Gamma, and scoring, at scale, next to the ``lifetimes`` library.

Data: ``TWOFOLD_BENCH_CLV_CUSTOMERS`` (default 1,000,000) customers simulated from the CDNOW
BG/NBD and Gamma-Gamma parameters, observed for 1 to 365 days (dates in whole days, as real
order data is; spend in cents). Both libraries fit the same arrays in the same run; the
estimates must agree to three significant figures. Target: twofold at least 10x faster.
"""

from __future__ import annotations

import math
import os
import platform
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from twofold.predictions.bgnbd import BgNbdParams, fit_bgnbd
from twofold.predictions.gammagamma import GammaGammaParams, fit_gammagamma
from twofold.predictions.likelihood import one_blas_thread
from twofold.predictions.scoring import score
from twofold.predictions.simulation import simulate_bgnbd, simulate_spend

pytestmark = pytest.mark.bench
RESULTS = Path(__file__).parent / "results"
CUSTOMERS = int(os.environ.get("TWOFOLD_BENCH_CLV_CUSTOMERS", "1000000"))
TRUE_PURCHASES = BgNbdParams(r=0.243, alpha=4.414, a=0.793, b=2.426)
TRUE_SPEND = GammaGammaParams(p=6.25, q=3.74, gamma=15.44)


def simulated_customers() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(20261123)
    ages = rng.integers(1, 366, CUSTOMERS) / 7
    frequency, recency = simulate_bgnbd(TRUE_PURCHASES, ages, rng)
    recency = np.floor(recency * 7) / 7
    monetary = np.round(simulate_spend(TRUE_SPEND, frequency, rng), 2)
    return frequency, recency, ages, monetary


def same_to_three_figures(ours: float, theirs: float) -> bool:
    unit = 10.0 ** (math.floor(math.log10(abs(theirs))) - 2)
    return abs(ours - theirs) <= unit / 2


def machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def timed(action):
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


def test_clv_fit_against_lifetimes() -> None:
    lifetimes = pytest.importorskip("lifetimes", reason="make bench installs the bench extra")
    frequency, recency, ages, monetary = simulated_customers()
    purchases, our_purchases_s = timed(lambda: fit_bgnbd(frequency, recency, ages))
    spend, our_spend_s = timed(lambda: fit_gammagamma(frequency, monetary))
    scores, score_s = timed(
        lambda: score(purchases.params, spend.params, _Columns(frequency, recency, ages, monetary))
    )
    # lifetimes runs under the same one-thread BLAS limit as twofold, so the comparison is of
    # the code, not of OpenBLAS threads spinning on a busy machine
    with warnings.catch_warnings(), one_blas_thread():
        warnings.simplefilter("ignore")
        their_purchases, their_purchases_s = timed(
            lambda: lifetimes.BetaGeoFitter().fit(frequency, recency, ages)
        )
        repeat = (frequency > 0) & (monetary > 0)
        their_spend, their_spend_s = timed(
            lambda: lifetimes.GammaGammaFitter().fit(frequency[repeat], monetary[repeat])
        )
    theirs = {**their_purchases.params_.to_dict(), **their_spend.params_.to_dict()}
    theirs["gamma"] = theirs.pop("v")
    ours = {**purchases.params.as_dict(), **spend.params.as_dict()}
    truth = {**TRUE_PURCHASES.as_dict(), **TRUE_SPEND.as_dict()}
    ours_s = our_purchases_s + our_spend_s
    theirs_s = their_purchases_s + their_spend_s
    rows = [
        f"| {name} | {truth[name]} | {ours[name]:.5g} | {theirs[name]:.5g} | "
        f"{'yes' if same_to_three_figures(ours[name], theirs[name]) else 'NO'} |"
        for name in ours
    ]
    text = "\n".join(
        [
            f"## CLV model fit — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC ({machine()})",
            "",
            (
                f"{CUSTOMERS:,} simulated customers ({int((frequency > 0).sum()):,} with repeat "
                "purchases), dates in days."
            ),
            "",
            "| step | twofold s | lifetimes 0.11.3 s | speed-up |",
            "|---|---:|---:|---:|",
            (
                f"| BG/NBD fit | {our_purchases_s:.2f} | {their_purchases_s:.2f} | "
                f"{their_purchases_s / our_purchases_s:.1f}x |"
            ),
            (
                f"| Gamma-Gamma fit | {our_spend_s:.2f} | {their_spend_s:.2f} | "
                f"{their_spend_s / our_spend_s:.1f}x |"
            ),
            f"| both | {ours_s:.2f} | {theirs_s:.2f} | {theirs_s / ours_s:.1f}x |",
            (
                "| scoring every customer (P(alive), 52-week purchases, CLV, next purchase) | "
                f"{score_s:.2f} | | |"
            ),
            "",
            "| parameter | simulated from | twofold | lifetimes | same to 3 s.f. |",
            "|---|---:|---:|---:|---|",
            *rows,
            "",
        ]
    )
    print(text)
    RESULTS.mkdir(exist_ok=True)
    with (RESULTS / "latest.md").open("a") as handle:
        handle.write(text + "\n")
    assert np.all(np.isfinite(scores.clv))
    for name, value in ours.items():
        assert same_to_three_figures(value, theirs[name]), (name, value, theirs[name])


class _Columns:
    def __init__(
        self, frequency: np.ndarray, recency: np.ndarray, age: np.ndarray, monetary: np.ndarray
    ) -> None:
        self.frequency, self.recency, self.age, self.monetary = frequency, recency, age, monetary
