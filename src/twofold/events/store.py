"""The DuckDB event store: load journal segments exactly once, de-duplicated by messageId.

One process owns the DuckDB file (DuckDB allows one writer): the server. The loader thread
writes; request threads read through their own cursors.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from twofold.core.time import naive_utc, utcnow
from twofold.events.schema import EVENT_COLUMNS, JOURNAL_COLUMNS, STATEMENTS

_COLUMNS_SQL = (
    "{" + ", ".join(f"'{name}': '{kind}'" for name, kind in JOURNAL_COLUMNS.items()) + "}"
)

# Both statements are built once from constants in schema.py; values go in as parameters.
_READ = f"""
CREATE OR REPLACE TEMP TABLE journal_lines AS
SELECT * FROM read_json(?, format = 'newline_delimited', columns = {_COLUMNS_SQL})
"""  # noqa: S608

_STAGE = """
CREATE OR REPLACE TEMP TABLE staged AS
SELECT * FROM journal_lines
QUALIFY row_number() OVER (PARTITION BY sourceId, messageId ORDER BY receivedAt) = 1
"""

# Messages naming an erased person's identifier (kept as SHA-256 digests) are not stored.
# Emails are compared lower-cased, phones with everything but digits and "+" removed.
_DROP_SUPPRESSED = """
DELETE FROM staged
WHERE sha256(userId) IN (SELECT digest FROM suppressed_identifiers)
   OR sha256(anonymousId) IN (SELECT digest FROM suppressed_identifiers)
   OR sha256(previousId) IN (SELECT digest FROM suppressed_identifiers)
   OR sha256(lower(trim(traits ->> '$.email'))) IN (SELECT digest FROM suppressed_identifiers)
   OR sha256(lower(trim(context ->> '$.traits.email')))
      IN (SELECT digest FROM suppressed_identifiers)
   OR sha256(regexp_replace(traits ->> '$.phone', '[^0-9+]', '', 'g'))
      IN (SELECT digest FROM suppressed_identifiers)
"""

_REMEMBER_IDS = """
INSERT INTO message_ids
SELECT sourceId, messageId, receivedAt, ? FROM staged
ON CONFLICT DO NOTHING
"""

_INSERT_EVENTS = f"""
INSERT INTO events ({EVENT_COLUMNS})
SELECT
    $load,
    s.sourceId,
    s.messageId,
    s.type,
    CASE WHEN s.type = 'track' THEN s.event ELSE s.name END,
    coalesce(by_user.person_id, by_anonymous.person_id),
    s.userId,
    s.anonymousId,
    s.previousId,
    s.groupId,
    s.timestamp,
    s.originalTimestamp,
    s.sentAt,
    s.receivedAt,
    TRY_CAST(coalesce(s.properties ->> 'revenue', s.properties ->> 'total') AS DECIMAL(18, 4)),
    upper(s.properties ->> 'currency'),
    s.properties ->> 'order_id',
    s.properties ->> 'product_id',
    coalesce(s.category, s.properties ->> 'category'),
    s.properties,
    s.traits,
    s.context
FROM staged s
JOIN (SELECT source_id, message_id FROM message_ids WHERE load_id = $load) fresh
  ON fresh.source_id = s.sourceId AND fresh.message_id = s.messageId
LEFT JOIN identity_map by_user ON by_user.kind = 'user_id' AND by_user.value = s.userId
LEFT JOIN identity_map by_anonymous
  ON by_anonymous.kind = 'anonymous_id' AND by_anonymous.value = s.anonymousId
"""  # noqa: S608


@dataclass(frozen=True)
class LoadResult:
    """What one load added: lines read, events stored (the rest were repeats)."""

    load_id: int
    received: int
    stored: int
    already_loaded: bool = False
    suppressed: int = 0

    @property
    def duplicates(self) -> int:
        """Lines whose (source, messageId) was already stored."""
        return self.received - self.stored - self.suppressed


def event_store_path(home: Path) -> Path:
    """Where the DuckDB file of a data directory is."""
    return home / "events" / "events.duckdb"


class EventStore:
    """The events database of one data directory."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._connection = duckdb.connect(str(path))
        self._write_lock = threading.Lock()
        for statement in STATEMENTS:
            self._connection.execute(statement)

    def close(self) -> None:
        """Close the file (a checkpoint folds the write-ahead log into it)."""
        self._connection.close()

    @contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of its own for one reading thread."""
        cursor = self._connection.cursor()
        try:
            yield cursor
        finally:
            cursor.close()

    @contextmanager
    def writer(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The one writing cursor, inside a transaction that commits or rolls back."""
        with self._write_lock:
            cursor = self._connection.cursor()
            try:
                cursor.execute("BEGIN TRANSACTION")
                try:
                    yield cursor
                except BaseException:
                    cursor.execute("ROLLBACK")
                    raise
                cursor.execute("COMMIT")
            finally:
                cursor.close()

    def next_segment_number(self) -> int:
        """One more than the newest segment ever loaded (segment names are never reused)."""
        with self.reader() as cursor:
            row = cursor.execute("SELECT max(load_id) FROM loads").fetchone()
        return 1 + int(row[0] or 0) if row else 1

    def load_segment(self, segment: Path) -> LoadResult:
        """Load one journal segment in one transaction; a segment loaded before is skipped."""
        return self.load_segments([segment])

    def load_segments(self, segments: Sequence[Path]) -> LoadResult:
        """Load journal segments (in number order) as ONE load, in one transaction: its id is
        the last segment's number. Segments loaded before are skipped: give either segments
        all loaded already (the load that holds the first is answered) or none."""
        numbers = [segment_number(segment) for segment in segments]
        if not numbers or numbers != sorted(numbers):
            raise ValueError("segments must be given in number order")
        with self.writer() as cursor:
            done = self._done(cursor, numbers[0])
            if done is not None:
                return done
            cursor.execute(_READ, [[str(segment) for segment in segments]])
            first = numbers[0] if len(numbers) > 1 else None
            return self.load_staged(cursor, numbers[-1], segments[-1].name, first_segment=first)

    def loaded_already(self, segment: Path) -> LoadResult | None:
        """The load that holds ``segment`` (the process stopped before deleting it), if any."""
        with self.reader() as cursor:
            return self._done(cursor, segment_number(segment))

    def load_staged(
        self,
        cursor: duckdb.DuckDBPyConnection,
        load_id: int,
        name: str,
        *,
        first_segment: int | None = None,
    ) -> LoadResult:
        """Store the rows of the temporary table ``journal_lines`` (journal-line columns) as
        load ``load_id``, inside the caller's transaction: de-duplicate, drop the messages of
        erased persons, insert, record."""
        received = count_rows(cursor, "SELECT count(*) FROM journal_lines")
        cursor.execute(_STAGE)
        cursor.execute("DROP TABLE journal_lines")
        suppressed = _drop_suppressed(cursor)
        cursor.execute(_REMEMBER_IDS, [load_id])
        cursor.execute(_INSERT_EVENTS, {"load": load_id})
        stored = count_rows(cursor, "SELECT count(*) FROM events WHERE load_id = ?", load_id)
        cursor.execute(
            "INSERT INTO loads (load_id, segment, loaded_at, received, stored, identities_done, "
            "first_segment) VALUES (?, ?, ?, ?, ?, false, ?)",
            [load_id, name, naive_utc(utcnow()), received, stored, first_segment],
        )
        cursor.execute("DROP TABLE staged")
        return LoadResult(load_id, received, stored, suppressed=suppressed)

    @staticmethod
    def _done(cursor: duckdb.DuckDBPyConnection, number: int) -> LoadResult | None:
        """The load that holds segment ``number``, if one does."""
        row = cursor.execute(
            "SELECT load_id, received, stored FROM loads "
            "WHERE load_id >= $n AND coalesce(first_segment, load_id) <= $n",
            {"n": number},
        ).fetchone()
        if row is None:
            return None
        return LoadResult(int(row[0]), int(row[1]), int(row[2]), already_loaded=True)


def segment_number(segment: Path) -> int:
    """A journal segment's number (its name is ``<number>.ndjson``)."""
    return int(segment.name.split(".", 1)[0])


def _drop_suppressed(cursor: duckdb.DuckDBPyConnection) -> int:
    """Remove staged messages of erased persons; free while nobody was ever erased."""
    if not count_rows(
        cursor, "SELECT count(*) FROM (SELECT 1 FROM suppressed_identifiers LIMIT 1)"
    ):
        return 0
    before = count_rows(cursor, "SELECT count(*) FROM staged")
    cursor.execute(_DROP_SUPPRESSED)
    return before - count_rows(cursor, "SELECT count(*) FROM staged")


def count_rows(cursor: duckdb.DuckDBPyConnection, sql: str, *parameters: object) -> int:
    """The single number a ``SELECT count(*)`` answers."""
    row = cursor.execute(sql, list(parameters)).fetchone()
    return int(row[0]) if row else 0
