"""Transactions to (x, t_x, T, mean repeat spend, holdout purchases), by hand-checked cases."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from twofold.predictions.errors import BadTransactions, NotEnoughData
from twofold.predictions.summaries import Transactions, compress_rows, summarise_transactions


def transactions(rows: list[tuple[str, str, float]]) -> Transactions:
    ids, customers = np.unique([row[0] for row in rows], return_inverse=True)
    days = np.array([row[1] for row in rows], dtype="datetime64[D]").astype(np.int64)
    amounts = np.array([row[2] for row in rows])
    return Transactions(customers.astype(np.int64), days, amounts, ids.astype(object))


PURCHASES = transactions(
    [
        ("ann", "2024-01-08", 10.0),
        ("ann", "2024-01-22", 20.0),
        ("ann", "2024-01-22", 5.0),  # same day: one purchase worth 25
        ("ann", "2024-02-05", 40.0),
        ("ann", "2024-03-04", 7.0),  # holdout
        ("bob", "2024-01-15", 30.0),
        ("bob", "2024-03-11", 8.0),  # holdout
        ("bob", "2024-03-11", 2.0),  # holdout, same day
        ("cat", "2024-02-20", 12.0),  # first purchase after the calibration end
        ("dan", "2024-01-01", 0.0),
        ("dan", "2024-02-19", 0.0),  # a free repeat purchase on the calibration end
    ]
)


def test_summaries_combine_days_and_exclude_the_first_purchase_from_spend() -> None:
    summaries = summarise_transactions(PURCHASES, calibration_end=date(2024, 2, 19))
    assert list(summaries.customer_ids) == ["ann", "bob", "dan"]
    np.testing.assert_array_equal(summaries.frequency, [2, 0, 1])
    np.testing.assert_allclose(summaries.recency, [4, 0, 7])  # weeks
    np.testing.assert_allclose(summaries.age, [6, 5, 7])
    np.testing.assert_allclose(summaries.monetary, [(25 + 40) / 2, 0, 0])
    np.testing.assert_array_equal(summaries.holdout_frequency, [1, 1, 0])
    assert summaries.holdout_end == date(2024, 3, 11)
    assert summaries.holdout_weeks == 3


def test_the_holdout_can_end_before_the_data() -> None:
    summaries = summarise_transactions(
        PURCHASES, calibration_end=date(2024, 2, 19), holdout_end=date(2024, 3, 4)
    )
    np.testing.assert_array_equal(summaries.holdout_frequency, [1, 0, 0])


def test_the_input_order_does_not_matter() -> None:
    shuffled = np.random.default_rng(1).permutation(len(PURCHASES.days))
    mixed = Transactions(
        PURCHASES.customers[shuffled],
        PURCHASES.days[shuffled],
        PURCHASES.amounts[shuffled],
        PURCHASES.customer_ids,
    )
    first = summarise_transactions(PURCHASES, calibration_end=date(2024, 2, 19))
    second = summarise_transactions(mixed, calibration_end=date(2024, 2, 19))
    for name in ("frequency", "recency", "age", "monetary", "holdout_frequency"):
        np.testing.assert_allclose(getattr(first, name), getattr(second, name))


@pytest.mark.parametrize("end", [date(2023, 12, 31), date(2024, 3, 12)])
def test_a_calibration_end_outside_the_data_is_refused(end: date) -> None:
    with pytest.raises(NotEnoughData, match=r"outside the data range 2024-01-01 \.\. 2024-03-11"):
        summarise_transactions(PURCHASES, calibration_end=end)


def test_a_holdout_end_before_the_calibration_end_is_refused() -> None:
    with pytest.raises(NotEnoughData, match="holdout end"):
        summarise_transactions(
            PURCHASES, calibration_end=date(2024, 2, 19), holdout_end=date(2024, 2, 1)
        )


@pytest.mark.parametrize("amount", [-1.0, float("nan"), float("inf")])
def test_a_bad_amount_is_refused_naming_its_row(amount: float) -> None:
    amounts = PURCHASES.amounts.copy()
    amounts[3] = amount
    bad = Transactions(PURCHASES.customers, PURCHASES.days, amounts, PURCHASES.customer_ids)
    with pytest.raises(BadTransactions, match="row 4: the amount"):
        summarise_transactions(bad, calibration_end=date(2024, 2, 19))


def test_no_transactions_are_refused() -> None:
    empty = Transactions(
        np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0), np.array([])
    )
    with pytest.raises(NotEnoughData, match="no transactions"):
        summarise_transactions(empty, calibration_end=date(2024, 1, 1))


def test_compressed_rows_expand_back_to_the_input() -> None:
    rng = np.random.default_rng(3)
    x = rng.integers(0, 4, 1000).astype(float)
    t = rng.integers(0, 5, 1000).astype(float)
    rows = compress_rows(x, t)
    assert len(rows.weights) == len(np.unique(np.column_stack((x, t)), axis=0))
    assert rows.weights.sum() == 1000
    np.testing.assert_array_equal(rows.columns[0][rows.inverse], x)
    np.testing.assert_array_equal(rows.columns[1][rows.inverse], t)
