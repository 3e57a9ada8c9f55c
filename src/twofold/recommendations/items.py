"""Who bought which product and when, staged from the orders as a temp table (DuckDB SQL).

A product is keyed by its SKU, else its ``product_id``: the SKU is what a catalogue knows.
Purchases follow orders/base_currency.py: an order with a person, not cancelled, net above
zero. ``stage_items`` fills ``purchase_items`` on the caller's cursor (temp tables belong to
one DuckDB connection), so every query that follows reads one simple table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

import duckdb

from twofold.core.time import naive_utc

_STAGE: Final = """
CREATE OR REPLACE TEMP TABLE purchase_items AS
SELECT o.person_id, o.order_key,
       coalesce(nullif(trim(l.sku), ''), nullif(trim(l.product_id), '')) AS product_key,
       l.name, l.price, o.currency, o.placed_at
FROM orders o
JOIN order_lines l ON l.source_id = o.source_id AND l.order_id = o.order_id
WHERE o.person_id IS NOT NULL AND o.status <> 'cancelled' AND o.net > 0
  AND ($since IS NULL OR o.placed_at >= $since) AND ($until IS NULL OR o.placed_at < $until)
  AND ($persons IS NULL OR list_contains($persons, o.person_id))
  AND coalesce(nullif(trim(l.sku), ''), nullif(trim(l.product_id), '')) IS NOT NULL
"""


def stage_items(
    cursor: duckdb.DuckDBPyConnection,
    *,
    since: datetime | None,
    until: datetime | None,
    person_ids: list[int] | None = None,
) -> int:
    """Fill ``purchase_items`` with purchases placed in [since, until) (``None``: unbounded;
    of ``person_ids`` only, when given); how many lines."""
    bounds = {
        key: None if value is None else naive_utc(value)
        for key, value in (("since", since), ("until", until))
    }
    cursor.execute(_STAGE, {**bounds, "persons": person_ids})
    row = cursor.execute("SELECT count(*) FROM purchase_items").fetchone()
    return int(row[0]) if row else 0
