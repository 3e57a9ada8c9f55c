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
class DistinctValues:
    """The distinct values of a column and, per row, which one it holds: a function of the
    column is computed once per distinct value (dates in days give a few hundred)."""

    values: FloatArray
    index: IntArray
    weights: FloatArray  # total row weight per distinct value


def distinct_values(column: FloatArray, weights: FloatArray) -> DistinctValues:
    """Factorise ``column``."""
    values, index = np.unique(column, return_inverse=True)
    totals = np.bincount(index, weights=weights, minlength=len(values)).astype(np.float64)
    return DistinctValues(values, index.astype(np.int64), totals)


@dataclass(frozen=True)
class PurchaseRows:
    """Distinct (x, t_x, T) rows with weights, sorted by x so that the rows with x = 0 come
    first (``repeat_start`` is the first with x > 0); x, t_x and T are also factorised."""

    frequency: FloatArray
    recency: FloatArray
    age: FloatArray
    weights: FloatArray
    by_frequency: DistinctValues
    by_recency: DistinctValues
    by_age: DistinctValues
    repeat_start: int
    customers: int

    @property
    def distinct_frequency(self) -> FloatArray:
        """The distinct values of x."""
        return self.by_frequency.values

    @property
    def frequency_index(self) -> IntArray:
        """Which distinct x each row holds."""
        return self.by_frequency.index


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
    compressed = compress_rows(frequency, recency, age)  # sorted by x first
    x, t_x, t = compressed.columns
    weights = compressed.weights
    return PurchaseRows(
        frequency=x,
        recency=t_x,
        age=t,
        weights=weights,
        by_frequency=distinct_values(x, weights),
        by_recency=distinct_values(t_x, weights),
        by_age=distinct_values(t, weights),
        repeat_start=int(np.searchsorted(x, 0.0, side="right")),
        customers=len(frequency),
    )
