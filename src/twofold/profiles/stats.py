"""Computed traits per person, as SQL over DuckDB: added to, forgotten, summarised.

Event-level traits (first/last seen, counts per event, category interest) are sums, minima
and maxima, so a batch of newly counted events is *added* with upsert arithmetic. Removing
events cannot be done that way (a minimum does not know its runner-up), so a person whose
events were re-assigned is *forgotten* and their counted events added again. Order-level
traits (orders, revenue per currency, last order) are re-aggregated for the persons whose
orders changed, from the ``orders`` table (a few rows per person).

The functions read temp tables the caller fills, and run on the writing cursor inside the
caller's transaction:

- ``counted(person_id, type, name, timestamp, category, properties)``: events to add;
- ``revenue_persons(person_id)``: persons whose order economics to re-aggregate;
- ``summary_persons(person_id)``: persons whose summary columns to refresh.
"""

from __future__ import annotations

from typing import Final

import duckdb

# Interest in a category: products viewed, and products in completed orders.
VIEWED: Final = "Product Viewed"
ORDERED: Final = "Order Completed"

COUNTED_COLUMNS: Final = "person_id, type, name, timestamp, category, properties"

_ADD_EVENT_COUNTS = """
INSERT INTO person_event_counts AS known
SELECT person_id, type, CASE WHEN type = 'track' THEN coalesce(name, '') ELSE '' END,
       count(*), min(timestamp), max(timestamp)
FROM counted
GROUP BY ALL
ON CONFLICT DO UPDATE SET
    events = known.events + excluded.events,
    first_at = least(known.first_at, excluded.first_at),
    last_at = greatest(known.last_at, excluded.last_at)
"""

_ADD_ACTIVITY = """
INSERT INTO person_stats AS known (person_id, first_seen, last_seen, events)
SELECT person_id, min(timestamp), max(timestamp), count(*)
FROM counted
GROUP BY person_id
ON CONFLICT DO UPDATE SET
    first_seen = least(known.first_seen, excluded.first_seen),
    last_seen = greatest(known.last_seen, excluded.last_seen),
    events = known.events + excluded.events
"""

_ADD_CATEGORIES = f"""
INSERT INTO person_category_counts AS known
SELECT person_id, category, count(*)
FROM (
    SELECT person_id, trim(category) AS category
    FROM counted WHERE type = 'track' AND name = '{VIEWED}'
    UNION ALL
    SELECT person_id, trim(item ->> 'category')
    FROM (
        SELECT person_id, unnest(json_extract(properties, '$.products[*]')) AS item
        FROM counted WHERE type = 'track' AND name = '{ORDERED}'
    )
)
WHERE category IS NOT NULL AND category <> ''
GROUP BY ALL
ON CONFLICT DO UPDATE SET hits = known.hits + excluded.hits
"""  # noqa: S608 (constants only)

_FORGET: Final = ("person_event_counts", "person_category_counts", "person_stats")

_AGGREGATE_REVENUE = """
INSERT INTO person_revenue
SELECT person_id, currency, count(*), sum(net), max(placed_at)
FROM orders
WHERE person_id IN (SELECT person_id FROM revenue_persons) AND status <> 'cancelled'
GROUP BY ALL
"""

# Favourite category: the most hits; a tie goes to the alphabetically first.
_SUMMARISE = """
UPDATE person_stats SET
    orders = coalesce(s.orders, 0),
    last_order_at = s.last_order_at,
    favourite_category = s.category
FROM (
    SELECT p.person_id, r.orders, r.last_order_at, c.category
    FROM (SELECT DISTINCT person_id FROM summary_persons) p
    LEFT JOIN (
        SELECT person_id, sum(orders) AS orders, max(last_order_at) AS last_order_at
        FROM person_revenue
        WHERE person_id IN (SELECT person_id FROM summary_persons)
        GROUP BY person_id
    ) r USING (person_id)
    LEFT JOIN (
        SELECT person_id, first(category ORDER BY hits DESC, category) AS category
        FROM person_category_counts
        WHERE person_id IN (SELECT person_id FROM summary_persons)
        GROUP BY person_id
    ) c USING (person_id)
) s
WHERE person_stats.person_id = s.person_id
"""


def add_counted_events(cursor: duckdb.DuckDBPyConnection) -> None:
    """Add the events in ``counted`` to their persons' event-level traits."""
    cursor.execute(_ADD_EVENT_COUNTS)
    cursor.execute(_ADD_ACTIVITY)
    cursor.execute(_ADD_CATEGORIES)


def forget_persons(cursor: duckdb.DuckDBPyConnection, persons_table: str) -> None:
    """Drop the event-level traits of the persons in the temp table ``persons_table``."""
    for table in _FORGET:
        cursor.execute(
            f"DELETE FROM {table} WHERE person_id IN (SELECT person_id FROM {persons_table})"  # noqa: S608
        )


def aggregate_revenue(cursor: duckdb.DuckDBPyConnection) -> None:
    """Re-aggregate order economics per currency for the persons in ``revenue_persons``."""
    cursor.execute(
        "DELETE FROM person_revenue WHERE person_id IN (SELECT person_id FROM revenue_persons)"
    )
    cursor.execute(_AGGREGATE_REVENUE)


def summarise(cursor: duckdb.DuckDBPyConnection) -> None:
    """Refresh orders, last order and favourite category of the persons in
    ``summary_persons``."""
    cursor.execute(_SUMMARISE)
