"""Contracts with product lines and renewal deals; account health, ABM status, wallet
estimates, and the config table their settings live in.

Revision ID: 0010_contracts
Revises: 0009_marketing_spend
Create Date: 2026-11-26

``contract_renewals`` has one row per contract term that got its renewal deal; its unique
key keeps concurrent renewal runs from making a second deal. See
docs/decisions/0015-contracts-and-health.md.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from twofold.store.models.base import UTCDateTime

revision = "0010_contracts"
down_revision = "0009_marketing_spend"
branch_labels = None
depends_on = None

IDENTIFIER = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
MONEY = sa.Numeric(precision=20, scale=4)


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    ]


def _account_key(table: str) -> list[Any]:
    return [
        sa.Column("account_id", IDENTIFIER, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=f"fk_{table}_account_id_accounts",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=f"pk_{table}"),
    ]


def upgrade() -> None:
    _create_contracts()
    _create_intelligence()


def _create_contracts() -> None:
    op.create_table(
        "contracts",
        sa.Column("id", IDENTIFIER, nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("account_id", IDENTIFIER, nullable=True),
        sa.Column("person_id", IDENTIFIER, nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("auto_renew", sa.Boolean(), nullable=False),
        sa.Column("billing_period", sa.String(length=20), nullable=False),
        sa.Column("mrr", MONEY, nullable=False),
        sa.Column("arr", MONEY, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("owner_id", IDENTIFIER, nullable=True),
        sa.Column("won_deal_id", IDENTIFIER, nullable=True),
        sa.Column("renewal_lead_days", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint(
            "account_id IS NOT NULL OR person_id IS NOT NULL", name="ck_contracts_has_customer"
        ),
        sa.CheckConstraint("end_date > start_date", name="ck_contracts_ends_after_start"),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name="fk_contracts_account_id_accounts",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name="fk_contracts_owner_id_users", ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name="fk_contracts_person_id_persons",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["won_deal_id"],
            ["deals.id"],
            name="fk_contracts_won_deal_id_deals",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_contracts"),
    )
    for column in ("account_id", "owner_id", "person_id", "status"):
        op.create_index(f"ix_contracts_{column}", "contracts", [column])
    for column in ("end_date", "start_date", "updated_at"):
        op.create_index(f"ix_contracts_{column}_id", "contracts", [column, "id"])
    op.create_table(
        "contract_lines",
        sa.Column("id", IDENTIFIER, nullable=False),
        sa.Column("contract_id", IDENTIFIER, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("product", sa.String(length=300), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name="fk_contract_lines_contract_id_contracts",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_contract_lines"),
        sa.UniqueConstraint(
            "contract_id", "position", name="uq_contract_lines_contract_id_position"
        ),
    )
    op.create_index("ix_contract_lines_product", "contract_lines", ["product", "contract_id"])
    op.create_table(
        "contract_renewals",
        sa.Column("id", IDENTIFIER, nullable=False),
        sa.Column("contract_id", IDENTIFIER, nullable=False),
        sa.Column("term_end", sa.Date(), nullable=False),
        sa.Column("deal_id", IDENTIFIER, nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name="fk_contract_renewals_contract_id_contracts",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["deal_id"],
            ["deals.id"],
            name="fk_contract_renewals_deal_id_deals",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_contract_renewals"),
        sa.UniqueConstraint(
            "contract_id", "term_end", name="uq_contract_renewals_contract_id_term_end"
        ),
    )
    op.create_index("ix_contract_renewals_deal_id", "contract_renewals", ["deal_id"])


def _create_intelligence() -> None:
    op.create_table(
        "config_entries",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", JSON_DOCUMENT, nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("key", name="pk_config_entries"),
    )
    op.create_table(
        "account_health",
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("reasons", JSON_DOCUMENT, nullable=False),
        sa.Column("abm_status", sa.String(length=20), nullable=False),
        sa.Column("abm_reason", sa.Text(), nullable=False),
        sa.Column("computed_at", UTCDateTime(), nullable=False),
        *_account_key("account_health"),
    )
    op.create_index(
        "ix_account_health_abm", "account_health", ["abm_status", "score", "account_id"]
    )
    op.create_index("ix_account_health_score", "account_health", ["score", "account_id"])
    op.create_table(
        "account_potentials",
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        *_timestamps(),
        *_account_key("account_potentials"),
    )
    op.create_table(
        "health_snapshots",
        sa.Column("id", IDENTIFIER, nullable=False),
        sa.Column("account_id", IDENTIFIER, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("reasons", JSON_DOCUMENT, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name="fk_health_snapshots_account_id_accounts",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_health_snapshots"),
        sa.UniqueConstraint("account_id", "day", name="uq_health_snapshots_account_id_day"),
    )
    op.create_index("ix_health_snapshots_day", "health_snapshots", ["day"])
    op.create_index("ix_activities_kind_done_at", "activities", ["kind", "done_at"])


def downgrade() -> None:
    op.drop_index("ix_activities_kind_done_at", table_name="activities")
    for table in (
        "health_snapshots",
        "account_potentials",
        "account_health",
        "config_entries",
        "contract_renewals",
        "contract_lines",
        "contracts",
    ):
        op.drop_table(table)
