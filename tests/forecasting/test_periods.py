"""Forecast periods: parsing, bounds, neighbours; every malformed period is a clear error."""

from __future__ import annotations

from datetime import date

import pytest

from twofold.core.errors import ValidationFailed
from twofold.forecasting.periods import PeriodKind, parse_period, period_containing


def test_quarters_and_months_have_their_calendar_bounds() -> None:
    quarter = parse_period("2027-Q1")
    assert (quarter.kind, quarter.start, quarter.end) == (
        PeriodKind.QUARTER,
        date(2027, 1, 1),
        date(2027, 3, 31),
    )
    assert parse_period("2027-q4").end == date(2027, 12, 31)
    february = parse_period("2028-02")
    assert (february.kind, february.start, february.end) == (
        PeriodKind.MONTH,
        date(2028, 2, 1),
        date(2028, 2, 29),
    )
    assert parse_period(" 2027-12 ").end == date(2027, 12, 31)


def test_labels_neighbours_and_months() -> None:
    quarter = parse_period("2027-Q4")
    assert quarter.label == "2027-Q4"
    assert quarter.following().label == "2028-Q1"
    assert quarter.preceding().label == "2027-Q3"
    assert parse_period("2027-01").preceding().label == "2026-12"
    assert [month.label for month in quarter.months()] == ["2027-10", "2027-11", "2027-12"]
    assert parse_period("2027-03").months() == [parse_period("2027-03")]
    assert period_containing(date(2027, 5, 17), PeriodKind.QUARTER).label == "2027-Q2"
    assert period_containing(date(2027, 5, 17), PeriodKind.MONTH).label == "2027-05"
    assert quarter.contains(date(2027, 10, 1))
    assert not quarter.contains(date(2028, 1, 1))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2027-Q5", "the quarter must be between 1 and 4"),
        ("2027-Q0", "the quarter must be between 1 and 4"),
        ("2027-13", "the month must be between 1 and 12"),
        ("2027-00", "the month must be between 1 and 12"),
        ("abc", "is not a period: use 2027-Q1 or 2027-03"),
        ("", "is not a period"),
        ("2027", "is not a period"),
        ("2027-3", "is not a period"),
        ("2027-Q1x", "is not a period"),
        ("27-Q1", "is not a period"),
        ("0999-Q1", "the year must be between 1900 and 9998"),
        ("9999-12", "the year must be between 1900 and 9998"),
        ("\uff12\uff10\uff12\uff17-Q1", "is not a period"),  # full-width digits
    ],
)
def test_malformed_periods_are_refused(text: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_period(text)
    assert refused.value.details[0].field == "period"
    assert message in refused.value.details[0].message
