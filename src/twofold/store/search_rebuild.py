"""Large bulk writes on SQLite: the FTS5 search table rebuilt once instead of a trigger per row.

An external-content FTS5 table (``<table>_search``, migration 0003) can always be rebuilt from
its content table; for a load that adds at least as many rows as the table had, dropping the
maintenance triggers for the load and rebuilding once is several times cheaper. Inside the
caller's transaction (SQLite DDL is transactional), so a failed load leaves the triggers in
place. PostgreSQL keeps its trigram indexes up to date itself: nothing to do there.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import bindparam, func, select, table, text
from sqlalchemy.orm import Session

_TRIGGERS = text(
    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :table "
    "AND sql LIKE :search ORDER BY name"
).bindparams(bindparam("table"), bindparam("search"))
MIN_ROWS = 50_000


@contextmanager
def search_rebuilt_after(session: Session, table_name: str, *, adding: int) -> Iterator[None]:
    """Pause ``table_name``'s search triggers while ``adding`` rows go in, when worth it."""
    if session.get_bind().dialect.name != "sqlite" or adding < MIN_ROWS:
        yield
        return
    stored = int(session.scalar(select(func.count()).select_from(table(table_name))) or 0)
    if adding < stored:
        yield
        return
    search = f"{table_name}_search"
    triggers = session.execute(_TRIGGERS, {"table": table_name, "search": f"%{search}%"}).all()
    for name, _definition in triggers:
        session.execute(text(f'DROP TRIGGER "{name}"'))
    yield
    for _name, definition in triggers:
        session.execute(text(definition))
    session.execute(text(f'INSERT INTO "{search}"("{search}") VALUES (\'rebuild\')'))  # noqa: S608 - our table names
