"""Substring search over the normalised ``search_text`` column.

PostgreSQL answers ``LIKE '%needle%'`` from a trigram GIN index (pg_trgm). SQLite cannot, so
each searchable table has an FTS5 ``trigram`` index beside it (``<table>_search``, kept in
step by triggers; migration 0003) and needles of three or more characters go through it.
Shorter needles scan, on both databases: a trigram index cannot help them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, literal_column, select, table
from sqlalchemy.orm import Session

from twofold.core.errors import ValidationFailed
from twofold.core.text import search_needle, search_text

MAX_QUERY_LENGTH = 200
SEARCHABLE_TABLES = ("accounts", "persons", "deals")
TRIGRAM = 3


def is_modelled(name: str | None, kind: str, _parent: object = None) -> bool:
    """Whether autogenerate should compare a schema object: not the search indexes that only
    migrations create (SQLite FTS5 tables and their shadow tables, PostgreSQL trigram indexes)."""
    if name is None:
        return True
    if kind == "table":
        return not any(name.startswith(f"{table}_search") for table in SEARCHABLE_TABLES)
    return not (kind == "index" and name.endswith("_search_trgm"))


def matches_search(session: Session, model: Any, query: str) -> ColumnElement[bool]:
    """Rows of ``model`` whose search text contains ``query`` (case- and accent-insensitive)."""
    if len(query) > MAX_QUERY_LENGTH:
        raise ValidationFailed.on("search", f"at most {MAX_QUERY_LENGTH} characters")
    folded = search_text(query.strip())
    name = model.__tablename__
    if session.get_bind().dialect.name == "sqlite" and len(folded) >= TRIGRAM:
        index = f"{name}_search"
        phrase = '"' + folded.replace('"', '""') + '"'
        matching: Select[Any] = (
            select(literal_column("rowid"))
            .select_from(table(index))
            .where(literal_column(index).op("MATCH")(phrase))
        )
        condition: ColumnElement[bool] = model.id.in_(matching)
        return condition
    like: ColumnElement[bool] = model.search_text.like(f"%{search_needle(query)}%", escape="\\")
    return like
