"""Forecasting: quotas, dated exchange rates, forecast submissions, the team tree's index.

Revision ID: 0005_forecasting
Revises: 0004_ingestion
Create Date: 2026-11-24

``deal_forecast_months`` holds deal totals per close month, owner, stage, category and
currency, kept in step with ``deals`` by triggers (SQLite: three triggers; PostgreSQL: one
PL/pgSQL trigger function), so that a quarter's forecast at 1M deals reads tens of thousands
of rows instead of hundreds of thousands. ``ix_deals_forecast`` covers the exact aggregate
over ``deals`` that is used when an exchange rate changes in the middle of a month. See
docs/decisions/0004-forecasting.md.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import twofold.store.models.base

revision = "0005_forecasting"
down_revision = "0004_ingestion"
branch_labels = None
depends_on = None

IDENTIFIER = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


# --- deal_forecast_months and the triggers that keep it in step with deals -----------------
# A deal counts in the row of (close month, owner, category, currency), where the category is
# the forecast's: won deals are "closed", an open deal marked "closed" is "commit", lost deals
# are left out (forecasting/aggregate.py applies the same rule to deals directly). A stage's
# kind cannot change while deals are in it, so the kind read when a deal is written holds.
# A row whose last deal left is deleted.
SUMMARY_COLUMNS = (
    "close_month, owner_key, category, currency, amount, amount_times_probability, deal_count"
)
CLOSE_MONTH = {
    "sqlite": "date(deals.expected_close_date, 'start of month')",
    "postgresql": "CAST(date_trunc('month', deals.expected_close_date) AS date)",
}
BACKFILL = """
    INSERT INTO deal_forecast_months ({columns})
    SELECT {month}, coalesce(deals.owner_id, 0),
        CASE WHEN stages.kind = 'won' THEN 'closed'
             WHEN deals.forecast_category = 'closed' THEN 'commit'
             ELSE deals.forecast_category END,
        deals.currency, coalesce(sum(deals.amount), 0),
        coalesce(sum(deals.amount * deals.probability), 0), count(*)
    FROM deals JOIN stages ON stages.id = deals.stage_id
    WHERE deals.expected_close_date IS NOT NULL AND stages.kind <> 'lost'
    GROUP BY 1, 2, 3, 4"""


def _sqlite_category(row: str) -> str:
    return (
        f"CASE WHEN (SELECT kind FROM stages WHERE id = {row}.stage_id) = 'won' THEN 'closed' "
        f"WHEN {row}.forecast_category = 'closed' THEN 'commit' "
        f"ELSE {row}.forecast_category END"
    )


def _sqlite_counted(row: str) -> str:
    return (
        f"{row}.expected_close_date IS NOT NULL "
        f"AND (SELECT kind FROM stages WHERE id = {row}.stage_id) <> 'lost'"
    )


SQLITE_OLD_ROW = f"""
    close_month = date(OLD.expected_close_date, 'start of month')
    AND owner_key = coalesce(OLD.owner_id, 0) AND category = {_sqlite_category("OLD")}
    AND currency = OLD.currency"""
SQLITE_SUBTRACT = f"""
    UPDATE deal_forecast_months SET
        amount = amount - coalesce(OLD.amount, 0),
        amount_times_probability = amount_times_probability
            - coalesce(OLD.amount * OLD.probability, 0),
        deal_count = deal_count - 1
    WHERE {_sqlite_counted("OLD")} AND {SQLITE_OLD_ROW};
    DELETE FROM deal_forecast_months
    WHERE {_sqlite_counted("OLD")} AND deal_count = 0 AND {SQLITE_OLD_ROW};"""
SQLITE_ADD = f"""
    INSERT INTO deal_forecast_months ({SUMMARY_COLUMNS})
    SELECT date(NEW.expected_close_date, 'start of month'), coalesce(NEW.owner_id, 0),
        {_sqlite_category("NEW")}, NEW.currency, coalesce(NEW.amount, 0),
        coalesce(NEW.amount * NEW.probability, 0), 1
    WHERE {_sqlite_counted("NEW")}
    ON CONFLICT (close_month, owner_key, category, currency) DO UPDATE SET
        amount = amount + excluded.amount,
        amount_times_probability = amount_times_probability + excluded.amount_times_probability,
        deal_count = deal_count + 1;"""
WATCHED = (
    "expected_close_date, owner_id, stage_id, forecast_category, currency, amount, probability"
)

POSTGRES_FUNCTION = """
CREATE FUNCTION deal_forecast_months_sync() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    stage_kind text;
    row_category text;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.expected_close_date IS NOT NULL THEN
        SELECT kind INTO stage_kind FROM stages WHERE id = OLD.stage_id;
        IF stage_kind IS DISTINCT FROM 'lost' THEN
            row_category := CASE WHEN stage_kind = 'won' THEN 'closed'
                WHEN OLD.forecast_category = 'closed' THEN 'commit'
                ELSE OLD.forecast_category END;
            UPDATE deal_forecast_months AS totals SET
                amount = totals.amount - coalesce(OLD.amount, 0),
                amount_times_probability = totals.amount_times_probability
                    - coalesce(OLD.amount * OLD.probability, 0),
                deal_count = totals.deal_count - 1
            WHERE totals.close_month = CAST(date_trunc('month', OLD.expected_close_date) AS date)
                AND totals.owner_key = coalesce(OLD.owner_id, 0)
                AND totals.category = row_category AND totals.currency = OLD.currency;
            DELETE FROM deal_forecast_months AS totals
            WHERE totals.deal_count = 0
                AND totals.close_month = CAST(date_trunc('month', OLD.expected_close_date) AS date)
                AND totals.owner_key = coalesce(OLD.owner_id, 0)
                AND totals.category = row_category AND totals.currency = OLD.currency;
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.expected_close_date IS NOT NULL THEN
        SELECT kind INTO stage_kind FROM stages WHERE id = NEW.stage_id;
        IF stage_kind IS DISTINCT FROM 'lost' THEN
            row_category := CASE WHEN stage_kind = 'won' THEN 'closed'
                WHEN NEW.forecast_category = 'closed' THEN 'commit'
                ELSE NEW.forecast_category END;
            INSERT INTO deal_forecast_months AS totals (close_month, owner_key, category,
                currency, amount, amount_times_probability, deal_count)
            VALUES (CAST(date_trunc('month', NEW.expected_close_date) AS date),
                coalesce(NEW.owner_id, 0), row_category, NEW.currency, coalesce(NEW.amount, 0),
                coalesce(NEW.amount * NEW.probability, 0), 1)
            ON CONFLICT (close_month, owner_key, category, currency) DO UPDATE SET
                amount = totals.amount + excluded.amount,
                amount_times_probability = totals.amount_times_probability
                    + excluded.amount_times_probability,
                deal_count = totals.deal_count + 1;
        END IF;
    END IF;
    RETURN NULL;
END $$"""

TRIGGERS = {
    "sqlite": [
        f"CREATE TRIGGER deal_forecast_months_insert AFTER INSERT ON deals BEGIN {SQLITE_ADD} END",
        (
            "CREATE TRIGGER deal_forecast_months_delete AFTER DELETE ON deals "
            f"BEGIN {SQLITE_SUBTRACT} END"
        ),
        (
            f"CREATE TRIGGER deal_forecast_months_update AFTER UPDATE OF {WATCHED} ON deals "
            f"BEGIN {SQLITE_SUBTRACT} {SQLITE_ADD} END"
        ),
    ],
    "postgresql": [
        POSTGRES_FUNCTION,
        (
            "CREATE TRIGGER deal_forecast_months_sync AFTER INSERT OR DELETE "
            f"OR UPDATE OF {WATCHED} ON deals "
            "FOR EACH ROW EXECUTE FUNCTION deal_forecast_months_sync()"
        ),
    ],
}
DROP_TRIGGERS = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS deal_forecast_months_insert",
        "DROP TRIGGER IF EXISTS deal_forecast_months_update",
        "DROP TRIGGER IF EXISTS deal_forecast_months_delete",
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS deal_forecast_months_sync ON deals",
        "DROP FUNCTION IF EXISTS deal_forecast_months_sync()",
    ],
}


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

    op.create_table(
        "deal_forecast_months",
        sa.Column("close_month", sa.Date(), nullable=False),
        sa.Column("owner_key", IDENTIFIER, autoincrement=False, nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.Numeric(precision=30, scale=4), nullable=False),
        sa.Column("amount_times_probability", sa.Numeric(precision=30, scale=4), nullable=False),
        sa.Column("deal_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "close_month",
            "owner_key",
            "category",
            "currency",
            name=op.f("pk_deal_forecast_months"),
        ),
        sqlite_with_rowid=False,
    )
    dialect = op.get_bind().dialect.name
    for statement in TRIGGERS.get(dialect, ()):
        op.execute(statement)
    if dialect in CLOSE_MONTH:
        op.execute(BACKFILL.format(columns=SUMMARY_COLUMNS, month=CLOSE_MONTH[dialect]))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in DROP_TRIGGERS.get(dialect, ()):
        op.execute(statement)
    op.drop_table("deal_forecast_months")
    op.drop_index("ix_deals_forecast", table_name="deals")
    op.drop_index("ix_users_manager_id", table_name="users")
    op.drop_index("ix_forecast_submissions_user_period", table_name="forecast_submissions")
    op.drop_table("forecast_submissions")
    op.drop_table("exchange_rates")
    op.drop_table("quotas")
