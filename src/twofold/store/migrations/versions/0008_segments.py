"""Segment definitions, and the indexes the segment fact mirror reads changes with.

Revision ID: 0008_segments
Revises: 0007_pipeline_analytics
Create Date: 2026-11-25

Membership is kept in the event store (DuckDB), beside the facts it is computed from; the
records database keeps the definitions. The mirror (segments/facts.py) asks for persons,
accounts and memberships changed since a time: ``updated_at`` indexes answer that without a
scan. See docs/decisions/0013-segment-evaluation.md.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import twofold.store.models.base

revision = "0008_segments"
down_revision = "0007_pipeline_analytics"
branch_labels = None
depends_on = None

IDENTIFIER = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
CHANGE_INDEXES = (
    ("ix_persons_updated_at", "persons"),
    ("ix_accounts_updated_at", "accounts"),
    ("ix_memberships_updated_at", "memberships"),
)


def upgrade() -> None:
    op.create_table(
        "segments",
        sa.Column("id", IDENTIFIER, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("target", sa.String(length=10), nullable=False),
        sa.Column("rule", JSON_DOCUMENT, nullable=False),
        sa.Column("starter_key", sa.String(length=50), nullable=True),
        sa.Column("created_by_id", IDENTIFIER, nullable=True),
        sa.Column("created_at", twofold.store.models.base.UTCDateTime(), nullable=False),
        sa.Column("updated_at", twofold.store.models.base.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("target IN ('persons', 'accounts')", name="ck_segments_target_known"),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name="fk_segments_created_by_id_users",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_segments"),
        sa.UniqueConstraint("name", name="uq_segments_name"),
        sa.UniqueConstraint("starter_key", name="uq_segments_starter_key"),
    )
    for name, table in CHANGE_INDEXES:
        op.create_index(name, table, ["updated_at"])


def downgrade() -> None:
    for name, table in CHANGE_INDEXES:
        op.drop_index(name, table_name=table)
    op.drop_table("segments")
