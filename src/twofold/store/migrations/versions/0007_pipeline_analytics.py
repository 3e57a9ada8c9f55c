"""Indexes for pipeline analytics: deals by close time, and stage stays per deal.

Revision ID: 0007_pipeline_analytics
Revises: 0006_mapping_history
Create Date: 2026-11-25

The win rate, cycle, funnel and revenue reports read the deals closed in a period; the
covering ``ix_deals_closed`` answers them from the index alone. The funnel and the days per
stage read those deals' stays: ``ix_deal_stage_history_deal_stays`` covers that read and
replaces the plain index on ``deal_id`` (its first column). See
docs/decisions/0012-pipeline-analytics.md.
"""

from __future__ import annotations

from alembic import op

revision = "0007_pipeline_analytics"
down_revision = "0006_mapping_history"
branch_labels = None
depends_on = None

CLOSED_COLUMNS = [
    "closed_at",
    "stage_id",
    "pipeline_id",
    "owner_id",
    "account_id",
    "currency",
    "amount",
    "created_at",
]


def upgrade() -> None:
    op.create_index("ix_deals_closed", "deals", CLOSED_COLUMNS)
    op.create_index(
        "ix_deal_stage_history_deal_stays",
        "deal_stage_history",
        ["deal_id", "stage_id", "entered_at", "left_at"],
    )
    op.drop_index("ix_deal_stage_history_deal_id", table_name="deal_stage_history")


def downgrade() -> None:
    op.create_index("ix_deal_stage_history_deal_id", "deal_stage_history", ["deal_id"])
    op.drop_index("ix_deal_stage_history_deal_stays", table_name="deal_stage_history")
    op.drop_index("ix_deals_closed", table_name="deals")
