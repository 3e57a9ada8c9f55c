"""Set a schema up for a bulk load: secondary indexes (and PostgreSQL foreign keys) go first.

Maintaining a B-tree or trigram index row by row, and firing a foreign-key trigger per row,
costs more than the insert itself at tens of millions of rows; building an index once from
sorted data and validating a foreign key in one join is far cheaper. The exact definitions
are read from the database catalogue (so indexes that only migrations know about, such as
the trigram ones, come back identically) and restored even when the load fails. Foreign
keys come back ``NOT VALID`` first and are then validated, so a broken load cannot leave a
table without its constraint. On SQLite the loading connection switches foreign keys off
and checks them afterwards instead (see ``bulk.open_sink``). Only for databases nobody else
is using meanwhile: the demo builds into a fresh one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Connection, bindparam, text

from twofold.core.progress import ProgressReporter
from twofold.demo.specs import TableSpec
from twofold.store.database import Database

_POSTGRES_INDEXES = text("""
    SELECT index_class.relname, pg_get_indexdef(ix.indexrelid)
    FROM pg_index ix
    JOIN pg_class index_class ON index_class.oid = ix.indexrelid
    JOIN pg_class table_class ON table_class.oid = ix.indrelid
    WHERE table_class.relname IN :tables
      AND table_class.relnamespace = current_schema()::regnamespace
      AND NOT ix.indisunique AND NOT ix.indisprimary
    ORDER BY 1
""").bindparams(bindparam("tables", expanding=True))
_POSTGRES_FOREIGN_KEYS = text("""
    SELECT table_class.relname, con.conname, pg_get_constraintdef(con.oid)
    FROM pg_constraint con
    JOIN pg_class table_class ON table_class.oid = con.conrelid
    WHERE con.contype = 'f' AND table_class.relname IN :tables
      AND table_class.relnamespace = current_schema()::regnamespace
    ORDER BY 1, 2
""").bindparams(bindparam("tables", expanding=True))
_SQLITE_INDEXES = text("""
    SELECT name, sql FROM sqlite_master
    WHERE type = 'index' AND tbl_name IN :tables AND sql IS NOT NULL
      AND upper(sql) NOT LIKE 'CREATE UNIQUE%'
    ORDER BY name
""").bindparams(bindparam("tables", expanding=True))


@dataclass
class LoadPlan:
    """Statements run before a load, to rebuild after it, and to validate last (in order)."""

    relax: list[str] = field(default_factory=list)
    rebuild: list[str] = field(default_factory=list)
    validate: list[str] = field(default_factory=list)
    # Index builds sort whole tables: give them memory for the session, then take it back.
    sort_memory: tuple[str, ...] = ()
    reset: tuple[str, ...] = ()


@contextmanager
def relaxed_for_load(
    database: Database, specs: Sequence[TableSpec], *, progress: ProgressReporter
) -> Iterator[LoadPlan]:
    """Drop the tables' secondary indexes (and PostgreSQL foreign keys); put them back after."""
    tables = [spec.name for spec in specs]
    with database.engine.begin() as connection:
        plan = plan_load(connection, tables)
        for statement in plan.relax:
            connection.exec_driver_sql(statement)
    try:
        yield plan
    finally:
        # Rebuilding cannot fail on the data; validating can, and then the constraint stays
        # (NOT VALID, still enforced for new rows) and the error reaches the caller.
        progress.start("Indexes and checks", len(plan.rebuild) + len(plan.validate))
        with database.engine.begin() as connection:
            for statement in plan.sort_memory:
                connection.exec_driver_sql(statement)
            for statement in plan.rebuild:
                connection.exec_driver_sql(statement)
                progress.advance(1)
            for statement in plan.reset:
                connection.exec_driver_sql(statement)
        with database.engine.begin() as connection:
            for statement in plan.validate:
                connection.exec_driver_sql(statement)
                progress.advance(1)


def plan_load(connection: Connection, tables: list[str]) -> LoadPlan:
    """What to drop and re-create around a load into ``tables`` on this backend."""
    quote = connection.dialect.identifier_preparer.quote
    plan = LoadPlan()
    if connection.dialect.name == "postgresql":
        indexes = connection.execute(_POSTGRES_INDEXES, {"tables": tables}).all()
        foreign_keys = connection.execute(_POSTGRES_FOREIGN_KEYS, {"tables": tables}).all()
        plan.sort_memory = ("SET LOCAL maintenance_work_mem = '512MB'",)
    elif connection.dialect.name == "sqlite":
        indexes = connection.execute(_SQLITE_INDEXES, {"tables": tables}).all()
        foreign_keys = []
        plan.sort_memory = ("PRAGMA cache_size = -524288",)
        plan.reset = ("PRAGMA cache_size = -2000",)
    else:
        return plan
    for name, definition in indexes:
        plan.relax.append(f"DROP INDEX {quote(name)}")
        plan.rebuild.append(definition)
    for table, name, definition in foreign_keys:
        plan.relax.append(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        plan.rebuild.append(
            f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition} NOT VALID"
        )
        plan.validate.append(f"ALTER TABLE {quote(table)} VALIDATE CONSTRAINT {quote(name)}")
    return plan
