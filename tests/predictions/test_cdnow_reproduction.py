"""The published CDNOW parameters, reproduced from the raw purchases to three significant
figures (Fader, Hardie & Lee 2005a, 2005b; tests/data/cdnow/README.md)."""

from __future__ import annotations

import numpy as np
import pytest
from cdnow_support import assert_three_significant_figures, cdnow_summaries

from twofold.predictions.bgnbd import fit_bgnbd
from twofold.predictions.gammagamma import fit_gammagamma
from twofold.predictions.paretonbd import fit_paretonbd


def test_summaries_follow_the_papers_conventions() -> None:
    summaries = cdnow_summaries()
    assert len(summaries) == 2357
    assert int((summaries.frequency > 0).sum()) == 946
    assert summaries.holdout_weeks == 39
    assert np.all(summaries.recency <= summaries.age)
    # the cohort bought first in 1997-Q1: T lies between (Sep 30 - Mar 31) / 7 and 272 / 7
    assert summaries.age.min() >= 183 / 7
    assert summaries.age.max() == 272 / 7  # Jan 1 to Sep 30


def test_bgnbd_reproduces_the_published_parameters() -> None:
    summaries = cdnow_summaries()
    fitted = fit_bgnbd(summaries.frequency, summaries.recency, summaries.age)
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    for name, value in published.items():
        assert_three_significant_figures(name, fitted.params.as_dict()[name], value)
    assert fitted.log_likelihood == pytest.approx(-9582.4, abs=0.05)  # the paper's value


def test_paretonbd_reproduces_the_published_parameters() -> None:
    summaries = cdnow_summaries()
    fitted = fit_paretonbd(summaries.frequency, summaries.recency, summaries.age)
    published = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.666}
    for name, value in published.items():
        assert_three_significant_figures(name, fitted.params.as_dict()[name], value)
    assert fitted.log_likelihood == pytest.approx(-9595.0, abs=0.05)


def test_gammagamma_reproduces_the_published_parameters() -> None:
    summaries = cdnow_summaries()
    fitted = fit_gammagamma(summaries.frequency, summaries.monetary)
    assert fitted.customers == 946
    published = {"p": 6.25, "q": 3.74, "gamma": 15.44}
    for name, value in published.items():
        assert_three_significant_figures(name, fitted.params.as_dict()[name], value)


def test_the_tolerance_refuses_a_fourth_figure_off_by_more_than_half() -> None:
    assert_three_significant_figures("alpha", 4.4136, 4.414)
    with pytest.raises(AssertionError):
        assert_three_significant_figures("alpha", 4.42, 4.414)
    with pytest.raises(AssertionError):
        assert_three_significant_figures("beta", 11.8, 11.666)
