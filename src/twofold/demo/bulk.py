"""Chunked bulk inserts with ids assigned by the caller: the demo generator's write path.

Rows are tuples in a fixed column order (a ``TableSpec``) whose values are already in the
sink's representation (``writer.values``). A ``BulkWriter`` buffers them per table and hands
full chunks to the sink, parents before children, so foreign keys always point at rows
already written. On SQLite and PostgreSQL the sink is a writer process
(``writer_process``), so generating and writing run on two cores; the secondary indexes
are dropped for the load and built again at the end (``load_schema``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Literal

from sqlalchemy import text

from twofold.demo.sinks import DIRECT_DIALECTS, CoreSink, RowSink, ValueCodec
from twofold.demo.specs import Row, TableSpec
from twofold.demo.writer_process import ProcessSink
from twofold.store.database import Database

InsertMethod = Literal["auto", "core"]


class BulkWriter:
    """Per-table row buffers flushed together, in the order the specs were given."""

    def __init__(
        self,
        sink: RowSink,
        specs: Sequence[TableSpec],
        *,
        chunk_rows: int = 10_000,
        rows_per_commit: int = 500_000,
    ) -> None:
        self._sink = sink
        self._specs = tuple(specs)
        self._buffers: dict[str, list[Row]] = {spec.name: [] for spec in self._specs}
        self._chunk_rows = chunk_rows
        self._rows_per_commit = rows_per_commit
        self._uncommitted = 0
        self.values: ValueCodec = sink.values
        self.written: dict[str, int] = dict.fromkeys(self._buffers, 0)

    def rows(self, spec: TableSpec) -> list[Row]:
        """The buffer to append ``spec``'s rows to (call ``flush_if_full`` now and then)."""
        return self._buffers[spec.name]

    def flush_if_full(self) -> None:
        """Write every buffer once one of them holds a chunk."""
        if any(len(buffer) >= self._chunk_rows for buffer in self._buffers.values()):
            self.flush()

    def flush(self) -> None:
        """Write every buffer, parents first; commit when enough rows have accumulated."""
        for spec in self._specs:
            buffer = self._buffers[spec.name]
            if buffer:
                self._sink.write(spec, buffer)
                self.written[spec.name] += len(buffer)
                self._uncommitted += len(buffer)
                buffer.clear()
        if self._uncommitted >= self._rows_per_commit:
            self._sink.commit()
            self._uncommitted = 0

    def finish(self) -> None:
        """Write and commit everything still buffered."""
        self.flush()
        self._sink.commit()


@contextmanager
def open_sink(
    database: Database, specs: Sequence[TableSpec], method: InsertMethod = "auto"
) -> Iterator[RowSink]:
    """Where the rows go: a writer process for SQLite and PostgreSQL, else Core inserts.

    ``core`` forces SQLAlchemy Core in this process (the reference the fast path must match).
    """
    if method == "core" or database.dialect not in DIRECT_DIALECTS:
        with database.engine.connect() as connection:
            yield CoreSink(connection)
            connection.commit()
        return
    sink = ProcessSink(database, specs)
    try:
        yield sink
    except BaseException:
        sink.abort()
        raise
    sink.close()


def next_ids(database: Database, specs: Sequence[TableSpec]) -> dict[str, int]:
    """For each table with an ``id`` column: one more than its largest id (1 when empty)."""
    result: dict[str, int] = {}
    with database.engine.connect() as connection:
        for spec in specs:
            if "id" in spec.table.c:
                largest = connection.execute(text(f"SELECT max(id) FROM {spec.name}")).scalar()  # noqa: S608
                result[spec.name] = int(largest or 0) + 1
    return result


def reset_sequences(database: Database, specs: Sequence[TableSpec]) -> None:
    """After explicit ids: move PostgreSQL's id sequences past them (no-op elsewhere)."""
    if database.dialect != "postgresql":
        return
    with database.engine.begin() as connection:
        for spec in specs:
            if "id" in spec.table.c:
                connection.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{spec.name}', 'id'), max(id)) "  # noqa: S608
                    f"FROM {spec.name} HAVING max(id) IS NOT NULL"
                ))  # fmt: skip


def analyze(database: Database, specs: Sequence[TableSpec]) -> None:
    """Refresh the query planner's statistics for the tables just filled."""
    with database.engine.begin() as connection:
        if database.dialect == "postgresql":
            for spec in specs:
                connection.execute(text(f"ANALYZE {spec.name}"))
        elif database.dialect == "sqlite":
            connection.execute(text("PRAGMA optimize"))
