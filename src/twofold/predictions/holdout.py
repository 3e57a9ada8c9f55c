"""The papers' validation: expected vs actual purchases in the holdout period, grouped by
the number of repeat purchases in the calibration period (0, 1, ..., 7+)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twofold.predictions.scoring import PurchaseParams, expected_purchases
from twofold.predictions.summaries import CustomerSummaries


@dataclass(frozen=True)
class HoldoutGroup:
    """Customers with ``label`` calibration repeat purchases: their mean holdout purchases."""

    label: str
    customers: int
    actual: float
    expected: float


@dataclass(frozen=True)
class HoldoutComparison:
    """The groups in order, with the totals over all customers."""

    groups: list[HoldoutGroup]
    holdout_weeks: float
    actual_total: float
    expected_total: float


def compare_holdout(
    params: PurchaseParams, summaries: CustomerSummaries, *, top_group: int = 7
) -> HoldoutComparison:
    """Conditional expectations vs actual purchases in the holdout, by calibration x."""
    weeks = summaries.holdout_weeks
    expected = expected_purchases(
        params, weeks, summaries.frequency, summaries.recency, summaries.age
    )
    group = np.minimum(summaries.frequency, top_group).astype(np.int64)
    groups = []
    for value in range(top_group + 1):
        members = group == value
        if not members.any():
            continue
        groups.append(
            HoldoutGroup(
                label=f"{value}+" if value == top_group else str(value),
                customers=int(members.sum()),
                actual=float(summaries.holdout_frequency[members].mean()),
                expected=float(expected[members].mean()),
            )
        )
    return HoldoutComparison(
        groups=groups,
        holdout_weeks=weeks,
        actual_total=float(summaries.holdout_frequency.sum()),
        expected_total=float(expected.sum()),
    )
