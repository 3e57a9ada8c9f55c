"""Sales sequences: sequences, enrollments, step visits (each step once) and inbound emails.

Revision ID: 0015_sequences
Revises: 0014_quotes
Create Date: 2026-11-23

See docs/decisions/0023-sales-sequences.md.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import twofold.store.models.base

revision = "0015_sequences"
down_revision = "0014_quotes"
branch_labels = None
depends_on = None

IDENTIFIER = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
WHEN = twofold.store.models.base.UTCDateTime
CURRENT = sa.text("status IN ('active', 'paused')")


def _versioned() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", WHEN(), nullable=False),
        sa.Column("updated_at", WHEN(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    ]


def _foreign(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}", ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "sequences",
        sa.Column("id", IDENTIFIER, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("steps", JSON_DOCUMENT, nullable=False),
        sa.Column("owner_id", IDENTIFIER, nullable=True),
        *_versioned(),
        sa.CheckConstraint("status IN ('active', 'paused')", name="ck_sequences_status_known"),
        _foreign("sequences", "owner_id", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_sequences"),
        sa.UniqueConstraint("name", name="uq_sequences_name"),
    )
    op.create_index("ix_sequences_owner_id", "sequences", ["owner_id"])
    table = "sequence_enrollments"
    op.create_table(
        table,
        sa.Column("id", IDENTIFIER, nullable=False),
        sa.Column("sequence_id", IDENTIFIER, nullable=False),
        sa.Column("person_id", IDENTIFIER, nullable=False),
        sa.Column("deal_id", IDENTIFIER, nullable=True),
        sa.Column("sender_id", IDENTIFIER, nullable=True),
        sa.Column("enrolled_by_id", IDENTIFIER, nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("stop_reason", sa.String(length=200), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("due_at", WHEN(), nullable=True),
        sa.Column("enrolled_at", WHEN(), nullable=False),
        sa.Column("ended_at", WHEN(), nullable=True),
        *_versioned(),
        sa.CheckConstraint(
            "status IN ('active', 'paused', 'completed', 'stopped')",
            name="ck_sequence_enrollments_status_known",
        ),
        _foreign(table, "sequence_id", "sequences", "CASCADE"),
        _foreign(table, "person_id", "persons", "CASCADE"),
        _foreign(table, "deal_id", "deals", "SET NULL"),
        _foreign(table, "sender_id", "users", "SET NULL"),
        _foreign(table, "enrolled_by_id", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_sequence_enrollments"),
    )
    op.create_index(
        "uq_sequence_enrollments_current",
        table,
        ["sequence_id", "person_id"],
        unique=True,
        sqlite_where=CURRENT,
        postgresql_where=CURRENT,
    )
    op.create_index("ix_sequence_enrollments_due", table, ["status", "due_at"])
    op.create_index("ix_sequence_enrollments_person_id", table, ["person_id"])
    table = "sequence_step_visits"
    op.create_table(
        table,
        sa.Column("id", IDENTIFIER, nullable=False),
        sa.Column("enrollment_id", IDENTIFIER, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=200), nullable=False),
        sa.Column("message_id", IDENTIFIER, nullable=True),
        sa.Column("activity_id", IDENTIFIER, nullable=True),
        sa.Column("message_ref", sa.String(length=64), nullable=True),
        sa.Column("executed_at", WHEN(), nullable=False),
        _foreign(table, "enrollment_id", "sequence_enrollments", "CASCADE"),
        _foreign(table, "message_id", "outbox_messages", "SET NULL"),
        _foreign(table, "activity_id", "activities", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_sequence_step_visits"),
        sa.UniqueConstraint(
            "enrollment_id", "position", name="uq_sequence_step_visits_enrollment_id_position"
        ),
    )
    op.create_index("ix_sequence_step_visits_message_ref", table, ["message_ref"])
    table = "inbound_emails"
    op.create_table(
        table,
        sa.Column("id", IDENTIFIER, nullable=False),
        sa.Column("dedupe_key", sa.String(length=64), nullable=False),
        sa.Column("from_address", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("matched_by", sa.String(length=20), nullable=False),
        sa.Column("person_id", IDENTIFIER, nullable=True),
        sa.Column("enrollment_id", IDENTIFIER, nullable=True),
        sa.Column("activity_id", IDENTIFIER, nullable=True),
        sa.Column("stopped", sa.Integer(), nullable=False),
        sa.Column("received_at", WHEN(), nullable=False),
        _foreign(table, "person_id", "persons", "SET NULL"),
        _foreign(table, "enrollment_id", "sequence_enrollments", "SET NULL"),
        _foreign(table, "activity_id", "activities", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_inbound_emails"),
        sa.UniqueConstraint("dedupe_key", name="uq_inbound_emails_dedupe_key"),
    )


def downgrade() -> None:
    op.drop_table("inbound_emails")
    op.drop_index("ix_sequence_step_visits_message_ref", table_name="sequence_step_visits")
    op.drop_table("sequence_step_visits")
    op.drop_index("ix_sequence_enrollments_person_id", table_name="sequence_enrollments")
    op.drop_index("ix_sequence_enrollments_due", table_name="sequence_enrollments")
    op.drop_index("uq_sequence_enrollments_current", table_name="sequence_enrollments")
    op.drop_table("sequence_enrollments")
    op.drop_index("ix_sequences_owner_id", table_name="sequences")
    op.drop_table("sequences")
