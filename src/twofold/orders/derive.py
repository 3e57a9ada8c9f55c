"""Rebuild orders and their lines from the ecommerce events (Segment ecommerce spec v2).

An order is a pure function of its counted events (events of loads in ``derived_loads``), so a
rebuild is idempotent and the arrival order of events does not matter:

- status by precedence: ``cancelled`` if any Order Cancelled, else ``refunded`` if any Order
  Refunded (partial or full; ``refunded`` says how much), else ``updated`` if any Order
  Updated, else ``completed``;
- ``total``/``revenue``/``currency``/``channel`` and the lines come from the newest (by event
  timestamp) Completed or Updated event that carries them; ``total`` falls back to
  ``revenue``, then to the sum of the lines;
- each Order Refunded adds its ``total`` (else ``revenue``, else the sum of its products); one
  that names no amount refunds the whole order; ``refunded`` never exceeds ``total``;
- ``net`` = total - refunded, and 0 for a cancelled order;
- the person is the one of the earliest event that has a person, so an anonymous checkout
  gets its person when the identity backfill gives one to its events.

Callers fill the temp table ``touched_orders(source_id, order_id)`` first; every function
here runs on the writing cursor inside the caller's transaction.
"""

from __future__ import annotations

from typing import Final

import duckdb

ORDER_EVENTS: Final = ("Order Completed", "Order Updated", "Order Refunded", "Order Cancelled")
ORDER_EVENT_LIST: Final = "(" + ", ".join(f"'{name}'" for name in ORDER_EVENTS) + ")"
PLACING: Final = "('Order Completed', 'Order Updated')"
DEFAULT_CURRENCY: Final = "USD"  # what Segment assumes when an event names no currency


def amount(expression: str) -> str:
    """SQL for a non-negative DECIMAL read from JSON text (anything else is NULL)."""
    cast = f"TRY_CAST(trim({expression}) AS DECIMAL(18, 4))"
    return f"CASE WHEN {cast} >= 0 THEN {cast} END"


_PRODUCT_PRICE = amount("p ->> 'price'")
_LINE_AMOUNT = (
    f"list_sum(list_transform(products, lambda p: {_PRODUCT_PRICE} * "
    "coalesce(TRY_CAST(p ->> 'quantity' AS INTEGER), 1)))"
)

_ORDER_EVENTS = f"""
CREATE OR REPLACE TEMP TABLE order_events AS
SELECT e.event_id, e.source_id, e.order_id, e.name, e.person_id, e.timestamp,
       {amount("e.properties ->> 'total'")} AS total,
       {amount("e.properties ->> 'revenue'")} AS revenue,
       abs(TRY_CAST(trim(e.properties ->> 'total') AS DECIMAL(18, 4))) AS refund_total,
       abs(TRY_CAST(trim(e.properties ->> 'revenue') AS DECIMAL(18, 4))) AS refund_revenue,
       nullif(upper(trim(e.properties ->> 'currency')), '') AS currency,
       nullif(trim(e.properties ->> 'channel'), '') AS channel,
       CASE WHEN json_type(e.properties, '$.products') = 'ARRAY'
            THEN json_extract(e.properties, '$.products[*]') END AS products
FROM events e
JOIN touched_orders t ON t.source_id = e.source_id AND t.order_id = e.order_id
WHERE e.type = 'track' AND e.name IN {ORDER_EVENT_LIST}
  AND e.load_id IN (SELECT load_id FROM derived_loads)
"""  # noqa: S608 (constants only)

_FORGET_LINES = """
DELETE FROM order_lines USING touched_orders t
WHERE order_lines.source_id = t.source_id AND order_lines.order_id = t.order_id
"""

_INSERT_LINES = f"""
INSERT INTO order_lines
WITH chosen AS (
    SELECT source_id, order_id, arg_max(products, (timestamp, event_id)) AS products
    FROM order_events
    WHERE name IN {PLACING} AND products IS NOT NULL
    GROUP BY source_id, order_id
),
items AS (
    SELECT source_id, order_id, unnest(products) AS item,
           generate_subscripts(products, 1) AS line_number
    FROM chosen
)
SELECT source_id, order_id, line_number,
       item ->> 'product_id', item ->> 'sku', item ->> 'name',
       nullif(trim(item ->> 'category'), ''), item ->> 'brand', item ->> 'variant',
       {amount("item ->> 'price'")},
       coalesce(CASE WHEN TRY_CAST(item ->> 'quantity' AS INTEGER) >= 0
                     THEN TRY_CAST(item ->> 'quantity' AS INTEGER) END, 1)
FROM items
WHERE json_type(item) = 'OBJECT'
"""  # noqa: S608 (constants only)

_NOTE_PERSONS = """
INSERT INTO order_persons
SELECT o.person_id FROM orders o
JOIN touched_orders t ON t.source_id = o.source_id AND t.order_id = o.order_id
WHERE o.person_id IS NOT NULL
"""

_UPSERT_ORDERS = f"""
INSERT INTO orders (source_id, order_id, person_id, status, total, revenue, refunded, net,
                    currency, channel, placed_at, updated_at)
WITH line_totals AS (
    SELECT l.source_id, l.order_id, sum(l.price * l.quantity) AS amount
    FROM order_lines l
    JOIN touched_orders t ON t.source_id = l.source_id AND t.order_id = l.order_id
    GROUP BY ALL
),
refunds AS (
    SELECT source_id, order_id, bool_or(refund IS NULL) AS full_refund, sum(refund) AS refunded
    FROM (
        SELECT source_id, order_id,
               coalesce(refund_total, refund_revenue, {_LINE_AMOUNT}) AS refund
        FROM order_events WHERE name = 'Order Refunded'
    )
    GROUP BY ALL
),
state AS (
    SELECT source_id, order_id,
        CASE WHEN bool_or(name = 'Order Cancelled') THEN 'cancelled'
             WHEN bool_or(name = 'Order Refunded') THEN 'refunded'
             WHEN bool_or(name = 'Order Updated') THEN 'updated'
             ELSE 'completed' END AS status,
        arg_max(total, (timestamp, event_id))
            FILTER (WHERE name IN {PLACING} AND total IS NOT NULL) AS total,
        arg_max(revenue, (timestamp, event_id))
            FILTER (WHERE name IN {PLACING} AND revenue IS NOT NULL) AS revenue,
        arg_max(currency, (timestamp, event_id)) FILTER (WHERE currency IS NOT NULL) AS currency,
        arg_max(channel, (timestamp, event_id)) FILTER (WHERE channel IS NOT NULL) AS channel,
        arg_min(person_id, (timestamp, event_id)) FILTER (WHERE person_id IS NOT NULL)
            AS person_id,
        coalesce(min(timestamp) FILTER (WHERE name = 'Order Completed'), min(timestamp))
            AS placed_at,
        max(timestamp) AS updated_at
    FROM order_events
    GROUP BY source_id, order_id
),
valued AS (
    SELECT s.*, coalesce(s.total, s.revenue, l.amount) AS value,
           r.full_refund, r.refunded AS refunds
    FROM state s
    LEFT JOIN line_totals l USING (source_id, order_id)
    LEFT JOIN refunds r USING (source_id, order_id)
),
settled AS (
    SELECT *,
        -- least() skips NULLs: without a known total, the refunds are what they are
        coalesce(CASE WHEN full_refund THEN value
                      WHEN refunds IS NOT NULL THEN least(refunds, value) END, 0) AS refunded
    FROM valued
)
SELECT source_id, order_id, person_id, status, value, revenue, refunded,
       CASE WHEN status = 'cancelled' THEN 0 ELSE greatest(coalesce(value, 0) - refunded, 0) END,
       coalesce(currency, '{DEFAULT_CURRENCY}'), channel, placed_at, updated_at
FROM settled
ON CONFLICT (source_id, order_id) DO UPDATE SET
    person_id = excluded.person_id, status = excluded.status, total = excluded.total,
    revenue = excluded.revenue, refunded = excluded.refunded, net = excluded.net,
    currency = excluded.currency, channel = excluded.channel,
    placed_at = excluded.placed_at, updated_at = excluded.updated_at
"""  # noqa: S608 (constants only)

# An order whose events are gone (erased) is gone too.
_FORGET_ORPHANS = """
DELETE FROM orders USING touched_orders t
WHERE orders.source_id = t.source_id AND orders.order_id = t.order_id
  AND NOT EXISTS (
      SELECT 1 FROM order_events e WHERE e.source_id = t.source_id AND e.order_id = t.order_id
  )
"""

_TOUCH_LOAD = f"""
INSERT OR IGNORE INTO touched_orders
SELECT DISTINCT source_id, order_id FROM events
WHERE load_id = ? AND type = 'track' AND name IN {ORDER_EVENT_LIST} AND order_id IS NOT NULL
"""  # noqa: S608 (constants only)

_TOUCH_CHANGED = f"""
INSERT OR IGNORE INTO touched_orders
SELECT DISTINCT source_id, order_id FROM events
WHERE person_id IN (SELECT person_id FROM changed)
  AND type = 'track' AND name IN {ORDER_EVENT_LIST} AND order_id IS NOT NULL
UNION
SELECT source_id, order_id FROM orders WHERE person_id IN (SELECT person_id FROM changed)
"""  # noqa: S608 (constants only)

_TOUCH_ALL = f"""
INSERT OR IGNORE INTO touched_orders
SELECT DISTINCT source_id, order_id FROM events
WHERE type = 'track' AND name IN {ORDER_EVENT_LIST} AND order_id IS NOT NULL
  AND load_id IN (SELECT load_id FROM derived_loads)
"""  # noqa: S608 (constants only)


def rebuild_orders(cursor: duckdb.DuckDBPyConnection) -> None:
    """Rebuild every order in ``touched_orders``; the persons they belonged to before and
    belong to now are added to the temp table ``order_persons`` (created here)."""
    cursor.execute("CREATE OR REPLACE TEMP TABLE order_persons (person_id BIGINT)")
    cursor.execute(_ORDER_EVENTS)
    cursor.execute(_NOTE_PERSONS)
    cursor.execute(_FORGET_LINES)
    cursor.execute(_INSERT_LINES)
    cursor.execute(_UPSERT_ORDERS)
    cursor.execute(_FORGET_ORPHANS)
    cursor.execute(_NOTE_PERSONS)
    cursor.execute("DROP TABLE order_events")


def start_touched_orders(cursor: duckdb.DuckDBPyConnection) -> None:
    """An empty ``touched_orders`` temp table (each order at most once)."""
    cursor.execute(
        "CREATE OR REPLACE TEMP TABLE touched_orders "
        "(source_id BIGINT, order_id VARCHAR, PRIMARY KEY (source_id, order_id))"
    )


def touch_orders_of_load(cursor: duckdb.DuckDBPyConnection, load_id: int) -> None:
    """Add the orders that a load's events are about to ``touched_orders``."""
    cursor.execute(_TOUCH_LOAD, [load_id])


def touch_orders_of_changed_persons(cursor: duckdb.DuckDBPyConnection) -> None:
    """Add the orders of the persons in the temp table ``changed`` (their events' orders,
    and the orders they hold now) to ``touched_orders``."""
    cursor.execute(_TOUCH_CHANGED)


def touch_every_order(cursor: duckdb.DuckDBPyConnection) -> None:
    """Add every order of the counted events to ``touched_orders``."""
    cursor.execute(_TOUCH_ALL)
