"""Forecasting: quotas, dated exchange rates, forecast submissions, the team tree's index.

Revision ID: 0004_forecasting
Revises: 0003
Create Date: 2026-11-24

``ix_deals_forecast`` covers the forecast's aggregate (a period's deals by expected close
date, with owner, stage, category, currency, probability and amount), so the forecast reads
the index instead of the deals table. See docs/decisions/0004-forecasting.md.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import twofold.store.models.base

revision = "0004_forecasting"
down_revision = "0003"
branch_labels = None
depends_on = None

IDENTIFIER = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column(
            "created_at", twofold.store.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", twofold.store.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("version", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "quotas",
        sa.Column("id", IDENTIFIER, nullable=False),
        sa.Column("user_id", IDENTIFIER, nullable=False),
        sa.Column("period_kind", sa.String(length=10), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        *_timestamps(),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_quotas_amount_not_negative")),
        sa.CheckConstraint(
            "period_kind IN ('month', 'quarter')", name=op.f("ck_quotas_period_kind_known")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_quotas_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotas")),
        sa.UniqueConstraint(
            "user_id",
            "period_kind",
            "period_start",
            name=op.f("uq_quotas_user_id_period_kind_period_start"),
        ),
    )
    op.create_table(
        "exchange_rates",
        sa.Column("id", IDENTIFIER, nullable=False),
        sa.Column("base_currency", sa.String(length=3), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("rate", sa.Numeric(precision=24, scale=10), nullable=False),
        *_timestamps(),
        sa.CheckConstraint("rate > 0", name=op.f("ck_exchange_rates_rate_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_rates")),
        sa.UniqueConstraint(
            "base_currency",
            "currency",
            "valid_from",
            name=op.f("uq_exchange_rates_base_currency_currency_valid_from"),
        ),
    )
    op.create_table(
        "forecast_submissions",
        sa.Column("id", IDENTIFIER, nullable=False),
        sa.Column("user_id", IDENTIFIER, nullable=False),
        sa.Column("period_kind", sa.String(length=10), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("categories", JSON_DOCUMENT, nullable=False),
        sa.Column("weighted", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("quota", sa.Numeric(precision=20, scale=4), nullable=True),
        sa.Column("deal_count", sa.Integer(), nullable=False),
        sa.Column("unconverted", JSON_DOCUMENT, nullable=False),
        sa.Column(
            "submitted_at", twofold.store.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_forecast_submissions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_submissions")),
    )
    op.create_index(
        "ix_forecast_submissions_user_period",
        "forecast_submissions",
        ["user_id", "period_start", "id"],
    )
    op.create_index("ix_users_manager_id", "users", ["manager_id"])
    op.create_index(
        "ix_deals_forecast",
        "deals",
        [
            "expected_close_date",
            "owner_id",
            "stage_id",
            "forecast_category",
            "currency",
            "probability",
            "amount",
        ],
    )


def downgrade() -> None:
    op.drop_index("ix_deals_forecast", table_name="deals")
    op.drop_index("ix_users_manager_id", table_name="users")
    op.drop_index("ix_forecast_submissions_user_period", table_name="forecast_submissions")
    op.drop_table("forecast_submissions")
    op.drop_table("exchange_rates")
    op.drop_table("quotas")
