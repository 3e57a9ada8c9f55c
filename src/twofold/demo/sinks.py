"""Where bulk rows go, and the representation each destination wants its values in.

A sink's ``values`` (a ``ValueCodec``) turns the generator's epoch seconds, JSON documents,
amounts and dates into what the sink writes without further work:

- ``CoreSink`` (SQLAlchemy Core ``insert()`` executemany, any backend) takes Python
  objects: aware datetimes, lists and dicts, ``Decimal``, ``date``;
- ``PostgresCopySink`` (binary ``COPY FROM STDIN``) takes the same, except JSON, which
  arrives already in jsonb's binary format (see ``PostgresCopyValues``);
- ``SqliteSink`` (the driver's own ``executemany``) takes the exact text SQLAlchemy's bind
  processors would produce, so that rows read back identically (a test checks this), while
  skipping a per-row conversion pass that costs more than the insert itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import JSON, BigInteger, Boolean, Connection, Date, Integer, Numeric, insert
from sqlalchemy.types import TypeEngine

from twofold.demo.specs import Row, TableSpec
from twofold.store.database import Database
from twofold.store.models.base import UTCDateTime

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)  # noqa: DTZ001 - SQLite stores UTC without a zone


class ValueCodec(Protocol):
    """Values in the form a sink writes them."""

    empty_list: Any
    empty_object: Any

    def time(self, epoch_second: int) -> Any:
        """A UTC timestamp."""

    def json(self, document: list[Any] | dict[str, Any]) -> Any:
        """A JSON column's value (never mutated after it is handed over)."""

    def strings(self, items: list[str]) -> Any:
        """A JSON list of plain ASCII strings (no quotes, backslashes or control characters)."""

    def money(self, amount: Decimal) -> Any:
        """A ``Numeric`` column's value."""

    def day(self, value: date) -> Any:
        """A ``Date`` column's value."""


class RowSink(Protocol):
    """Where chunks of rows go; ``commit`` ends the current transaction and starts another."""

    values: ValueCodec

    def write(self, spec: TableSpec, rows: Sequence[Row]) -> None:
        """Insert ``rows`` into ``spec``'s table."""

    def commit(self) -> None:
        """Make everything written so far durable."""


class PythonValues:
    """The Python objects SQLAlchemy and psycopg adapt themselves."""

    def __init__(self) -> None:
        self.empty_list: Any = ()  # immutable; json.dumps writes a tuple as []
        self.empty_object: Any = {}  # shared by many rows, so never mutated

    def time(self, epoch_second: int) -> datetime:
        """An aware UTC datetime."""
        return _EPOCH + timedelta(seconds=epoch_second)

    def json(self, document: list[Any] | dict[str, Any]) -> Any:
        """The document itself."""
        return document

    def strings(self, items: list[str]) -> Any:
        """The list itself."""
        return items

    def money(self, amount: Decimal) -> Decimal:
        """The amount itself."""
        return amount

    def day(self, value: date) -> date:
        """The date itself."""
        return value


class SqliteValues:
    """The text (and floats) that SQLAlchemy's SQLite bind processors would produce."""

    def __init__(self) -> None:
        self.empty_list: Any = "[]"
        self.empty_object: Any = "{}"

    def time(self, epoch_second: int) -> str:
        """``YYYY-MM-DD HH:MM:SS.ffffff`` in UTC, as SQLAlchemy's SQLite DATETIME writes."""
        return (_NAIVE_EPOCH + timedelta(seconds=epoch_second)).isoformat(" ", "microseconds")

    def json(self, document: list[Any] | dict[str, Any]) -> str:
        """``json.dumps`` with its defaults, as SQLAlchemy's JSON type does."""
        return json.dumps(document)

    def strings(self, items: list[str]) -> str:
        """What ``json.dumps`` makes of such a list, without its per-character escaping pass."""
        return '["' + '", "'.join(items) + '"]' if items else "[]"

    def money(self, amount: Decimal) -> float:
        """SQLite has no decimal type; SQLAlchemy binds ``Numeric`` as a float too."""
        return float(amount)

    def day(self, value: date) -> str:
        """ISO date text."""
        return value.isoformat()


class PostgresCopyValues(PythonValues):
    """Python objects, except JSON: pre-encoded in jsonb's binary wire format.

    Binary COPY hands each field to the column type's receive function; ``jsonb_recv``
    reads a format version byte (1) followed by the JSON text. Encoding here, once per
    distinct document where callers cache, spares psycopg a ``json.dumps`` per value.
    """

    def __init__(self) -> None:
        super().__init__()
        self.empty_list: Any = b"\x01[]"
        self.empty_object: Any = b"\x01{}"

    def json(self, document: list[Any] | dict[str, Any]) -> bytes:
        """``\\x01`` plus the JSON text."""
        return b"\x01" + json.dumps(document).encode()

    def strings(self, items: list[str]) -> bytes:
        """``\\x01`` plus the JSON list, without ``json.dumps``'s escaping pass."""
        return b'\x01["' + '", "'.join(items).encode() + b'"]' if items else b"\x01[]"


class CoreSink:
    """SQLAlchemy Core executemany: portable, and the reference the fast sinks must match."""

    values: ValueCodec = PythonValues()

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def write(self, spec: TableSpec, rows: Sequence[Row]) -> None:
        """One executemany of ``insert(table)``."""
        columns = spec.columns
        records = [dict(zip(columns, row, strict=True)) for row in rows]
        self._connection.execute(insert(spec.table), records)

    def commit(self) -> None:
        """Commit; the next statement begins a new transaction."""
        self._connection.commit()


class SqliteSink:
    """The sqlite3 driver's executemany on rows already in SQLite's representation."""

    values: ValueCodec = SqliteValues()

    def __init__(self, connection: Any) -> None:
        self._connection = connection

    def write(self, spec: TableSpec, rows: Sequence[Row]) -> None:
        """One executemany."""
        names = ", ".join(spec.columns)
        marks = ", ".join("?" for _ in spec.columns)
        sql = f"INSERT INTO {spec.name} ({names}) VALUES ({marks})"  # noqa: S608 - our names
        self._connection.executemany(sql, rows)

    def commit(self) -> None:
        """Commit and open the next transaction."""
        self._connection.execute("COMMIT")
        self._connection.execute("BEGIN")


class PostgresCopySink:
    """Binary ``COPY FROM STDIN``: the fastest way into PostgreSQL from Python."""

    values: ValueCodec = PostgresCopyValues()

    def __init__(self, connection: Any) -> None:
        self._connection = connection
        self._types: dict[str, list[str]] = {}

    def write(self, spec: TableSpec, rows: Sequence[Row]) -> None:
        """One COPY of ``rows``."""
        if spec.name not in self._types:
            self._types[spec.name] = [
                _postgres_type(spec.table.c[name].type) for name in spec.columns
            ]
        sql = f"COPY {spec.name} ({', '.join(spec.columns)}) FROM STDIN (FORMAT BINARY)"
        with self._connection.cursor() as cursor, cursor.copy(sql) as copy:
            copy.set_types(self._types[spec.name])
            for row in rows:
                copy.write_row(row)

    def commit(self) -> None:
        """Commit; psycopg begins the next transaction on the next statement."""
        self._connection.commit()


def _postgres_type(column_type: TypeEngine[Any]) -> str:
    checks: tuple[tuple[type[Any], str], ...] = (
        (UTCDateTime, "timestamptz"), (JSON, "bytea"), (BigInteger, "int8"),
        (Integer, "int4"), (Numeric, "numeric"), (Boolean, "bool"), (Date, "date"),
    )  # fmt: skip
    for kind, name in checks:
        if isinstance(column_type, kind):
            return name
    return "text"


DIRECT_DIALECTS = frozenset({"sqlite", "postgresql"})


def direct_values(dialect: str) -> ValueCodec:
    """The value codec of ``open_direct_sink`` on ``dialect``."""
    return SqliteSink.values if dialect == "sqlite" else PostgresCopySink.values


@contextmanager
def open_direct_sink(database: Database) -> Iterator[RowSink]:
    """The driver-level sink for SQLite or PostgreSQL, in one transaction per commit."""
    raw = database.engine.raw_connection()
    try:
        driver = raw.driver_connection
        if database.dialect == "sqlite":
            with _sqlite_bulk_transaction(driver) as sink:
                yield sink
        else:
            yield PostgresCopySink(driver)
            raw.commit()
    finally:
        raw.close()


@contextmanager
def _sqlite_bulk_transaction(connection: Any) -> Iterator[SqliteSink]:
    """Foreign keys off for this connection (checked afterwards); a bigger page cache."""
    execute = connection.execute
    execute("PRAGMA foreign_keys=OFF")  # only possible outside a transaction
    execute("PRAGMA cache_size=-262144")
    execute("BEGIN")
    try:
        yield SqliteSink(connection)
        execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            execute("ROLLBACK")
        raise
    finally:
        execute("PRAGMA cache_size=-2000")
        execute("PRAGMA foreign_keys=ON")
