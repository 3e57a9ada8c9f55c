"""SQLite: FTS5 trigram indexes for substring search (PostgreSQL has pg_trgm since 0001).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

Each searchable table gets an external-content FTS5 table ``<table>_search`` over its
``search_text``, kept in step by triggers. At 1M people a substring search went from a
full scan (~260 ms) to an index lookup.
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SEARCHABLE_TABLES = ("accounts", "persons", "deals")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in SEARCHABLE_TABLES:
        index = f"{table}_search"
        op.execute(
            f"CREATE VIRTUAL TABLE {index} USING fts5("
            f"search_text, content='{table}', content_rowid='id', tokenize='trigram')"
        )
        op.execute(
            f"CREATE TRIGGER {index}_insert AFTER INSERT ON {table} BEGIN "
            f"INSERT INTO {index}(rowid, search_text) VALUES (new.id, new.search_text); END"
        )
        op.execute(
            f"CREATE TRIGGER {index}_delete AFTER DELETE ON {table} BEGIN "
            f"INSERT INTO {index}({index}, rowid, search_text) "
            f"VALUES ('delete', old.id, old.search_text); END"
        )
        op.execute(
            f"CREATE TRIGGER {index}_update AFTER UPDATE OF search_text ON {table} BEGIN "
            f"INSERT INTO {index}({index}, rowid, search_text) "
            f"VALUES ('delete', old.id, old.search_text); "
            f"INSERT INTO {index}(rowid, search_text) VALUES (new.id, new.search_text); END"
        )
        op.execute(f"INSERT INTO {index}({index}) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in SEARCHABLE_TABLES:
        index = f"{table}_search"
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS {index}_{trigger}")
        op.execute(f"DROP TABLE IF EXISTS {index}")
