"""Marketing spend has a purpose: acquisition (CAC) or retention (retention cost).

Revision ID: 0019_econ2
Revises: 0018_leads
Create Date: 2026-11-24

See docs/decisions/0014-rfm-and-economics.md. Existing entries were all entered for CAC and
become ``acquisition``; a channel may now have one entry per month, currency and purpose.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_econ2"
down_revision = "0018_leads"
branch_labels = None
depends_on = None

OLD_UNIQUE = "uq_marketing_spend_channel_month_currency"
NEW_UNIQUE = "uq_marketing_spend_channel_month_currency_purpose"
PURPOSE_CHECK = "ck_marketing_spend_purpose_known"


def upgrade() -> None:
    with op.batch_alter_table("marketing_spend", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("purpose", sa.String(length=20), nullable=False, server_default="acquisition")
        )
        batch_op.drop_constraint(OLD_UNIQUE, type_="unique")
        batch_op.create_unique_constraint(NEW_UNIQUE, ["channel", "month", "currency", "purpose"])
        batch_op.create_check_constraint(PURPOSE_CHECK, "purpose IN ('acquisition', 'retention')")


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM marketing_spend WHERE purpose <> 'acquisition'"))
    with op.batch_alter_table("marketing_spend", schema=None) as batch_op:
        batch_op.drop_constraint(PURPOSE_CHECK, type_="check")
        batch_op.drop_constraint(NEW_UNIQUE, type_="unique")
        batch_op.create_unique_constraint(OLD_UNIQUE, ["channel", "month", "currency"])
        batch_op.drop_column("purpose")
