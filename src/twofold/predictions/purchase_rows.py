"""The (x, t_x, T) rows a purchase-count model is fitted on, compressed with weights."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from twofold.predictions.errors import NotEnoughData
from twofold.predictions.likelihood import require_customers
from twofold.predictions.summaries import compress_rows

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class PurchaseRows:
    """Distinct (x, t_x, T) rows with weights; terms that depend on x alone are computed once
    per distinct x (``distinct_frequency[frequency_index]`` is ``frequency``)."""

    frequency: FloatArray
    recency: FloatArray
    age: FloatArray
    weights: FloatArray
    distinct_frequency: FloatArray
    frequency_index: IntArray
    customers: int


def purchase_rows(frequency: FloatArray, recency: FloatArray, age: FloatArray) -> PurchaseRows:
    """Check and compress the inputs of a BG/NBD or Pareto/NBD fit."""
    require_customers(len(frequency), what="a purchase model")
    frequency, recency, age = (np.asarray(v, dtype=np.float64) for v in (frequency, recency, age))
    problems = (
        ~np.isfinite(frequency)
        | ~np.isfinite(recency)
        | ~np.isfinite(age)
        | (frequency < 0)
        | (recency < 0)
        | (recency > age)
        | (frequency != np.round(frequency))
    )
    if problems.any():
        row = int(np.flatnonzero(problems)[0])
        raise NotEnoughData(
            f"customer {row + 1}: x={frequency[row]}, t_x={recency[row]}, T={age[row]} "
            "is not a valid summary (x a whole number >= 0, 0 <= t_x <= T)"
        )
    if not (frequency > 0).any():
        raise NotEnoughData("no customer made a repeat purchase: the model cannot be fitted")
    compressed = compress_rows(frequency, recency, age)
    x, t_x, t = compressed.columns
    distinct, index = np.unique(x, return_inverse=True)
    return PurchaseRows(
        frequency=x,
        recency=t_x,
        age=t,
        weights=compressed.weights,
        distinct_frequency=distinct,
        frequency_index=index.astype(np.int64),
        customers=len(frequency),
    )
