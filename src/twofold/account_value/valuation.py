"""Expected contract value: ARR over a horizon, each renewal survived with the learned
probability, discounted (pure, no I/O).

Months are the unit: ARR / 12 is earned at the end of each month m = 1..12 x horizon and
discounted by (1 + rate)^(-m / 12). The current term's remaining months are certain; after
it, the contract renews every ``term_months`` with probability p, so month m is earned with
probability p^k, k the renewals it needs: ceil((m - remaining) / term_months). A term that
starts later earns nothing before it starts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext

DAYS_PER_MONTH = Decimal("30.4375")  # 365.25 / 12
MONTHS_PER_YEAR = 12
CENTS = Decimal("0.0001")


@dataclass(frozen=True)
class Term:
    """The current term of a contract, as valuation needs it."""

    arr: Decimal
    start_date: date
    end_date: date


def months_between(start: date, end: date) -> int:
    """Whole months (of 365.25 / 12 days) from ``start`` to ``end``, rounded half-up."""
    days = Decimal((end - start).days)
    return max(0, int((days / DAYS_PER_MONTH).quantize(Decimal(1), ROUND_HALF_UP)))


def expected_value(
    term: Term,
    *,
    renewal_probability: float,
    today: date,
    horizon_years: int,
    annual_discount_rate: Decimal,
) -> Decimal:
    """The discounted ARR expected from ``today`` over ``horizon_years``."""
    remaining = months_between(today, term.end_date)
    not_started = months_between(today, term.start_date)  # a term that starts later
    # Both dates inclusive: a year's contract from 1 Jan to 31 Dec is 12 months.
    term_months = max(1, months_between(term.start_date, term.end_date + timedelta(days=1)))
    monthly = term.arr / MONTHS_PER_YEAR
    probability = Decimal(str(renewal_probability))
    total = Decimal(0)
    with localcontext() as context:
        context.prec = 28
        yearly_factor = 1 + annual_discount_rate
        for month in range(not_started + 1, horizon_years * MONTHS_PER_YEAR + 1):
            renewals = 0 if month <= remaining else math.ceil((month - remaining) / term_months)
            survival = probability**renewals if renewals else Decimal(1)
            discount = yearly_factor ** (Decimal(-month) / MONTHS_PER_YEAR)
            total += monthly * survival * discount
    return total.quantize(CENTS, ROUND_HALF_UP)
