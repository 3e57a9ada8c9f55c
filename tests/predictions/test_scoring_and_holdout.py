"""Scores on the CDNOW fit, and the papers' holdout comparison."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from cdnow_support import CALIBRATION_END, cdnow_summaries

from twofold.predictions.bgnbd import BgNbdParams, fit_bgnbd
from twofold.predictions.gammagamma import GammaGammaParams, fit_gammagamma
from twofold.predictions.holdout import HoldoutComparison, compare_holdout
from twofold.predictions.paretonbd import ParetoNbdParams, fit_paretonbd
from twofold.predictions.scoring import (
    expected_purchases,
    next_purchase_dates,
    score,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "predictions.md"


@cache
def fitted() -> tuple[BgNbdParams, ParetoNbdParams, GammaGammaParams]:
    summaries = cdnow_summaries()
    columns = (summaries.frequency, summaries.recency, summaries.age)
    return (
        fit_bgnbd(*columns).params,
        fit_paretonbd(*columns).params,
        fit_gammagamma(summaries.frequency, summaries.monetary).params,
    )


@pytest.mark.parametrize("model", [0, 1])
def test_scores_are_probabilities_and_positive_amounts(model: int) -> None:
    purchases, spend = fitted()[model], fitted()[2]
    summaries = cdnow_summaries()
    scores = score(purchases, spend, summaries)
    assert np.all((scores.probability_alive > 0) & (scores.probability_alive <= 1))
    np.testing.assert_allclose(scores.churn_risk, 1 - scores.probability_alive)
    assert np.all(scores.expected_purchases >= 0)
    assert np.all(scores.clv >= 0)
    assert np.all(scores.weeks_to_next_purchase > 0)
    # customers who never came back are alive for sure under BG/NBD (no purchase to drop after)
    never = summaries.frequency == 0
    if model == 0:
        assert np.all(scores.probability_alive[never] == 1)
    # more recent buyers with the same history are likelier alive
    x, age = np.full(2, 4.0), np.full(2, 30.0)
    recent = score(purchases, spend, _columns(x, np.array([10.0, 29.0]), age, np.full(2, 20.0)))
    assert recent.probability_alive[1] > recent.probability_alive[0]


def _columns(x: np.ndarray, t_x: np.ndarray, age: np.ndarray, m: np.ndarray) -> object:
    class Columns:
        frequency, recency, monetary = x, t_x, m

    Columns.age = age  # type: ignore[attr-defined]
    return Columns()


def test_clv_is_the_discounted_sum_of_expected_revenue() -> None:
    purchases, _, spend = fitted()
    summaries = cdnow_summaries()
    undiscounted = score(purchases, spend, summaries, horizon_weeks=52, annual_discount_rate=0)
    np.testing.assert_allclose(
        undiscounted.clv,
        undiscounted.expected_purchases * undiscounted.expected_average_spend,
        rtol=1e-10,
    )
    discounted = score(purchases, spend, summaries, horizon_weeks=52, annual_discount_rate=0.2)
    assert np.all(discounted.clv < undiscounted.clv)
    # no purchase is later than a year: the discount is between 1/1.2 and 1
    assert np.all(discounted.clv >= undiscounted.clv / 1.2)
    longer = score(purchases, spend, summaries, horizon_weeks=104, annual_discount_rate=0.2)
    assert np.all(longer.clv > discounted.clv)
    one_period = score(
        purchases, spend, summaries, horizon_weeks=52, period_weeks=52, annual_discount_rate=0.2
    )
    np.testing.assert_allclose(one_period.clv, undiscounted.clv / 1.2 ** (52 / (365.25 / 7)))


def test_next_purchase_dates_count_from_the_calibration_end() -> None:
    dates = next_purchase_dates(CALIBRATION_END, np.array([0.0, 1.0, 2 + 3 / 7]))
    assert [str(d) for d in dates] == ["1997-09-30", "1997-10-07", "1997-10-17"]


@pytest.mark.parametrize("model", [0, 1])
def test_holdout_comparison_tracks_what_happened(model: int) -> None:
    summaries = cdnow_summaries()
    comparison = compare_holdout(fitted()[model], summaries)
    assert [group.label for group in comparison.groups] == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert sum(group.customers for group in comparison.groups) == 2357
    assert comparison.holdout_weeks == 39
    assert comparison.actual_total == summaries.holdout_frequency.sum()
    # the models under-forecast CDNOW's holdout by about a tenth, as in the papers' figures
    assert comparison.expected_total == pytest.approx(comparison.actual_total, rel=0.15)
    expected = [group.expected for group in comparison.groups]
    assert expected == sorted(expected)  # more past purchases, more future ones
    for group in comparison.groups:
        assert group.expected == pytest.approx(group.actual, rel=0.45), group
    totals = expected_purchases(
        fitted()[model], 39, summaries.frequency, summaries.recency, summaries.age
    )
    assert comparison.expected_total == pytest.approx(totals.sum())


def holdout_markdown(comparison: HoldoutComparison, model: str) -> str:
    """The docs table of one model (docs/predictions.md)."""
    lines = [
        f"| {model}: calibration repeat purchases | customers | actual | expected |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {g.label} | {g.customers} | {g.actual:.3f} | {g.expected:.3f} |"
        for g in comparison.groups
    ]
    lines.append(
        f"| total purchases | {sum(g.customers for g in comparison.groups)} | "
        f"{comparison.actual_total:.0f} | {comparison.expected_total:.0f} |"
    )
    return "\n".join(lines)


def test_the_docs_show_the_current_holdout_tables() -> None:
    text = DOCS.read_text()
    summaries = cdnow_summaries()
    for index, name in ((0, "BG/NBD"), (1, "Pareto/NBD")):
        table = holdout_markdown(compare_holdout(fitted()[index], summaries), name)
        assert table in text, f"docs/predictions.md is out of date; the table is now:\n{table}"
    assert re.search(r"holdout", text)
