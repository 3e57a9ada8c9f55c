"""Flows: deal-stage, form and date trigger positions; static lists and their members.

Revision ID: 0016_flows_lists_attribution
Revises: 0015_sequences
Create Date: 2026-11-30

See docs/decisions/0018-flows.md and 0022-attribution.md.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import twofold.store.models.base

revision = "0016_flows_lists_attribution"
down_revision = "0015_sequences"
branch_labels = None
depends_on = None

IDENTIFIER = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = twofold.store.models.base.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("flows") as batch:
        batch.add_column(
            sa.Column("stage_watermark", IDENTIFIER, nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("form_watermark", IDENTIFIER, nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("dates_checked_through", sa.Date(), nullable=True))
    op.create_table(
        "static_lists",
        sa.Column("id", IDENTIFIER, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_by_id", IDENTIFIER, nullable=True),
        sa.Column("created_at", WHEN(), nullable=False),
        sa.Column("updated_at", WHEN(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name="fk_static_lists_created_by_id_users",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_static_lists"),
        sa.UniqueConstraint("name", name="uq_static_lists_name"),
    )
    op.create_table(
        "static_list_members",
        sa.Column("list_id", IDENTIFIER, nullable=False),
        sa.Column("person_id", IDENTIFIER, nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("added_by_id", IDENTIFIER, nullable=True),
        sa.Column("added_at", WHEN(), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["static_lists.id"],
            name="fk_static_list_members_list_id_static_lists",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name="fk_static_list_members_person_id_persons",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["added_by_id"],
            ["users.id"],
            name="fk_static_list_members_added_by_id_users",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("list_id", "person_id", name="pk_static_list_members"),
    )
    op.create_index("ix_static_list_members_person_id", "static_list_members", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_static_list_members_person_id", table_name="static_list_members")
    op.drop_table("static_list_members")
    op.drop_table("static_lists")
    with op.batch_alter_table("flows") as batch:
        batch.drop_column("dates_checked_through")
        batch.drop_column("form_watermark")
        batch.drop_column("stage_watermark")
