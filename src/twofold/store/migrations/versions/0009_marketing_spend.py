"""Marketing spend per channel and month (customer acquisition cost; decision 0014).

Revision ID: 0009_marketing_spend
Revises: 0008_segments
Create Date: 2026-12-01

Chained after 0007 on its branch; re-chained after whatever became 0008 when merged.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import twofold.store.models.base

revision = "0009_marketing_spend"
down_revision = "0008_segments"
branch_labels = None
depends_on = None

IDENTIFIER = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "marketing_spend",
        sa.Column("id", IDENTIFIER, nullable=False),
        sa.Column("channel", sa.String(length=100), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by_id", IDENTIFIER, nullable=True),
        sa.Column("created_at", twofold.store.models.base.UTCDateTime(), nullable=False),
        sa.Column("updated_at", twofold.store.models.base.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("amount >= 0", name="ck_marketing_spend_amount_not_negative"),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name="fk_marketing_spend_created_by_id_users",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_marketing_spend"),
        sa.UniqueConstraint(
            "channel", "month", "currency", name="uq_marketing_spend_channel_month_currency"
        ),
    )


def downgrade() -> None:
    op.drop_table("marketing_spend")
