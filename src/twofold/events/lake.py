"""The Parquet lake: events exported by date for other engines (DuckDB elsewhere, Spark), and
retention of the event store.

The lake is ``<dir>/events/date=YYYY-MM-DD/load_<n>_<uuid>.parquet`` (Hive partitioning), written
incrementally: each export writes the loads stored since the previous one. ``person_id`` in
the lake is the resolution at export time; ``<dir>/identity_map.parquet`` (rewritten each
time) holds the current identifier → person mapping to join when a device identified later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Final

from twofold.core.time import utcnow
from twofold.events.store import EventStore, count_rows

# messageIds are remembered at least seven days (the de-duplication promise), with a day spare.
DEDUP_DAYS: Final = 8

_SCHEMA = """
CREATE TABLE IF NOT EXISTS lake_exports (
    directory VARCHAR PRIMARY KEY,
    through_load BIGINT NOT NULL,
    exported_at TIMESTAMP NOT NULL
)
"""


@dataclass(frozen=True)
class LakeExport:
    """What one export wrote."""

    events: int
    through_load: int


@dataclass(frozen=True)
class RetentionResult:
    """What retention removed."""

    events: int
    message_ids: int


def export_lake(store: EventStore, directory: Path) -> LakeExport:
    """Write the events of every load not exported to ``directory`` yet."""
    directory = directory.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    with store.writer() as cursor:
        cursor.execute(_SCHEMA)
        row = cursor.execute(
            "SELECT through_load FROM lake_exports WHERE directory = ?", [str(directory)]
        ).fetchone()
        after = int(row[0]) if row else 0
        newest_row = cursor.execute("SELECT coalesce(max(load_id), 0) FROM loads").fetchone()
        newest = int(newest_row[0]) if newest_row else 0
        count_row = cursor.execute(
            "SELECT count(*) FROM events WHERE load_id > ? AND load_id <= ?", [after, newest]
        ).fetchone()
        count = int(count_row[0]) if count_row else 0
        if count:
            pattern = f"load_{newest}_{{uuid}}"  # newest is an int: nothing from outside
            cursor.execute(
                "COPY (SELECT *, CAST(timestamp AS DATE) AS date FROM events "  # noqa: S608
                "WHERE load_id > ? AND load_id <= ?) TO ? "
                f"(FORMAT parquet, PARTITION_BY (date), APPEND, FILENAME_PATTERN '{pattern}')",
                [after, newest, str(directory / "events")],
            )
        cursor.execute(
            "COPY (SELECT kind, value, person_id FROM identity_map) TO ? (FORMAT parquet)",
            [str(directory / "identity_map.parquet")],
        )
        cursor.execute(
            "INSERT OR REPLACE INTO lake_exports VALUES (?, ?, ?)",
            [str(directory), newest, utcnow().replace(tzinfo=None)],
        )
    return LakeExport(events=count, through_load=newest)


def apply_retention(store: EventStore, *, keep_days: int) -> RetentionResult:
    """Delete events older than ``keep_days`` (0 keeps them all) and expired messageIds."""
    now = utcnow().replace(tzinfo=None)
    with store.writer() as cursor:
        events = 0
        if keep_days > 0:
            cutoff = [now - timedelta(days=keep_days)]
            events = count_rows(cursor, "SELECT count(*) FROM events WHERE timestamp < ?", *cutoff)
            cursor.execute("DELETE FROM events WHERE timestamp < ?", cutoff)
        cutoff = [now - timedelta(days=max(DEDUP_DAYS, keep_days))]
        expired = count_rows(
            cursor, "SELECT count(*) FROM message_ids WHERE received_at < ?", *cutoff
        )
        cursor.execute("DELETE FROM message_ids WHERE received_at < ?", cutoff)
    return RetentionResult(events=events, message_ids=expired)
