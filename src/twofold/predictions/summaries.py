"""From purchases to the per-customer summaries the models read: x, t_x, T and spend.

The conventions of the papers (see tests/data/cdnow/README.md): purchases by one customer on
one day are one purchase (values summed); x counts the *repeat* purchase days in the
calibration period; t_x and T are in weeks (days / 7, not rounded) from the first purchase to
the last one and to the calibration end; the monetary value is the mean of the repeat
purchases (the first excluded). Everything is vectorised: no Python loop over customers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from twofold.predictions.errors import BadTransactions, NotEnoughData

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
EPOCH = date(1970, 1, 1)
DAYS_PER_WEEK = 7.0


def day_number(day: date) -> int:
    """Days since 1970-01-01 (the unit of ``Transactions.days``)."""
    return (day - EPOCH).days


def day_from_number(number: int) -> date:
    """The date of a day number."""
    return EPOCH + timedelta(days=number)


@dataclass(frozen=True)
class Transactions:
    """Purchases as parallel arrays; ``customers[i]`` indexes ``customer_ids``."""

    customers: IntArray
    days: IntArray
    amounts: FloatArray
    customer_ids: npt.NDArray[np.object_]


@dataclass(frozen=True)
class CustomerSummaries:
    """One row per customer of the calibration cohort (first purchase on or before its end).

    ``frequency`` is x, ``recency`` t_x and ``age`` T of the papers; ``holdout_frequency``
    counts purchase days after the calibration end up to ``holdout_end`` (inclusive).
    """

    customer_ids: npt.NDArray[np.object_]
    frequency: FloatArray
    recency: FloatArray
    age: FloatArray
    monetary: FloatArray
    holdout_frequency: FloatArray
    calibration_end: date
    holdout_end: date

    @property
    def holdout_weeks(self) -> float:
        """Length of the holdout period in weeks."""
        return (self.holdout_end - self.calibration_end).days / DAYS_PER_WEEK

    def __len__(self) -> int:
        return len(self.frequency)


def summarise_transactions(
    transactions: Transactions, *, calibration_end: date, holdout_end: date | None = None
) -> CustomerSummaries:
    """Per-customer x, t_x, T, mean repeat spend and holdout purchases (see module doc)."""
    _check_amounts(transactions.amounts)
    if len(transactions.days) == 0:
        raise NotEnoughData("there are no transactions")
    first_day, last_day = int(transactions.days.min()), int(transactions.days.max())
    end = day_number(calibration_end)
    if not first_day <= end <= last_day:
        raise NotEnoughData(
            f"the calibration end {calibration_end} is outside the data range "
            f"{day_from_number(first_day)} .. {day_from_number(last_day)}"
        )
    holdout_end = holdout_end or day_from_number(last_day)
    if holdout_end < calibration_end:
        raise NotEnoughData(f"the holdout end {holdout_end} is before the calibration end")
    customers, days, amounts = _purchase_days(transactions)
    return _summarise_days(
        transactions.customer_ids,
        customers,
        days,
        amounts,
        calibration_end=calibration_end,
        holdout_end=holdout_end,
    )


def summarise_as_of(transactions: Transactions, *, as_of: date) -> CustomerSummaries:
    """Summaries for scoring today: the calibration period runs to ``as_of`` (which may be
    after the last purchase: a quiet week is data too) and there is no holdout."""
    _check_amounts(transactions.amounts)
    if len(transactions.days) == 0:
        raise NotEnoughData("there are no purchases")
    last_day = int(transactions.days.max())
    if day_number(as_of) < last_day:
        raise NotEnoughData(
            f"the scoring date {as_of} is before the last purchase ({day_from_number(last_day)})"
        )
    customers, days, amounts = _purchase_days(transactions)
    return _summarise_days(
        transactions.customer_ids, customers, days, amounts, calibration_end=as_of,
        holdout_end=as_of,
    )  # fmt: skip


def _check_amounts(amounts: FloatArray) -> None:
    bad = np.flatnonzero(~np.isfinite(amounts) | (amounts < 0))
    if len(bad):
        row = int(bad[0])
        raise BadTransactions(
            f"row {row + 1}: the amount {amounts[row]} is not a non-negative number"
        )


def _purchase_days(transactions: Transactions) -> tuple[IntArray, IntArray, FloatArray]:
    """Sorted by customer then day, one row per customer and day, amounts summed."""
    order = np.lexsort((transactions.days, transactions.customers))
    customers = transactions.customers[order]
    days = transactions.days[order]
    starts = np.flatnonzero(
        np.concatenate(([True], (customers[1:] != customers[:-1]) | (days[1:] != days[:-1])))
    )
    amounts: FloatArray = np.add.reduceat(transactions.amounts[order], starts)
    return customers[starts], days[starts], amounts


def _group_edges(keys: IntArray) -> tuple[IntArray, IntArray]:
    """First and last positions of each run of equal keys in a sorted array."""
    change = np.flatnonzero(keys[1:] != keys[:-1]) + 1
    firsts = np.concatenate(([0], change)).astype(np.int64)
    lasts = np.concatenate((change - 1, [len(keys) - 1])).astype(np.int64)
    return firsts, lasts


def _summarise_days(
    customer_ids: npt.NDArray[np.object_],
    customers: IntArray,
    days: IntArray,
    amounts: FloatArray,
    *,
    calibration_end: date,
    holdout_end: date,
) -> CustomerSummaries:
    end, stop = day_number(calibration_end), day_number(holdout_end)
    in_calibration = days <= end
    cal_customers, cal_days = customers[in_calibration], days[in_calibration]
    cal_amounts = amounts[in_calibration]
    firsts, lasts = _group_edges(cal_customers)
    cohort = cal_customers[firsts]  # customers who bought on or before the calibration end
    counts = (lasts - firsts + 1).astype(np.float64)
    frequency = counts - 1.0
    first_days = cal_days[firsts]
    total = np.add.reduceat(cal_amounts, firsts)
    repeat_total = total - cal_amounts[firsts]
    monetary = np.divide(
        repeat_total, frequency, out=np.zeros_like(repeat_total), where=frequency > 0
    )
    in_holdout = (days > end) & (days <= stop)
    holdout_counts = np.bincount(customers[in_holdout], minlength=len(customer_ids))
    return CustomerSummaries(
        customer_ids=customer_ids[cohort],
        frequency=frequency,
        recency=(cal_days[lasts] - first_days) / DAYS_PER_WEEK,
        age=(end - first_days) / DAYS_PER_WEEK,
        monetary=monetary,
        holdout_frequency=holdout_counts[cohort].astype(np.float64),
        calibration_end=calibration_end,
        holdout_end=holdout_end,
    )


@dataclass(frozen=True)
class CompressedRows:
    """Distinct rows of some columns, how often each occurs, and where each input row went."""

    columns: tuple[FloatArray, ...]
    weights: FloatArray
    inverse: IntArray


def compress_rows(*columns: FloatArray) -> CompressedRows:
    """Identical rows collapse into one with a weight: the likelihood is a weighted sum."""
    order = np.lexsort(columns[::-1])
    ordered = [column[order] for column in columns]
    if len(order) == 0:
        return CompressedRows(tuple(ordered), np.zeros(0), np.zeros(0, dtype=np.int64))
    changed = np.zeros(len(order) - 1, dtype=bool)
    for column in ordered:
        changed |= column[1:] != column[:-1]
    starts = np.flatnonzero(np.concatenate(([True], changed)))
    group = np.cumsum(np.concatenate(([False], changed))).astype(np.int64)
    inverse = np.empty(len(order), dtype=np.int64)
    inverse[order] = group
    weights = np.diff(np.append(starts, len(order))).astype(np.float64)
    return CompressedRows(tuple(column[starts] for column in ordered), weights, inverse)
