"""Flows, their runs and the step visits that make each step run exactly once.

Revision ID: 0013_flows
Revises: 0012_duplicates
Create Date: 2026-11-23

See docs/decisions/0018-flows.md.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import twofold.store.models.base

revision = "0013_flows"
down_revision = "0012_duplicates"
branch_labels = None
depends_on = None

IDENTIFIER = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
WHEN = twofold.store.models.base.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "flows",
        sa.Column("id", IDENTIFIER, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("definition", JSON_DOCUMENT, nullable=False),
        sa.Column("event_watermark", IDENTIFIER, nullable=False),
        sa.Column("transition_watermark", IDENTIFIER, nullable=False),
        sa.Column("created_by_id", IDENTIFIER, nullable=True),
        sa.Column("created_at", WHEN(), nullable=False),
        sa.Column("updated_at", WHEN(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("status IN ('draft', 'active', 'paused')", name="ck_flows_status_known"),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name="fk_flows_created_by_id_users",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_flows"),
        sa.UniqueConstraint("name", name="uq_flows_name"),
    )
    op.create_table(
        "flow_runs",
        sa.Column("id", IDENTIFIER, nullable=False),
        sa.Column("flow_id", IDENTIFIER, nullable=False),
        sa.Column("person_id", IDENTIFIER, nullable=False),
        sa.Column("entry_key", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("step_id", sa.String(length=50), nullable=True),
        sa.Column("due_at", WHEN(), nullable=True),
        sa.Column("wait_deadline", WHEN(), nullable=True),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.Column("variant", sa.String(length=100), nullable=True),
        sa.Column("entered_at", WHEN(), nullable=False),
        sa.Column("ended_at", WHEN(), nullable=True),
        sa.Column("end_reason", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "status IN ('active', 'completed', 'exited', 'failed')",
            name="ck_flow_runs_status_known",
        ),
        sa.ForeignKeyConstraint(
            ["flow_id"], ["flows.id"], name="fk_flow_runs_flow_id_flows", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_flow_runs"),
        sa.UniqueConstraint("flow_id", "entry_key", name="uq_flow_runs_flow_id_entry_key"),
    )
    op.create_index("ix_flow_runs_due", "flow_runs", ["status", "due_at"])
    op.create_index("ix_flow_runs_flow_person", "flow_runs", ["flow_id", "person_id"])
    op.create_table(
        "flow_step_visits",
        sa.Column("id", IDENTIFIER, nullable=False),
        sa.Column("run_id", IDENTIFIER, nullable=False),
        sa.Column("flow_id", IDENTIFIER, nullable=False),
        sa.Column("step_id", sa.String(length=50), nullable=False),
        sa.Column("visit", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=200), nullable=False),
        sa.Column("executed_at", WHEN(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["flow_runs.id"],
            name="fk_flow_step_visits_run_id_flow_runs",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_flow_step_visits"),
        sa.UniqueConstraint(
            "run_id", "step_id", "visit", name="uq_flow_step_visits_run_id_step_id_visit"
        ),
    )
    op.create_index("ix_flow_step_visits_flow_id", "flow_step_visits", ["flow_id"])


def downgrade() -> None:
    op.drop_table("flow_step_visits")
    op.drop_index("ix_flow_runs_flow_person", table_name="flow_runs")
    op.drop_index("ix_flow_runs_due", table_name="flow_runs")
    op.drop_table("flow_runs")
    op.drop_table("flows")
