"""Search over the normalised ``search_text`` column (name, emails and domains, lower-cased and
accent-folded): a substring for needles of three or more characters, a word prefix for shorter
ones (``store/word_prefix.py``; docs/decisions/0005-short-search.md).

PostgreSQL answers ``LIKE '%needle%'`` from a trigram GIN index (pg_trgm). SQLite cannot, so
each searchable table has an FTS5 ``trigram`` index beside it (``<table>_search``, kept in step
by triggers; migration 0003) and substrings are looked up there.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, true
from sqlalchemy.orm import Session

from twofold.core.errors import ValidationFailed
from twofold.core.text import escape_like, search_text
from twofold.store.fts import fts_rowids, phrase
from twofold.store.word_prefix import starts_a_word

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
    """Rows of ``model`` whose search text contains ``query`` (three or more characters) or
    has a word starting with it (one or two); case- and accent-insensitive."""
    if len(query) > MAX_QUERY_LENGTH:
        raise ValidationFailed.on("search", f"at most {MAX_QUERY_LENGTH} characters")
    folded = search_text(query.strip())
    if not folded:
        return true()
    if len(folded) < TRIGRAM:
        return starts_a_word(session, model, folded)
    if session.get_bind().dialect.name == "sqlite":
        contains: ColumnElement[bool] = model.id.in_(
            fts_rowids(model.__tablename__, phrase(folded))
        )
        return contains
    like: ColumnElement[bool] = model.search_text.like(f"%{escape_like(folded)}%", escape="\\")
    return like
