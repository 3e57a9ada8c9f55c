"""CSV downloads streamed from the event store (segment members, audience files).

Rows are read through one reading cursor while the response is being sent, in chunks, so a
million-member export never sits in memory. Cells a spreadsheet would run as a formula are
quoted (CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import duckdb
from fastapi.responses import StreamingResponse

from twofold.events.store import EventStore

RowsOf = Callable[[duckdb.DuckDBPyConnection], Iterable[tuple[Any, ...]]]
FORMULA_STARTS = frozenset({"=", "+", "-", "@", "\t", "\r"})


def csv_response(
    filename: str, header: tuple[str, ...], rows_of: RowsOf, store: EventStore
) -> StreamingResponse:
    """An attachment whose rows ``rows_of`` reads with a cursor of ``store``."""

    def chunks() -> Iterator[str]:
        with store.reader() as reader:
            yield from csv_chunks(header, rows_of(reader))

    return StreamingResponse(
        chunks(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def csv_chunks(header: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> Iterator[str]:
    """The CSV text of ``header`` and ``rows``, a thousand rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for count, row in enumerate(rows, start=1):
        writer.writerow([safe_cell(value) for value in row])
        if count % 1000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def safe_cell(value: Any) -> Any:
    """``None`` as an empty cell; text starting like a formula quoted with ``'``."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value
