"""Recurring-revenue metrics of a period, in the base currency (decision 0015).

A customer (an account, or a person for contracts on persons) has on day ``d`` the ARR of
its contracts that are not drafts and whose term covers ``d``. Opening ARR is on the day
before the period, closing ARR on its last day; both convert with the rates of the last
day, so that a currency's movement is not counted as expansion or contraction.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from twofold.core.enums import ContractStatus
from twofold.forecasting.periods import Period
from twofold.forecasting.rates import rate_schedule
from twofold.store.models import Contract

Customer = tuple[str, int]  # ("account", id) or ("person", id)
CENT = Decimal("0.01")


@dataclass
class RetentionMetrics:
    """A period's recurring revenue movement in ``currency`` (percentages ``None`` when no
    ARR opened the period)."""

    period: Period
    currency: str
    opening_arr: Decimal = Decimal(0)
    closing_arr: Decimal = Decimal(0)
    new_arr: Decimal = Decimal(0)
    expansion_arr: Decimal = Decimal(0)
    contraction_arr: Decimal = Decimal(0)
    churned_arr: Decimal = Decimal(0)
    customers_opening: int = 0
    customers_closing: int = 0
    customers_new: int = 0
    customers_churned: int = 0
    unconverted_currencies: list[str] = field(default_factory=list)

    @property
    def net_revenue_retention(self) -> Decimal | None:
        """(opening + expansion - contraction - churn) / opening, in percent."""
        kept = self.opening_arr + self.expansion_arr - self.contraction_arr - self.churned_arr
        return _percent(kept, self.opening_arr)

    @property
    def gross_revenue_retention(self) -> Decimal | None:
        """(opening - contraction - churn) / opening, in percent (expansion left out)."""
        return _percent(
            self.opening_arr - self.contraction_arr - self.churned_arr, self.opening_arr
        )


def retention_metrics(session: Session, *, period: Period, base_currency: str) -> RetentionMetrics:
    """New, expansion, contraction and churned ARR and NRR/GRR of ``period``."""
    metrics = RetentionMetrics(period=period, currency=base_currency)
    schedule = rate_schedule(session, base_currency=base_currency, start=period.end, end=period.end)
    missing: set[str] = set()

    def converted(day: date) -> dict[Customer, Decimal]:
        totals: dict[Customer, Decimal] = defaultdict(Decimal)
        for customer, currency, arr in arr_by_customer(session, day=day):
            rate = schedule.rate_on(currency, period.end)
            if rate is None:
                missing.add(currency)
                continue
            totals[customer] += arr * rate
        return totals

    opening = converted(period.start - timedelta(days=1))
    closing = converted(period.end)
    for customer in opening.keys() | closing.keys():
        _count(metrics, opening.get(customer, Decimal(0)), closing.get(customer, Decimal(0)))
    for name in (
        "opening_arr",
        "closing_arr",
        "new_arr",
        "expansion_arr",
        "contraction_arr",
        "churned_arr",
    ):
        setattr(metrics, name, getattr(metrics, name).quantize(CENT, ROUND_HALF_UP))
    metrics.unconverted_currencies = sorted(missing)
    return metrics


def arr_by_customer(session: Session, *, day: date) -> list[tuple[Customer, str, Decimal]]:
    """ARR per customer and currency on ``day``: one grouped query."""
    query = (
        select(Contract.account_id, Contract.person_id, Contract.currency, func.sum(Contract.arr))
        .where(
            Contract.status != ContractStatus.DRAFT.value,
            Contract.start_date <= day,
            Contract.end_date >= day,
        )
        .group_by(Contract.account_id, Contract.person_id, Contract.currency)
    )
    rows = []
    for account_id, person_id, currency, arr in session.execute(query):
        # A contract has an account or a person (a check constraint): the account counts.
        customer: Customer = (
            ("account", account_id) if account_id is not None else ("person", person_id or 0)
        )
        rows.append((customer, currency, Decimal(str(arr))))
    return rows


def _count(metrics: RetentionMetrics, opening: Decimal, closing: Decimal) -> None:
    metrics.opening_arr += opening
    metrics.closing_arr += closing
    metrics.customers_opening += opening > 0
    metrics.customers_closing += closing > 0
    if opening == 0 and closing > 0:
        metrics.new_arr += closing
        metrics.customers_new += 1
    elif opening > 0 and closing == 0:
        metrics.churned_arr += opening
        metrics.customers_churned += 1
    elif closing > opening:
        metrics.expansion_arr += closing - opening
    elif closing < opening:
        metrics.contraction_arr += opening - closing


def _percent(part: Decimal, whole: Decimal) -> Decimal | None:
    if whole == 0:
        return None
    return (part * 100 / whole).quantize(CENT, ROUND_HALF_UP)
