"""Keep orders and computed traits current: one step after each load, and a full rebuild.

The invariant: orders and computed traits are exactly what the events of the loads in
``derived_loads`` say, with each event's *current* person. One transaction per load keeps it:

1. the load is claimed in ``derived_loads`` (a load already there is not counted again, so
   a step re-run after a crash changes nothing);
2. persons noted in ``person_changes`` by the identity backfill (their events moved to or
   from them) are forgotten and recomputed from their counted events;
3. the orders the load's events are about, and the orders of those persons, are rebuilt;
4. the load's events of every other person are added with upsert arithmetic;
5. order economics and the summary columns of the persons concerned are refreshed.

``rebuild_profiles`` recomputes everything from the events; the tests prove that it agrees
with any sequence of incremental steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import duckdb

from twofold.core.time import utcnow
from twofold.events.store import EventStore, count_rows
from twofold.orders.derive import (
    rebuild_orders,
    start_touched_orders,
    touch_every_order,
    touch_orders_of_changed_persons,
    touch_orders_of_load,
)
from twofold.profiles.stats import (
    COUNTED_COLUMNS,
    add_counted_events,
    aggregate_revenue,
    forget_persons,
    summarise,
)

DERIVED_TABLES: Final = (
    "orders",
    "order_lines",
    "person_stats",
    "person_event_counts",
    "person_category_counts",
    "person_revenue",
)
_TEMP_TABLES: Final = (
    "changed",
    "touched_orders",
    "order_persons",
    "counted",
    "revenue_persons",
    "summary_persons",
)

_COUNT_LOAD = f"""
INSERT INTO counted
SELECT {COUNTED_COLUMNS} FROM events
WHERE load_id = ? AND person_id IS NOT NULL
  AND person_id NOT IN (SELECT person_id FROM changed)
"""  # noqa: S608 (constants only)

_COUNT_CHANGED = f"""
INSERT INTO counted
SELECT {COUNTED_COLUMNS} FROM events
WHERE person_id IN (SELECT person_id FROM changed)
  AND load_id IN (SELECT load_id FROM derived_loads)
"""  # noqa: S608 (constants only)

_COUNT_ALL = f"""
INSERT INTO counted
SELECT {COUNTED_COLUMNS} FROM events
WHERE person_id IS NOT NULL AND load_id IN (SELECT load_id FROM derived_loads)
"""  # noqa: S608 (constants only)


@dataclass(frozen=True)
class RefreshResult:
    """What one refresh did."""

    load_counted: bool
    orders_rebuilt: int
    persons_recomputed: int


def refresh_after_load(store: EventStore, load_id: int) -> RefreshResult:
    """Count one load into orders and computed traits, and recompute re-assigned persons."""
    with store.writer() as cursor:
        new = _claim(cursor, load_id)
        cursor.execute(
            "CREATE OR REPLACE TEMP TABLE changed AS SELECT DISTINCT person_id FROM person_changes"
        )
        changed = count_rows(cursor, "SELECT count(*) FROM changed")
        _empty_counted(cursor)
        start_touched_orders(cursor)
        if new:
            touch_orders_of_load(cursor, load_id)
            cursor.execute(_COUNT_LOAD, [load_id])
        if changed:
            touch_orders_of_changed_persons(cursor)
            forget_persons(cursor, "changed")
            cursor.execute(_COUNT_CHANGED)
        orders = count_rows(cursor, "SELECT count(*) FROM touched_orders")
        _update(cursor, rebuild=orders > 0)
        cursor.execute("DELETE FROM person_changes")
        _drop_temporaries(cursor)
    return RefreshResult(load_counted=new, orders_rebuilt=orders, persons_recomputed=changed)


def rebuild_profiles(store: EventStore) -> None:
    """Recompute every order and computed trait from the counted events."""
    with store.writer() as cursor:
        for table in DERIVED_TABLES:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (constant names)
        cursor.execute("DELETE FROM person_changes")
        cursor.execute("CREATE OR REPLACE TEMP TABLE changed (person_id BIGINT)")
        start_touched_orders(cursor)
        touch_every_order(cursor)
        _empty_counted(cursor)
        cursor.execute(_COUNT_ALL)
        _update(cursor, rebuild=True)
        _drop_temporaries(cursor)


def underived_loads(store: EventStore) -> list[int]:
    """Loads not yet counted into orders and computed traits (the process stopped first)."""
    with store.reader() as reader:
        rows = reader.execute(
            "SELECT load_id FROM loads "
            "WHERE load_id NOT IN (SELECT load_id FROM derived_loads) ORDER BY load_id"
        ).fetchall()
    return [int(row[0]) for row in rows]


def _claim(cursor: duckdb.DuckDBPyConnection, load_id: int) -> bool:
    """Mark the load counted; False when it already was."""
    known = cursor.execute("SELECT 1 FROM derived_loads WHERE load_id = ?", [load_id]).fetchone()
    if known is not None:
        return False
    cursor.execute(
        "INSERT INTO derived_loads VALUES (?, ?)", [load_id, utcnow().replace(tzinfo=None)]
    )
    return True


def _empty_counted(cursor: duckdb.DuckDBPyConnection) -> None:
    cursor.execute(
        f"CREATE OR REPLACE TEMP TABLE counted AS SELECT {COUNTED_COLUMNS} FROM events LIMIT 0"  # noqa: S608
    )


def _update(cursor: duckdb.DuckDBPyConnection, *, rebuild: bool) -> None:
    """Orders (when any was touched), then event-level traits, economics and summaries."""
    if rebuild:
        rebuild_orders(cursor)
    else:
        cursor.execute("CREATE OR REPLACE TEMP TABLE order_persons (person_id BIGINT)")
    add_counted_events(cursor)
    cursor.execute(
        "CREATE OR REPLACE TEMP TABLE revenue_persons AS "
        "SELECT person_id FROM order_persons UNION SELECT person_id FROM changed"
    )
    aggregate_revenue(cursor)
    cursor.execute(
        "CREATE OR REPLACE TEMP TABLE summary_persons AS "
        "SELECT person_id FROM revenue_persons UNION SELECT person_id FROM counted"
    )
    summarise(cursor)


def _drop_temporaries(cursor: duckdb.DuckDBPyConnection) -> None:
    for table in _TEMP_TABLES:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
