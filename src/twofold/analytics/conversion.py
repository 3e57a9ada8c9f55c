"""Money in many currencies summed in SQL and converted into the base currency afterwards.

A period is cut into *buckets* at the first of every month and at every day an exchange rate
changes; inside a bucket each currency has one rate. Reports group their sums by currency and
bucket (a ``CASE`` on the deal's date), so the rows that come back depend on currencies and
months, never on the number of deals, and each group converts exactly at its own rate.
Money without a rate is kept apart per currency, as the forecast does (decision 0004).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from babel.numbers import get_currency_precision
from sqlalchemy import ColumnElement, SQLColumnExpression, case, literal_column
from sqlalchemy.orm import Session

from twofold.forecasting.forecast import Unconverted
from twofold.forecasting.periods import Period
from twofold.forecasting.rates import RateSchedule, rate_schedule

ZERO = Decimal(0)


@dataclass
class MoneySum:
    """A converted total, the deals in it, and what could not be converted."""

    amount: Decimal = ZERO
    deal_count: int = 0
    unconverted: dict[str, Unconverted] = field(default_factory=dict)

    def add_converted(self, amount: Decimal, deal_count: int) -> None:
        """Add money already in the base currency."""
        self.amount += amount
        self.deal_count += deal_count

    def add_unconverted(self, currency: str, amount: Decimal, deal_count: int) -> None:
        """Keep money without a rate apart, in its own currency."""
        missing = self.unconverted.setdefault(currency, Unconverted())
        missing.amount += amount
        missing.deal_count += deal_count

    def add(self, other: MoneySum) -> None:
        """Add another sum to this one."""
        self.add_converted(other.amount, other.deal_count)
        for currency, missing in other.unconverted.items():
            self.add_unconverted(currency, missing.amount, missing.deal_count)


@dataclass(frozen=True)
class PeriodRates:
    """The rate buckets of one period into one base currency."""

    schedule: RateSchedule
    starts: tuple[date, ...]

    @property
    def base_currency(self) -> str:
        """The currency everything is converted into."""
        return self.schedule.base_currency

    def bucket(self, column: SQLColumnExpression[Any], *, timestamps: bool) -> ColumnElement[int]:
        """The bucket index of a date (or UTC timestamp) column inside the period."""
        whens = [
            (column >= (_midnight(day) if timestamps else day), index)
            for index, day in reversed(list(enumerate(self.starts)))
            if index > 0
        ]
        return case(*whens, else_=0) if whens else literal_column("0")

    def add(
        self, total: MoneySum, *, currency: str, bucket: int, amount: Decimal | None, count: int
    ) -> None:
        """Convert one group's amount (``None``: no amounts, counted as 0) into ``total``."""
        rate = self.schedule.rate_on(currency, self.starts[int(bucket)])
        value = Decimal(amount) if amount is not None else ZERO
        if rate is None:
            total.add_unconverted(currency, value, count)
        else:
            total.add_converted(value * rate, count)

    def month_of(self, bucket: int) -> date:
        """The first day of the month a bucket lies in."""
        return self.starts[int(bucket)].replace(day=1)

    def round(self, amount: Decimal) -> Decimal:
        """An amount with the base currency's decimals."""
        return amount.quantize(Decimal(1).scaleb(-get_currency_precision(self.base_currency)))


def period_rates(session: Session, *, period: Period, base_currency: str) -> PeriodRates:
    """The buckets of ``period``: its months, split again wherever a rate changes."""
    schedule = rate_schedule(
        session, base_currency=base_currency, start=period.start, end=period.end
    )
    starts = {month.start for month in period.months()} | set(schedule.change_days())
    return PeriodRates(schedule=schedule, starts=tuple(sorted(starts)))


def period_moments(period: Period) -> tuple[datetime, datetime]:
    """The period as UTC timestamps: from its first midnight up to (not including) the next."""
    return _midnight(period.start), _midnight(period.following().start)


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
