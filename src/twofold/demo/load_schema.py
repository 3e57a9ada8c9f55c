"""Set a schema up for a bulk load: secondary indexes (and PostgreSQL foreign keys) go first.

Maintaining a B-tree or trigram index row by row, and firing a foreign-key trigger per row,
costs more than the insert itself at tens of millions of rows; building an index once from
sorted data and validating a foreign key in one join is far cheaper. The exact definitions
are read from the database catalogue (so indexes that only migrations know about, such as
the trigram ones, come back identically) and restored even when the load fails. SQLite's
FTS5 search tables lose their maintenance triggers for the load and are rebuilt at the end;
so does ``deal_forecast_months`` (its triggers are dropped on SQLite, disabled on
PostgreSQL, and the table is recomputed from ``deals`` in one statement). Foreign
keys come back ``NOT VALID`` first and are then validated, so a broken load cannot leave a
table without its constraint. On SQLite the loading connection switches foreign keys off
instead (see ``sinks.open_direct_sink``) and ``PRAGMA foreign_key_check`` checks every row
afterwards. Only for databases nobody else is using meanwhile: the demo builds into a fresh
one.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Connection, bindparam, text

from twofold.core.progress import ProgressReporter
from twofold.demo.specs import TableSpec
from twofold.store.database import Database
from twofold.store.forecast_totals import POSTGRES_TRIGGER, SQLITE_TRIGGERS, rebuild_statements

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
_SQLITE_SEARCH_TABLES = text("""
    SELECT name, sql FROM sqlite_master
    WHERE type = 'table' AND upper(sql) LIKE 'CREATE VIRTUAL TABLE%USING FTS5%'
    ORDER BY name
""")
_SQLITE_TRIGGERS = text("""
    SELECT name, tbl_name, sql FROM sqlite_master
    WHERE type = 'trigger' AND tbl_name IN :tables
    ORDER BY name
""").bindparams(bindparam("tables", expanding=True))
_POSTGRES_TRIGGER = text("""
    SELECT 1 FROM pg_trigger trig
    JOIN pg_class table_class ON table_class.oid = trig.tgrelid
    WHERE trig.tgname = :name AND table_class.relname = 'deals'
      AND table_class.relnamespace = current_schema()::regnamespace
""")
_FTS_CONTENT = re.compile(r"content\s*=\s*['\"]?(\w+)", re.IGNORECASE)
_SQLITE_INDEXES = text("""
    SELECT name, sql FROM sqlite_master
    WHERE type = 'index' AND tbl_name IN :tables AND sql IS NOT NULL
      AND upper(sql) NOT LIKE 'CREATE UNIQUE%'
    ORDER BY name
""").bindparams(bindparam("tables", expanding=True))


@dataclass
class LoadPlan:
    """Statements around a load: relax before; afterwards rebuild, restore and check."""

    relax: list[str] = field(default_factory=list)
    rebuild: list[str] = field(default_factory=list)  # index definitions
    restore: list[str] = field(default_factory=list)  # foreign keys, back as NOT VALID
    check: list[str] = field(default_factory=list)  # VALIDATE / PRAGMA foreign_key_check
    # Index builds sort whole tables: give their connection memory, then take it back.
    sort_memory: tuple[str, ...] = ()
    reset: tuple[str, ...] = ()


class ForeignKeysBroken(RuntimeError):
    """The loaded rows point at rows that do not exist (a generator bug)."""


@contextmanager
def relaxed_for_load(
    database: Database, specs: Sequence[TableSpec], *, progress: ProgressReporter
) -> Iterator[LoadPlan]:
    """Drop the tables' secondary indexes (and PostgreSQL foreign keys); put them back after.

    Afterwards the foreign keys come back at once (``NOT VALID`` is instant), then the indexes
    are rebuilt in this thread while a second connection checks the foreign keys: both are
    long statements that run without the GIL, so they use both cores.
    """
    tables = [spec.name for spec in specs]
    with database.engine.begin() as connection:
        plan = plan_load(connection, tables)
        for statement in plan.relax:
            connection.exec_driver_sql(statement)
    try:
        yield plan
    finally:
        progress.start("Indexes and checks", len(plan.rebuild) + 1)
        _restore(database, plan, progress)
        progress.advance(1)


def _restore(database: Database, plan: LoadPlan, progress: ProgressReporter) -> None:
    """Foreign keys back, then indexes rebuilt while the keys are checked; indexes always."""
    failures: list[BaseException] = []
    checker = threading.Thread(target=_check, args=(database, plan, failures), name="demo-fk")
    try:
        with database.engine.begin() as connection:
            for statement in plan.restore:
                connection.exec_driver_sql(statement)
        checker.start()
    finally:
        try:
            _rebuild_indexes(database, plan, progress)
        finally:
            if checker.is_alive():
                checker.join()
    if failures:
        raise failures[0]


def _rebuild_indexes(database: Database, plan: LoadPlan, progress: ProgressReporter) -> None:
    """Create the dropped indexes again, each in its own transaction.

    Committing after every index releases its table's lock, so that the foreign-key checks
    running meanwhile only ever wait for the one table being indexed.
    """
    with database.engine.connect() as connection:
        for statement in (*plan.sort_memory, *plan.rebuild, *plan.reset):
            connection.exec_driver_sql(statement)
            connection.commit()
            if statement in plan.rebuild:
                progress.advance(1)


def _check(database: Database, plan: LoadPlan, failures: list[BaseException]) -> None:
    """Check every loaded row's foreign keys; record what fails for the main thread."""
    try:
        with database.engine.connect() as connection:
            # Largest tables last in the index rebuild, first here: the two rarely meet on
            # the same table, where PostgreSQL's validation would wait for the index.
            for statement in reversed(plan.check):
                result = connection.exec_driver_sql(statement)
                broken = result.fetchmany(5) if result.returns_rows else []
                connection.commit()
                if broken:
                    failures.append(ForeignKeysBroken(f"{statement}: {broken}"))
                    return
    except BaseException as error:  # noqa: BLE001 - re-raised in the main thread
        failures.append(error)


def plan_load(connection: Connection, tables: list[str]) -> LoadPlan:
    """What to drop and re-create around a load into ``tables`` on this backend."""
    quote = connection.dialect.identifier_preparer.quote
    plan = LoadPlan()
    if connection.dialect.name == "postgresql":
        indexes = connection.execute(_POSTGRES_INDEXES, {"tables": tables}).all()
        foreign_keys = connection.execute(_POSTGRES_FOREIGN_KEYS, {"tables": tables}).all()
        plan.sort_memory = ("SET maintenance_work_mem = '512MB'",)
        plan.reset = ("RESET maintenance_work_mem",)
    elif connection.dialect.name == "sqlite":
        indexes = connection.execute(_SQLITE_INDEXES, {"tables": tables}).all()
        foreign_keys = []
        plan.sort_memory = ("PRAGMA cache_size = -524288",)
        plan.reset = ("PRAGMA cache_size = -2000",)
        # The writer loads with foreign keys off; check every row once instead.
        plan.check = [f"PRAGMA foreign_key_check({quote(table)})" for table in tables]
        _plan_sqlite_search_tables(connection, tables, plan)
    else:
        return plan
    _plan_forecast_totals(connection, tables, plan)
    for name, definition in indexes:
        plan.relax.append(f"DROP INDEX {quote(name)}")
        plan.rebuild.append(definition)
    for table, name, definition in foreign_keys:
        plan.relax.append(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        plan.restore.append(
            f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition} NOT VALID"
        )
        plan.check.append(f"ALTER TABLE {quote(table)} VALIDATE CONSTRAINT {quote(name)}")
    return plan


def _plan_forecast_totals(connection: Connection, tables: list[str], plan: LoadPlan) -> None:
    """``deal_forecast_months`` follows ``deals`` by triggers: off for the load, one rebuild after.

    On PostgreSQL the trigger is switched back on before the foreign-key checks start, and the
    rebuild runs with the index builds.
    """
    if "deals" not in tables:
        return
    quote = connection.dialect.identifier_preparer.quote
    dialect = connection.dialect.name
    if dialect == "sqlite":
        for name, _table, definition in connection.execute(_SQLITE_TRIGGERS, {"tables": ["deals"]}):
            if name in SQLITE_TRIGGERS:
                plan.relax.append(f"DROP TRIGGER {quote(name)}")
                plan.rebuild.append(definition)
    else:
        found = connection.execute(_POSTGRES_TRIGGER, {"name": POSTGRES_TRIGGER}).first()
        if found is None:
            return
        plan.relax.append(f"ALTER TABLE deals DISABLE TRIGGER {quote(POSTGRES_TRIGGER)}")
        plan.restore.append(f"ALTER TABLE deals ENABLE TRIGGER {quote(POSTGRES_TRIGGER)}")
    plan.rebuild.extend(rebuild_statements(dialect))


def _plan_sqlite_search_tables(connection: Connection, tables: list[str], plan: LoadPlan) -> None:
    """FTS5 tables that triggers keep in step with a loaded table: rebuilt in one pass instead.

    An external-content FTS5 table (``content='persons'``) can always be rebuilt from its
    content table, and one rebuild is far cheaper than a trigger per inserted row.
    """
    quote = connection.dialect.identifier_preparer.quote
    searches = {}
    for name, definition in connection.execute(_SQLITE_SEARCH_TABLES):
        content = _FTS_CONTENT.search(definition)
        if content and content.group(1) in tables:
            searches[name] = content.group(1)
    rebuilt: set[str] = set()
    for name, table, definition in connection.execute(_SQLITE_TRIGGERS, {"tables": tables}):
        for search, content_table in searches.items():
            if content_table == table and search in definition:
                plan.relax.append(f"DROP TRIGGER {quote(name)}")
                plan.rebuild.append(definition)
                rebuilt.add(search)
                break
    plan.rebuild.extend(
        f"INSERT INTO {quote(search)}({quote(search)}) VALUES ('rebuild')"  # noqa: S608 - catalogue names, quoted
        for search in sorted(rebuilt)
    )
