"""What the segment builder offers in its pickers: names taken from the data actually seen.

Event names come from the per-person event counts, trait and custom-field names from a
sample of the person facts, property names from a sample of one event's properties. The
lists are bounded; a name not offered can still be typed.
"""

from __future__ import annotations

from typing import Any, Final

import duckdb

from twofold.segments.compiler import ACCOUNT_COLUMNS, PAGE_EVENTS, PERSON_COLUMNS, STAT_COLUMNS
from twofold.segments.rules import (
    DEAL_FIELDS,
    OPERATORS,
    ORDER_FIELDS,
    PREDICTIONS,
    is_field_name,
)

MAX_NAMES: Final = 200
SAMPLE_ROWS: Final = 5000


def vocabulary(reader: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    events = [
        str(row[0])
        for row in reader.execute(
            "SELECT name FROM person_event_counts WHERE type = 'track' "
            "GROUP BY name ORDER BY sum(events) DESC, name LIMIT ?",
            [MAX_NAMES],
        ).fetchall()
    ]
    return {
        "events": [*events, *PAGE_EVENTS],
        "traits": sorted(PERSON_COLUMNS | set(STAT_COLUMNS))
        + _json_keys(reader, "person_facts", "traits")
        + _json_keys(reader, "person_facts", "custom"),
        "account_fields": sorted(ACCOUNT_COLUMNS) + _json_keys(reader, "account_facts", "custom"),
        "deal_fields": list(DEAL_FIELDS),
        "order_fields": list(ORDER_FIELDS),
        "predictions": list(PREDICTIONS),
        "operators": list(OPERATORS),
    }


def event_properties(reader: duckdb.DuckDBPyConnection, name: str) -> list[str]:
    """Property names seen on recent events called ``name`` (a page's for "Page Viewed")."""
    kind = PAGE_EVENTS.get(name, "track")
    rows = reader.execute(
        "SELECT key FROM (SELECT unnest(json_keys(properties)) AS key FROM "
        "(SELECT properties FROM events WHERE type = ? AND (type <> 'track' OR name = ?) "
        "AND properties IS NOT NULL LIMIT ?)) GROUP BY key ORDER BY count(*) DESC, key LIMIT ?",
        [kind, name, SAMPLE_ROWS, MAX_NAMES],
    ).fetchall()
    found = [str(row[0]) for row in rows if is_field_name(str(row[0]))]
    return ["name", *found] if name in PAGE_EVENTS else found


def _json_keys(reader: duckdb.DuckDBPyConnection, table: str, column: str) -> list[str]:
    rows = reader.execute(
        f"SELECT key FROM (SELECT unnest(json_keys({column})) AS key FROM "  # noqa: S608
        f"(SELECT {column} FROM {table} WHERE {column} IS NOT NULL LIMIT ?)) "
        "GROUP BY key ORDER BY count(*) DESC, key LIMIT ?",
        [SAMPLE_ROWS, MAX_NAMES],
    ).fetchall()
    names = (str(row[0]) for row in rows)
    return [name for name in names if not name.startswith("_") and is_field_name(name)]
