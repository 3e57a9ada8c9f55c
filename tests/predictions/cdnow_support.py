"""The CDNOW sample (tests/data/cdnow/README.md) as transactions, and published values."""

from __future__ import annotations

import math
from datetime import date
from functools import cache
from pathlib import Path

import numpy as np

from twofold.predictions.summaries import (
    CustomerSummaries,
    Transactions,
    summarise_transactions,
)

CDNOW = Path(__file__).resolve().parent.parent / "data" / "cdnow" / "CDNOW_sample.txt"
CALIBRATION_END = date(1997, 9, 30)


def cdnow_transactions() -> Transactions:
    """Every purchase line of the sample: customer, YYYYMMDD date, dollar value."""
    lines = [line.split() for line in CDNOW.read_text().splitlines() if line.strip()]
    ids, customers = np.unique([line[1] for line in lines], return_inverse=True)
    days = np.array(
        [f"{d[:4]}-{d[4:6]}-{d[6:]}" for d in (line[2] for line in lines)], dtype="datetime64[D]"
    ).astype(np.int64)
    amounts = np.array([float(line[4]) for line in lines])
    return Transactions(customers.astype(np.int64), days, amounts, ids.astype(object))


@cache
def cdnow_summaries() -> CustomerSummaries:
    """Calibration 1997-01-01 .. 1997-09-30; holdout to the end of the data (39 weeks)."""
    return summarise_transactions(cdnow_transactions(), calibration_end=CALIBRATION_END)


def assert_three_significant_figures(name: str, actual: float, published: float) -> None:
    """``actual`` rounds to ``published`` at three significant figures: within half a unit of
    the third significant digit of the published value."""
    unit = 10.0 ** (math.floor(math.log10(abs(published))) - 2)
    assert abs(actual - published) <= unit / 2, f"{name}: {actual:.6g}, published {published}"
