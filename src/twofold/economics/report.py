"""The customer economics report: validated options → periods → counts (economics/metrics.py)
and marketing spend → rows with rates, money in the base currency, CAC and LTV:CAC."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Final, get_args

from twofold.core.enums import SpendPurpose
from twofold.core.errors import ValidationFailed
from twofold.core.money import format_amount
from twofold.core.time import utcnow
from twofold.economics.metrics import (
    Breakdown,
    GroupBy,
    Period,
    PeriodCounts,
    month_start,
    next_month,
    period_counts,
)
from twofold.economics.spend import SpendTotals, spend_totals
from twofold.events.store import EventStore
from twofold.forecasting.periods import parse_period
from twofold.orders.base_currency import exchange_rates, stage_purchases
from twofold.store.database import Database

MAX_MONTHS: Final = 120
MAX_CHURN_DAYS: Final = 3650
DEFAULT_CHURN_DAYS: Final = 180


@dataclass(frozen=True)
class EconomicsOptions:
    """Months ``start`` .. ``end`` (inclusive; quarters allowed), how rows are grouped, an
    optional channel, and the churn definition (no purchase in ``churn_days``)."""

    start: date  # first day of the first month
    end: date  # first day after the last month
    group_by: GroupBy
    channel: str | None
    churn_days: int


def parse_options(
    *,
    start: str | None,
    end: str | None,
    group_by: str = "total",
    channel: str | None = None,
    churn_days: int = DEFAULT_CHURN_DAYS,
    today: date | None = None,
) -> EconomicsOptions:
    """Check the report's parameters (``ValidationFailed`` naming the parameter); the
    default range is the twelve months up to this one."""
    current = month_start(today or utcnow().date())
    last = parse_period(end, field="end").following().start if end else next_month(current)
    first = parse_period(start, field="start").start if start else _months_before(last, 12)
    if first >= last:
        raise ValidationFailed.on("end", "must not be before start")
    if _months_between(first, last) > MAX_MONTHS:
        raise ValidationFailed.on("end", f"the range is at most {MAX_MONTHS} months")
    if group_by not in get_args(GroupBy):
        raise ValidationFailed.on("group_by", f"must be one of {', '.join(get_args(GroupBy))}")
    if not 1 <= churn_days <= MAX_CHURN_DAYS:
        raise ValidationFailed.on("churn_days", f"must be from 1 to {MAX_CHURN_DAYS}")
    chosen = channel.strip() if channel is not None else None
    if chosen == "":
        raise ValidationFailed.on("channel", "must not be empty")
    return EconomicsOptions(first, last, group_by, chosen, churn_days)  # type: ignore[arg-type]


def _months_between(first: date, last: date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month


def _months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def report_periods(options: EconomicsOptions, *, today: date) -> list[Period]:
    """The rows' periods, each ending at the latest tomorrow (a running period ends today)."""
    stop = min(options.end, date.fromordinal(today.toordinal() + 1))
    if options.group_by in {"total", "channel", "region"}:
        last = _months_before(options.end, 1)
        label = _label(options.start) + ("" if last == options.start else ".." + _label(last))
        return [Period(label, options.start, stop)] if options.start < stop else []
    step = 1 if options.group_by == "month" else 3
    periods = []
    cursor = options.start
    while cursor < stop:
        following = cursor
        for _ in range(step):
            following = next_month(following)
        label = _label(cursor) if step == 1 else f"{cursor.year}-Q{(cursor.month - 1) // 3 + 1}"
        periods.append(Period(label, cursor, min(following, stop)))
        cursor = following
    return periods


def _label(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def economics_report(
    store: EventStore,
    database: Database,
    *,
    base_currency: str,
    options: EconomicsOptions,
    today: date | None = None,
) -> dict[str, Any]:
    """The report: one row per period (and channel when grouped by channel)."""
    day = today or utcnow().date()
    periods = report_periods(options, today=day)
    with database.transaction(write=False) as session:
        rates = exchange_rates(session, base_currency=base_currency)
        spend = spend_totals(
            session, base_currency=base_currency, first_month=options.start,
            last_month=_months_before(options.end, 1),
        )  # fmt: skip
    with store.reader() as reader:
        staged = stage_purchases(
            reader, base_currency=base_currency, rates=rates,
            until=datetime.combine(day, time.max),
        )  # fmt: skip
        counts = period_counts(
            reader, periods=periods, breakdown=_breakdown(options),
            channel=options.channel, churn_days=options.churn_days,
        ) if periods else {}  # fmt: skip
    by_label = {p.label: p for p in periods}
    if _breakdown(options) is None:  # every period has a row, empty ones included
        for period in periods:
            counts.setdefault((period.label, None), PeriodCounts())
    rows = [
        _row(label, grp, counts[(label, grp)], period=by_label[label], spend=spend,
             options=options, currency=base_currency)
        for label, grp in sorted(counts, key=lambda key: (key[0], key[1] or ""))
    ]  # fmt: skip
    return {
        "currency": base_currency,
        "start": _label(options.start),
        "end": _label(_months_before(options.end, 1)),
        "group_by": options.group_by,
        "channel": options.channel,
        "churn_days": options.churn_days,
        "orders_without_rate": staged.without_rate,
        "spend_without_rate": spend.without_rate,
        "rows": rows,
    }


def _breakdown(options: EconomicsOptions) -> Breakdown | None:
    return options.group_by if options.group_by in {"channel", "region"} else None


def _row(
    label: str,
    group: str | None,
    counts: PeriodCounts,
    *,
    period: Period,
    spend: SpendTotals,
    options: EconomicsOptions,
    currency: str,
) -> dict[str, Any]:
    by_region = options.group_by == "region"
    channel = group if options.group_by == "channel" else options.channel
    clv = _ratio(counts.revenue_to_date, counts.customers_to_date)
    retained = counts.active_at_start - counts.churned
    # Spend is entered per channel, not per region: a region's row has no spend to divide.
    spent = retention = None
    if not by_region:
        spent = spend.total(period.start, _last_month(period), channel)
        retention = spend.total(
            period.start, _last_month(period), channel, purpose=SpendPurpose.RETENTION
        )
    cac = _ratio(spent, counts.new_customers) if spent else None
    return {
        "period": label,
        "channel": group if options.group_by == "channel" else None,
        "region": group if by_region else None,
        "orders": counts.orders,
        "revenue": format_amount(counts.revenue, currency),
        "customers": counts.customers,
        "average_order_value": _money(_ratio(counts.revenue, counts.orders), currency),
        "purchase_frequency": _rounded(_ratio(Decimal(counts.orders), counts.customers)),
        "repeat_purchase_rate": _percent(counts.repeat_customers, counts.customers),
        "new_customers": counts.new_customers,
        "active_at_start": counts.active_at_start,
        "churned": counts.churned,
        "churn_rate": _percent(counts.churned, counts.active_at_start),
        "lapsed_at_start": counts.lapsed,
        "reactivated": counts.reactivated,
        "reactivation_rate": _percent(counts.reactivated, counts.lapsed),
        "customers_to_date": counts.customers_to_date,
        "historic_clv": _money(clv, currency),
        "marketing_spend": _money(spent, currency),
        "cac": _money(cac, currency),
        "ltv_to_cac": _rounded(clv / cac) if clv is not None and cac else None,
        "retained_customers": retained,
        "retention_spend": _money(retention, currency),
        "retention_cost_per_customer": _money(
            _ratio(retention, retained) if retention else None, currency
        ),
    }


def _last_month(period: Period) -> date:
    """The first day of the period's last month (its end is exclusive)."""
    return month_start(date.fromordinal(period.end.toordinal() - 1))


def _ratio(numerator: Decimal | None, denominator: int) -> Decimal | None:
    return numerator / denominator if numerator is not None and denominator else None


def _money(value: Decimal | None, currency: str) -> str | None:
    return format_amount(value, currency) if value is not None else None


def _rounded(value: Decimal | None) -> float | None:
    return round(float(value), 4) if value is not None else None


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 2) if whole else None
