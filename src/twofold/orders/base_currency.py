"""Orders that count as purchases, in the base currency: what predictions and economics read.

A purchase is an order with a person that is not cancelled and whose ``net`` (total less
refunds) is above zero: a fully refunded order bought nothing. Its amount is converted into
the base currency with the dated exchange rate in force on the day it was placed (the same
rates as the forecast, decision 0004); orders in a currency without a rate on that day are
left out and counted, never guessed. Times are UTC; the day is the UTC date.

``stage_purchases`` fills the temp table ``purchases`` on the caller's cursor (temp tables
belong to one DuckDB connection), so that the SQL that follows reads one simple table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Final

import duckdb
from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.store.models import ExchangeRate

_STAGE_RATES: Final = """
CREATE OR REPLACE TEMP TABLE base_rates (
    currency VARCHAR NOT NULL, valid_from DATE NOT NULL, rate DECIMAL(24, 10) NOT NULL
)
"""

_STAGE_ORDERS: Final = """
CREATE OR REPLACE TEMP TABLE purchases AS
SELECT o.person_id, o.source_id, o.order_id, coalesce(o.channel, 'unknown') AS channel,
       o.placed_at, CAST(o.placed_at AS DATE) AS day,
       CAST(o.net * r.rate AS DECIMAL(38, 4)) AS amount
FROM orders o
ASOF LEFT JOIN base_rates r
  ON o.currency = r.currency AND CAST(o.placed_at AS DATE) >= r.valid_from
WHERE o.person_id IS NOT NULL AND o.status <> 'cancelled' AND o.net > 0
  AND o.placed_at <= $until
"""

_UNCONVERTED: Final = "DELETE FROM purchases WHERE amount IS NULL"


@dataclass(frozen=True)
class StagedPurchases:
    """How many orders became purchases, and how many had no exchange rate on their day."""

    purchases: int
    without_rate: int


def exchange_rates(session: Session, *, base_currency: str) -> list[tuple[str, date, Decimal]]:
    """Every rate into the base currency, as (currency, valid from, rate)."""
    rows = session.execute(
        select(ExchangeRate.currency, ExchangeRate.valid_from, ExchangeRate.rate).where(
            ExchangeRate.base_currency == base_currency
        )
    ).all()
    return [(str(currency), day, Decimal(rate)) for currency, day, rate in rows]


def stage_purchases(
    cursor: duckdb.DuckDBPyConnection,
    *,
    base_currency: str,
    rates: list[tuple[str, date, Decimal]],
    until: datetime,
) -> StagedPurchases:
    """Fill temp table ``purchases`` (person_id, source_id, order_id, channel, placed_at, day,
    amount in the base currency) with the purchases placed up to ``until`` (naive UTC)."""
    cursor.execute(_STAGE_RATES)
    cursor.execute("INSERT INTO base_rates VALUES (?, DATE '0001-01-01', 1)", [base_currency])
    if rates:
        cursor.executemany("INSERT INTO base_rates VALUES (?, ?, ?)", [list(r) for r in rates])
    cursor.execute(_STAGE_ORDERS, {"until": until})
    without_rate = _count(cursor, "SELECT count(*) FROM purchases WHERE amount IS NULL")
    cursor.execute(_UNCONVERTED)
    return StagedPurchases(_count(cursor, "SELECT count(*) FROM purchases"), without_rate)


def _count(cursor: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = cursor.execute(sql).fetchone()
    return int(row[0]) if row else 0
