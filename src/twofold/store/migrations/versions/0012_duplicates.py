"""The duplicate review queue, and external ids for CSV import upserts.

Revision ID: 0012_duplicates
Revises: 0011_messaging
Create Date: 2026-11-26

``duplicate_candidates`` holds the pairs the duplicate scan found (persons or accounts) with
their score, reasons and the reviewer's decision; dismissed pairs stay so that they are not
proposed again. ``external_id`` on accounts, persons and deals is the id a record has in the
system it was imported from (unique where set). See docs/decisions/0016-duplicates-and-import.md.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import twofold.store.models.base

revision = "0012_duplicates"
down_revision = "0011_messaging"
branch_labels = None
depends_on = None

IDENTIFIER = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
IMPORTED_TABLES = ("accounts", "persons", "deals")


def upgrade() -> None:
    op.create_table(
        "duplicate_candidates",
        sa.Column("id", IDENTIFIER, nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("record_id", IDENTIFIER, nullable=False),
        sa.Column("other_record_id", IDENTIFIER, nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("reasons", JSON_DOCUMENT, nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", twofold.store.models.base.UTCDateTime(), nullable=False),
        sa.Column("decided_at", twofold.store.models.base.UTCDateTime(), nullable=True),
        sa.Column("decided_by_id", IDENTIFIER, nullable=True),
        sa.CheckConstraint(
            "kind IN ('persons', 'accounts')", name="ck_duplicate_candidates_kind_known"
        ),
        sa.CheckConstraint(
            "status IN ('open', 'merged', 'dismissed')",
            name="ck_duplicate_candidates_status_known",
        ),
        sa.CheckConstraint(
            "record_id < other_record_id", name="ck_duplicate_candidates_pair_ordered"
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name="fk_duplicate_candidates_decided_by_id_users",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_duplicate_candidates"),
        sa.UniqueConstraint(
            "kind",
            "record_id",
            "other_record_id",
            name="uq_duplicate_candidates_kind_record_id_other_record_id",
        ),
    )
    op.create_index(
        "ix_duplicate_candidates_queue",
        "duplicate_candidates",
        ["kind", "status", "score", "id"],
    )
    op.create_index(
        "ix_duplicate_candidates_other", "duplicate_candidates", ["kind", "other_record_id"]
    )
    for table in IMPORTED_TABLES:
        op.add_column(table, sa.Column("external_id", sa.String(length=200), nullable=True))
        op.create_index(f"ix_{table}_external_id", table, ["external_id"], unique=True)


def downgrade() -> None:
    for table in IMPORTED_TABLES:
        op.drop_index(f"ix_{table}_external_id", table_name=table)
        op.drop_column(table, "external_id")  # SQLite ≥ 3.35 drops it in place (keeps triggers)
    op.drop_index("ix_duplicate_candidates_other", table_name="duplicate_candidates")
    op.drop_index("ix_duplicate_candidates_queue", table_name="duplicate_candidates")
    op.drop_table("duplicate_candidates")
