"""Streaming a whole filtered list as CSV: the list query, page after page, in a read
transaction of its own (the request's transaction has ended when the body is sent)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from twofold.api.csv_export import csv_chunks
from twofold.store.database import Database
from twofold.store.listing import MAX_LIMIT, Page, PageRequest

Item = TypeVar("Item")
PageOf = Callable[[Session, PageRequest], Page[Item]]


def every_row(
    database: Database, page_of: PageOf[Item], row_of: Callable[[Item], tuple[Any, ...]]
) -> Iterator[tuple[Any, ...]]:
    """The rows of every page of the list, in list order."""
    cursor: str | None = None
    while True:
        with database.transaction(write=False) as session:
            page = page_of(session, PageRequest(limit=MAX_LIMIT, cursor=cursor))
            rows = [row_of(item) for item in page.items]
        yield from rows
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def csv_download(
    filename: str, header: tuple[str, ...], rows: Iterator[tuple[Any, ...]]
) -> StreamingResponse:
    """An attachment streaming ``rows`` as CSV (formula-like cells quoted)."""
    return StreamingResponse(
        csv_chunks(header, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
