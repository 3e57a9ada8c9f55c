"""B2B account value: contract renewal outlooks, account values, renewal-rate fits.

Revision ID: 0017_account_value_recs
Revises: 0016_flows_lists_attribution
Create Date: 2026-11-23

See docs/decisions/0021-account-value-and-recommendations.md. (Product recommendations
live in the DuckDB event store and need no records table.)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import twofold.store.models.base

revision = "0017_account_value_recs"
down_revision = "0016_flows_lists_attribution"
branch_labels = None
depends_on = None

IDENTIFIER = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
WHEN = twofold.store.models.base.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "renewal_rate_fits",
        sa.Column("id", IDENTIFIER, nullable=False),
        sa.Column("computed_at", WHEN(), nullable=False),
        sa.Column("settings", JSON_DOCUMENT, nullable=False),
        sa.Column("terms", sa.Integer(), nullable=False),
        sa.Column("renewed", sa.Integer(), nullable=False),
        sa.Column("segments", JSON_DOCUMENT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_renewal_rate_fits")),
    )
    op.create_index(op.f("ix_renewal_rate_fits_computed_at"), "renewal_rate_fits", ["computed_at"])
    op.create_table(
        "account_values",
        sa.Column("account_id", IDENTIFIER, nullable=False),
        sa.Column("expected_values", JSON_DOCUMENT, nullable=False),
        sa.Column("arr", JSON_DOCUMENT, nullable=False),
        sa.Column("expansion", JSON_DOCUMENT, nullable=False),
        sa.Column("computed_at", WHEN(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_account_values_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account_values")),
    )
    op.create_table(
        "contract_values",
        sa.Column("contract_id", IDENTIFIER, nullable=False),
        sa.Column("account_id", IDENTIFIER, nullable=False),
        sa.Column("term_end", sa.Date(), nullable=False),
        sa.Column("renewal_probability", sa.Float(), nullable=False),
        sa.Column("learned", sa.Boolean(), nullable=False),
        sa.Column("reasons", JSON_DOCUMENT, nullable=False),
        sa.Column("expected_value", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("computed_at", WHEN(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_contract_values_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_contract_values_contract_id_contracts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("contract_id", name=op.f("pk_contract_values")),
    )
    op.create_index(
        "ix_contract_values_account", "contract_values", ["account_id", "renewal_probability"]
    )


def downgrade() -> None:
    op.drop_index("ix_contract_values_account", table_name="contract_values")
    op.drop_table("contract_values")
    op.drop_table("account_values")
    op.drop_index(op.f("ix_renewal_rate_fits_computed_at"), table_name="renewal_rate_fits")
    op.drop_table("renewal_rate_fits")
