"""Customer economics by period and channel, as two DuckDB queries over the purchases in the
base currency (orders/base_currency.py). Definitions (decision 0014):

- order metrics, by the order's channel: orders, revenue (net of refunds), customers who
  bought, average order value = revenue / orders, purchase frequency = orders / customers,
  repeat-purchase rate = customers who bought in the period with 2+ purchases (any channel)
  by its end / customers who bought in it;
- customer metrics, by acquisition channel (the channel of the first purchase), over all of
  a customer's purchases: new customers (first purchase in the period); churn rate = active
  at the start (a purchase in the ``churn_days`` before it) and not at the end / active at
  the start; reactivation rate = lapsed at the start (bought before, not within
  ``churn_days``) who bought in the period / lapsed; historic CLV = revenue to the period's
  end / customers acquired by then;
- retained customers = active at the start and still at the end (the churn definition's
  complement), what retention spend is divided by;
- by region: the customer's region (``country`` trait) for both kinds of metric;
- a period still running ends today (``as_of``): nobody churns in the future.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Final, Literal

import duckdb

GroupBy = Literal["total", "month", "quarter", "channel", "region"]
Breakdown = Literal["channel", "region"]  # the row groups within a period

# A customer's region is their ``country`` trait (or ``address.country``, as Segment's
# identify sends it), upper-cased; orders carry no shipping country (decision 0014).
_REGIONS: Final = """
ALTER TABLE purchases ADD COLUMN IF NOT EXISTS region VARCHAR;
UPDATE purchases SET region = coalesce(
    (SELECT upper(nullif(trim(coalesce(json_extract_string(f.traits, '$.country'),
                                       json_extract_string(f.traits, '$.address.country'))), ''))
     FROM person_facts f WHERE f.person_id = purchases.person_id),
    'unknown')
"""

_PERIODS: Final = """
CREATE OR REPLACE TEMP TABLE periods AS
SELECT unnest($labels::VARCHAR[]) AS label, unnest($starts::DATE[]) AS p_start,
       unnest($ends::DATE[]) AS p_end
"""

_ORDER_METRICS: Final = """
WITH counts AS (
    SELECT p.label, s.person_id, count(*) AS to_end
    FROM periods p JOIN purchases s ON s.day < p.p_end
    GROUP BY ALL
)
SELECT p.label, {order_group} AS grp, count(*) AS orders, sum(s.amount) AS revenue,
       count(DISTINCT s.person_id) AS customers,
       count(DISTINCT s.person_id) FILTER (WHERE c.to_end >= 2) AS repeat_customers
FROM periods p
JOIN purchases s ON s.day >= p.p_start AND s.day < p.p_end
JOIN counts c ON c.label = p.label AND c.person_id = s.person_id
WHERE CAST($channel AS VARCHAR) IS NULL OR s.channel = $channel
GROUP BY ALL
"""

_CUSTOMER_METRICS: Final = """
WITH acquired AS (
    SELECT person_id, min(day) AS first_day,
           arg_min(channel, (placed_at, order_id)) AS acquisition_channel,
           {customer_column} AS customer_group
    FROM purchases GROUP BY person_id
),
per_person AS (
    SELECT p.label, a.person_id, a.acquisition_channel, a.customer_group, a.first_day,
           p.p_start,
           bool_or(s.day >= p.p_start) AS bought_in_period,
           bool_or(s.day >= p.p_start - CAST($days AS INTEGER) AND s.day < p.p_start)
               AS active_at_start,
           bool_or(s.day >= p.p_end - CAST($days AS INTEGER)) AS active_at_end,
           bool_or(s.day < p.p_start) AS bought_before,
           sum(s.amount) AS revenue_to_end
    FROM periods p
    JOIN acquired a ON a.first_day < p.p_end
    JOIN purchases s ON s.person_id = a.person_id AND s.day < p.p_end
    WHERE CAST($channel AS VARCHAR) IS NULL OR a.acquisition_channel = $channel
    GROUP BY ALL
)
SELECT label, customer_group AS grp,
       count(*) FILTER (WHERE first_day >= p_start) AS new_customers,
       count(*) FILTER (WHERE active_at_start) AS active_at_start,
       count(*) FILTER (WHERE active_at_start AND NOT active_at_end) AS churned,
       count(*) FILTER (WHERE bought_before AND NOT active_at_start) AS lapsed,
       count(*) FILTER (WHERE bought_before AND NOT active_at_start AND bought_in_period)
           AS reactivated,
       count(*) AS customers_to_date, sum(revenue_to_end) AS revenue_to_date
FROM per_person
GROUP BY ALL
"""


@dataclass(frozen=True)
class Period:
    """One row's time range: ``start`` inclusive, ``end`` exclusive."""

    label: str
    start: date
    end: date


@dataclass
class PeriodCounts:
    """The raw counts of one (period, channel) row; rates are derived by the report."""

    orders: int = 0
    revenue: Decimal = Decimal(0)
    customers: int = 0
    repeat_customers: int = 0
    new_customers: int = 0
    active_at_start: int = 0
    churned: int = 0
    lapsed: int = 0
    reactivated: int = 0
    customers_to_date: int = 0
    revenue_to_date: Decimal = Decimal(0)


def period_counts(
    cursor: duckdb.DuckDBPyConnection,
    *,
    periods: list[Period],
    breakdown: Breakdown | None,
    channel: str | None,
    churn_days: int,
) -> dict[tuple[str, str | None], PeriodCounts]:
    """Counts per (period label, channel or region or None) over temp table ``purchases``:
    orders by the order's channel, customers by their acquisition channel; both by the
    customer's region."""
    if breakdown == "region":
        cursor.execute(_REGIONS)
    cursor.execute(
        _PERIODS,
        {
            "labels": [p.label for p in periods],
            "starts": [p.start for p in periods],
            "ends": [p.end for p in periods],
        },
    )
    found: dict[tuple[str, str | None], PeriodCounts] = {}
    nothing = "CAST(NULL AS VARCHAR)"
    order_group = {"channel": "s.channel", "region": "s.region", None: nothing}[breakdown]
    for label, grp, orders, revenue, customers, repeat in cursor.execute(
        _ORDER_METRICS.format(order_group=order_group), {"channel": channel}
    ).fetchall():
        counts = found.setdefault((label, grp), PeriodCounts())
        counts.orders, counts.revenue = int(orders), Decimal(revenue)
        counts.customers, counts.repeat_customers = int(customers), int(repeat)
    customer_column = {
        "channel": "arg_min(channel, (placed_at, order_id))",
        "region": "any_value(region)",
        None: nothing,
    }[breakdown]
    for label, grp, *values in cursor.execute(
        _CUSTOMER_METRICS.format(customer_column=customer_column),
        {"channel": channel, "days": churn_days},
    ).fetchall():
        counts = found.setdefault((label, grp), PeriodCounts())
        (counts.new_customers, counts.active_at_start, counts.churned, counts.lapsed,
         counts.reactivated, counts.customers_to_date) = (int(v) for v in values[:6])  # fmt: skip
        counts.revenue_to_date = Decimal(values[6])
    return found


def month_start(day: date) -> date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def next_month(day: date) -> date:
    """The first day of the month after ``day``'s."""
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)
