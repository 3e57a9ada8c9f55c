"""Forecast periods: calendar months (``2027-03``) and quarters (``2027-Q1``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from twofold.core.errors import ValidationFailed

MIN_YEAR, MAX_YEAR = 1900, 9998  # a period's successor must still be a date
_MONTH = re.compile(r"^(\d{4})-(\d{2})$", re.ASCII)
_QUARTER = re.compile(r"^(\d{4})-[Qq](\d)$", re.ASCII)
MONTHS_PER_QUARTER = 3


class PeriodKind(StrEnum):
    """How long a forecast or quota period is."""

    MONTH = "month"
    QUARTER = "quarter"


@dataclass(frozen=True, order=True)
class Period:
    """A calendar month or quarter, identified by its first day."""

    start: date
    kind: PeriodKind

    @property
    def end(self) -> date:
        """The period's last day (inclusive)."""
        return self.following().start - timedelta(days=1)

    @property
    def label(self) -> str:
        """``2027-03`` or ``2027-Q1``: the form the API reads and writes."""
        if self.kind == PeriodKind.MONTH:
            return f"{self.start.year:04d}-{self.start.month:02d}"
        return f"{self.start.year:04d}-Q{(self.start.month - 1) // 3 + 1}"

    def following(self) -> Period:
        """The next period of the same kind."""
        step = 1 if self.kind == PeriodKind.MONTH else MONTHS_PER_QUARTER
        months = self.start.year * 12 + self.start.month - 1 + step
        return Period(date(months // 12, months % 12 + 1, 1), self.kind)

    def preceding(self) -> Period:
        """The previous period of the same kind."""
        step = 1 if self.kind == PeriodKind.MONTH else MONTHS_PER_QUARTER
        months = self.start.year * 12 + self.start.month - 1 - step
        return Period(date(months // 12, months % 12 + 1, 1), self.kind)

    def months(self) -> list[Period]:
        """The months the period is made of (a month is made of itself)."""
        if self.kind == PeriodKind.MONTH:
            return [self]
        first = Period(self.start, PeriodKind.MONTH)
        return [first, first.following(), first.following().following()]

    def contains(self, day: date) -> bool:
        """True when ``day`` falls in the period."""
        return self.start <= day <= self.end


def parse_period(text: str, *, field: str = "period") -> Period:
    """``2027-Q1`` or ``2027-03`` as a period; anything else is a ``ValidationFailed``."""
    value = text.strip()
    month = _MONTH.match(value)
    quarter = _QUARTER.match(value)
    if month:
        year, number, kind, limit = int(month[1]), int(month[2]), PeriodKind.MONTH, 12
    elif quarter:
        year, number, kind, limit = int(quarter[1]), int(quarter[2]), PeriodKind.QUARTER, 4
    else:
        raise ValidationFailed.on(field, f"{text!r} is not a period: use 2027-Q1 or 2027-03")
    if not 1 <= number <= limit:
        what = "month" if kind == PeriodKind.MONTH else "quarter"
        raise ValidationFailed.on(field, f"{text!r}: the {what} must be between 1 and {limit}")
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationFailed.on(
            field, f"{text!r}: the year must be between {MIN_YEAR} and {MAX_YEAR}"
        )
    first_month = number if kind == PeriodKind.MONTH else (number - 1) * 3 + 1
    return Period(date(year, first_month, 1), kind)


def period_containing(day: date, kind: PeriodKind) -> Period:
    """The month or quarter ``day`` falls in."""
    if kind == PeriodKind.MONTH:
        return Period(date(day.year, day.month, 1), kind)
    return Period(date(day.year, (day.month - 1) // 3 * 3 + 1, 1), kind)


def period_from_start(kind: str, start: date) -> Period:
    """The period stored as ``(kind, first day)``."""
    return Period(start, PeriodKind(kind))
