"""SQLite's FTS5 trigram search tables (``<table>_search``, migration 0003): queries on them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, literal_column, select, table, text
from sqlalchemy.orm import Session

_LAST_CHARACTER = "\U0010ffff"


def fts_rowids(table_name: str, expression: str) -> Select[Any]:
    """The rowids of ``table_name``'s rows that the FTS5 query ``expression`` matches."""
    index = f"{table_name}_search"
    return (
        select(literal_column("rowid"))
        .select_from(table(index))
        .where(literal_column(index).op("MATCH")(expression))
    )


def phrase(value: str) -> str:
    """An FTS5 phrase matching ``value`` literally."""
    return '"' + value.replace('"', '""') + '"'


def indexed_trigrams(session: Session, table_name: str, prefix: str, *, limit: int) -> list[str]:
    """The first ``limit`` trigrams starting with ``prefix`` that ``table_name``'s search index
    holds, read from an ``fts5vocab`` table in the connection's temp schema (which adds nothing
    to the database file)."""
    vocabulary = f"{table_name}_search_terms"
    session.execute(
        text(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{vocabulary} "
            f"USING fts5vocab(main, {table_name}_search, row)"
        )
    )
    query = text(
        f"SELECT term FROM temp.{vocabulary} WHERE term >= :low AND term < :high LIMIT :limit"  # noqa: S608
    )
    rows = session.execute(query, {"low": prefix, "high": prefix + _LAST_CHARACTER, "limit": limit})
    return [row[0] for row in rows]
