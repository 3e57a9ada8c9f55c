"""Bulk import of events and orders from JSONL, CSV or Parquet files, straight into DuckDB.

The file is read, checked and converted by DuckDB itself (no Python loop over rows), into
the same journal-line columns live events have; then the rows go through the same load
(messageId de-duplication), identity resolution and derived data as live traffic. The whole
import is one transaction: with invalid rows nothing is stored unless the caller asks to
skip them, and every invalid row is reported by its row number.

Rows without a ``messageId`` get one derived from their content, so importing a file twice
stores its events once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

import duckdb

from twofold.core.errors import ValidationFailed
from twofold.core.progress import ProgressReporter, SilentProgress
from twofold.core.time import utcnow
from twofold.events.store import EventStore
from twofold.identity.events import resolve_load
from twofold.ingest.messages import BLOCKED_IDENTIFIERS
from twofold.profiles.refresh import refresh_after_load
from twofold.store.database import Database

FileFormat = Literal["jsonl", "csv", "parquet"]
ImportKind = Literal["events", "orders"]
SHOWN_PROBLEMS: Final = 20

# Column names people use in flat files, mapped to the Segment fields (first match wins).
ALIASES: Final = {
    "messageId": ("messageId", "message_id"),
    "type": ("type",),
    "event": ("event", "event_name"),
    "name": ("name", "page_name"),
    "category": ("category",),
    "userId": ("userId", "user_id", "customer_id", "customer"),
    "anonymousId": ("anonymousId", "anonymous_id"),
    "previousId": ("previousId", "previous_id"),
    "groupId": ("groupId", "group_id"),
    "timestamp": ("timestamp", "time", "date", "placed_at", "created_at", "order_date"),
    "properties": ("properties",),
    "traits": ("traits",),
    "context": ("context",),
}
ORDER_ID_COLUMNS: Final = ("order_id", "orderId", "id")
EMAIL_COLUMNS: Final = ("email",)


@dataclass(frozen=True)
class RowProblem:
    """One invalid row: its 1-based number in the file and what is wrong."""

    row: int
    message: str


@dataclass
class ImportReport:
    """What an import read, stored and refused."""

    rows: int = 0
    invalid: int = 0
    stored: int = 0
    duplicates: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    load_id: int | None = None

    @property
    def imported(self) -> bool:
        return self.load_id is not None


class ImportRefused(ValidationFailed):
    """The file has invalid rows (and skipping them was not asked for): nothing was stored."""

    code = "import_invalid_rows"

    def __init__(self, report: ImportReport) -> None:
        shown = "; ".join(f"row {p.row}: {p.message}" for p in report.problems[:5])
        super().__init__(f"{report.invalid} of {report.rows} rows are invalid ({shown})")
        self.report = report


def detect_format(path: Path) -> FileFormat:
    """From the file name: .jsonl/.ndjson/.json, .csv, .parquet."""
    suffixes = [suffix.lower() for suffix in path.suffixes]
    if ".parquet" in suffixes:
        return "parquet"
    if ".csv" in suffixes or ".tsv" in suffixes:
        return "csv"
    if {".jsonl", ".ndjson", ".json"} & set(suffixes):
        return "jsonl"
    raise ValidationFailed.on("file", "use a .jsonl, .ndjson, .csv or .parquet file")


def import_file(
    store: EventStore,
    database: Database,
    *,
    path: Path,
    kind: ImportKind,
    source_id: int,
    load_id: int,
    skip_invalid: bool = False,
    file_format: FileFormat | None = None,
    progress: ProgressReporter | None = None,
) -> ImportReport:
    """Import ``path`` as load ``load_id`` (a journal segment number nobody else uses)."""
    if not path.is_file():
        raise ValidationFailed.on("file", f"{path} does not exist")
    chosen = file_format or detect_format(path)
    report = ImportReport()
    steps = _Steps(progress, total=4)
    with store.writer() as cursor:
        cursor.execute("SET TimeZone = 'UTC'")
        steps.next()  # Reading
        _read(cursor, path, chosen)
        columns = _columns(cursor)
        steps.next()  # Checking
        cursor.execute(_checked_rows(columns, kind, source_id))
        _fill_report(cursor, report)
        if report.invalid and not skip_invalid:
            raise ImportRefused(report)
        steps.next()  # Storing
        cursor.execute(
            "CREATE OR REPLACE TEMP TABLE journal_lines AS "
            "SELECT * EXCLUDE (row_number, problem) FROM checked WHERE problem IS NULL"
        )
        cursor.execute("DROP TABLE checked")
        cursor.execute("DROP TABLE import_rows")
        result = store.load_staged(cursor, load_id, f"import:{path.name}:{load_id}")
    report.stored = result.stored
    report.duplicates = result.duplicates
    report.load_id = load_id
    steps.next()  # Identities, orders and traits
    resolve_load(store, database, load_id)
    refresh_after_load(store, load_id)
    steps.done()
    return report


class _Steps:
    """One progress unit per phase of the import (read, check, store, identities)."""

    def __init__(self, progress: ProgressReporter | None, total: int) -> None:
        self.progress = progress or SilentProgress()
        self.total = total
        self.begun = False

    def next(self) -> None:
        if self.begun:
            self.progress.advance(1)
        else:
            self.progress.start("Import", self.total)
            self.begun = True

    def done(self) -> None:
        self.progress.advance(1)


def _read(cursor: duckdb.DuckDBPyConnection, path: Path, file_format: FileFormat) -> None:
    readers = {
        "jsonl": "read_json(?, format = 'newline_delimited', maximum_object_size = 1048576)",
        "csv": "read_csv(?, header = true, all_varchar = true)",
        "parquet": "read_parquet(?)",
    }
    try:
        reader = readers[file_format]  # one of three constants; the path is a parameter
        cursor.execute(
            "CREATE OR REPLACE TEMP TABLE import_rows AS "  # noqa: S608
            f"SELECT row_number() OVER () AS row_number, * FROM {reader}",
            [str(path)],
        )
    except (duckdb.InvalidInputException, duckdb.ConversionException, duckdb.IOException) as error:
        first_line = str(error).splitlines()[0][:300]
        raise ValidationFailed.on(
            "file", f"cannot read it as {file_format}: {first_line}"
        ) from None


def _columns(cursor: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The file's columns (name → DuckDB type), the row number excluded."""
    rows = cursor.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = 'import_rows' AND column_name <> 'row_number' ORDER BY ordinal_position"
    ).fetchall()
    return {str(name): str(kind) for name, kind in rows}


def _quote(name: str) -> str:
    """A column name as a DuckDB identifier (file headers are data: always quoted)."""
    return '"' + name.replace('"', '""') + '"'


def _pick(columns: dict[str, str], candidates: tuple[str, ...]) -> str | None:
    lowered = {name.lower(): name for name in columns}
    for candidate in candidates:
        if candidate.lower() in lowered:
            return lowered[candidate.lower()]
    return None


def _as_text(column: str | None) -> str:
    return (
        "NULL::VARCHAR"
        if column is None
        else f"NULLIF(trim(CAST({_quote(column)} AS VARCHAR)), '')"
    )


def _as_json(column: str | None) -> str:
    if column is None:
        return "NULL::JSON"
    return f"CAST(to_json({_quote(column)}) AS JSON)"


def _checked_rows(columns: dict[str, str], kind: ImportKind, source_id: int) -> str:
    """SQL building ``checked``: journal-line columns plus the row's problem (or NULL)."""
    picked = {target: _pick(columns, names) for target, names in ALIASES.items()}
    used = {name for name in picked.values() if name is not None}
    order_id = _pick(columns, ORDER_ID_COLUMNS) if kind == "orders" else None
    email = _pick(columns, EMAIL_COLUMNS)
    extra = [name for name in columns if name not in used]
    if picked["properties"] is None and extra:
        # Flat files: every column that is not a Segment field is a property.
        properties = (
            "CAST(to_json(struct_pack("
            + ", ".join(f"{_quote(name)} := {_quote(name)}" for name in extra)
            + ")) AS JSON)"
        )
    else:
        properties = _as_json(picked["properties"])
    traits = _as_json(picked["traits"])
    if picked["traits"] is None and email is not None:
        traits = f"CAST(json_object('email', {_as_text(email)}) AS JSON)"
    event_type = "'track'" if kind == "orders" else f"coalesce({_as_text(picked['type'])}, 'track')"
    event = "'Order Completed'" if kind == "orders" else _as_text(picked["event"])
    timestamp = _as_text(picked["timestamp"])
    blocked = ", ".join(
        "'" + value.replace("'", "''") + "'" for value in sorted(BLOCKED_IDENTIFIERS)
    )
    user_id = _as_text(picked["userId"])
    anonymous_id = _as_text(picked["anonymousId"])
    fingerprint = (
        "md5(concat_ws('|', t.type, t.event, t.userId, t.anonymousId, t.ts_text, "
        "CAST(t.properties AS VARCHAR), CAST(t.traits AS VARCHAR)))"
    )
    order_check = (
        f"WHEN {_as_text(order_id)} IS NULL THEN 'order_id is missing'" if kind == "orders" else ""
    )
    return f"""
CREATE OR REPLACE TEMP TABLE checked AS
WITH typed AS (
    SELECT
        row_number,
        {_as_text(picked["messageId"])} AS message_id,
        {event_type} AS type,
        {event} AS event,
        {_as_text(picked["name"])} AS name,
        {_as_text(picked["category"])} AS category,
        {user_id} AS userId,
        {anonymous_id} AS anonymousId,
        {_as_text(picked["previousId"])} AS previousId,
        {_as_text(picked["groupId"])} AS groupId,
        {timestamp} AS ts_text,
        TRY_CAST(TRY_CAST({timestamp} AS TIMESTAMPTZ) AS TIMESTAMP) AS ts,
        {properties} AS properties,
        {traits} AS traits,
        {_as_json(picked["context"])} AS context,
        {_as_text(order_id)} AS order_id
    FROM import_rows
), t AS (
    SELECT *,
        CASE
            WHEN type NOT IN ('track', 'identify', 'page', 'screen', 'group', 'alias')
                THEN 'type must be track, identify, page, screen, group or alias'
            WHEN type = 'alias' AND (previousId IS NULL OR userId IS NULL)
                THEN 'alias requires previousId and userId'
            WHEN type <> 'alias' AND userId IS NULL AND anonymousId IS NULL
                 AND (traits ->> 'email') IS NULL
                THEN 'userId or anonymousId is missing'
            WHEN lower(userId) IN ({blocked}) OR lower(anonymousId) IN ({blocked})
                THEN 'a placeholder identifier (null, anonymous, 0, ...) is not an identifier'
            WHEN type = 'track' AND event IS NULL THEN 'track requires an event name'
            WHEN type = 'group' AND groupId IS NULL THEN 'group requires groupId'
            WHEN ts_text IS NULL THEN 'timestamp is missing'
            WHEN ts IS NULL THEN 'timestamp is not ISO-8601: ' || left(ts_text, 40)
            WHEN ts > now()::TIMESTAMP + INTERVAL 1 DAY THEN 'timestamp is in the future'
            WHEN ts < TIMESTAMP '1990-01-01' THEN 'timestamp is before 1990'
            {order_check}
        END AS problem
    FROM typed
)
SELECT
    row_number,
    problem,
    coalesce(message_id, {fingerprint}) AS messageId,
    CAST({int(source_id)} AS BIGINT) AS sourceId,
    type,
    event,
    name,
    category,
    userId,
    anonymousId,
    previousId,
    groupId,
    ts AS timestamp,
    ts AS originalTimestamp,
    NULL::TIMESTAMP AS sentAt,
    CAST('{utcnow().replace(tzinfo=None).isoformat()}' AS TIMESTAMP) AS receivedAt,
    CASE WHEN order_id IS NOT NULL
         THEN CAST(json_merge_patch(coalesce(properties, '{{}}'),
                                    json_object('order_id', order_id)) AS JSON)
         ELSE properties END AS properties,
    traits,
    context
FROM t
"""  # noqa: S608 (identifiers are quoted, the source id is an int, values come from the file)


def _fill_report(cursor: duckdb.DuckDBPyConnection, report: ImportReport) -> None:
    row = cursor.execute(
        "SELECT count(*), count(*) FILTER (WHERE problem IS NOT NULL) FROM checked"
    ).fetchone()
    report.rows, report.invalid = (int(row[0]), int(row[1])) if row else (0, 0)
    if report.invalid:
        shown = cursor.execute(
            "SELECT row_number, problem FROM checked WHERE problem IS NOT NULL "
            "ORDER BY row_number LIMIT ?",
            [SHOWN_PROBLEMS],
        ).fetchall()
        report.problems = [RowProblem(int(number), str(problem)) for number, problem in shown]
