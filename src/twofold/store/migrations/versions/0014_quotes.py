"""Products (variants, bundles), price books, deal line items, quotes and their lines.

Revision ID: 0014_quotes
Revises: 0013_flows
Create Date: 2026-11-23

A quote copies its lines from the deal when it is made, so later edits of the deal do not
change a sent quote. See docs/decisions/0019-products-and-quotes.md.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from twofold.store.models.base import UTCDateTime

revision = "0014_quotes"
down_revision = "0013_flows"
branch_labels = None
depends_on = None

IDENTIFIER = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
MONEY = sa.Numeric(precision=20, scale=4)
PERCENT = sa.Numeric(precision=7, scale=4)


def upgrade() -> None:
    op.create_table(
        "price_books",
        sa.Column("id", IDENTIFIER, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("tier", sa.String(length=20), nullable=True),
        sa.Column("is_standard", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "NOT (is_standard AND tier IS NOT NULL)",
            name=op.f("ck_price_books_standard_has_no_tier"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_books")),
        sa.UniqueConstraint("name", name=op.f("uq_price_books_name")),
    )
    op.create_index(
        "ix_price_books_standard",
        "price_books",
        ["currency"],
        unique=True,
        sqlite_where=sa.text("is_standard"),
        postgresql_where=sa.text("is_standard"),
    )
    op.create_index(
        "ix_price_books_tier",
        "price_books",
        ["currency", "tier"],
        unique=True,
        sqlite_where=sa.text("tier IS NOT NULL"),
        postgresql_where=sa.text("tier IS NOT NULL"),
    )

    op.create_table(
        "products",
        sa.Column("id", IDENTIFIER, nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("unit", sa.String(length=30), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("image_url", sa.String(length=2000), nullable=True),
        sa.Column("parent_id", IDENTIFIER, nullable=True),
        sa.Column("options", JSON_DOCUMENT, nullable=False),
        sa.Column("is_bundle", sa.Boolean(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["products.id"],
            name=op.f("fk_products_parent_id_products"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
    )
    op.create_index(
        "ix_products_active_name", "products", ["is_active", "name", "id"], unique=False
    )
    op.create_index("ix_products_category", "products", ["category", "id"], unique=False)
    op.create_index(op.f("ix_products_parent_id"), "products", ["parent_id"], unique=False)
    op.create_index("ix_products_sku", "products", ["sku"], unique=True)
    op.create_index("ix_products_updated_at_id", "products", ["updated_at", "id"], unique=False)

    op.create_table(
        "bundle_components",
        sa.Column("id", IDENTIFIER, nullable=False),
        sa.Column("bundle_id", IDENTIFIER, nullable=False),
        sa.Column("component_id", IDENTIFIER, nullable=False),
        sa.Column("quantity", MONEY, nullable=False),
        sa.CheckConstraint(
            "bundle_id <> component_id", name=op.f("ck_bundle_components_not_itself")
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_bundle_components_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["bundle_id"],
            ["products.id"],
            name=op.f("fk_bundle_components_bundle_id_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["component_id"],
            ["products.id"],
            name=op.f("fk_bundle_components_component_id_products"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bundle_components")),
        sa.UniqueConstraint(
            "bundle_id", "component_id", name=op.f("uq_bundle_components_bundle_id_component_id")
        ),
    )
    op.create_index(
        op.f("ix_bundle_components_component_id"),
        "bundle_components",
        ["component_id"],
        unique=False,
    )

    op.create_table(
        "price_book_entries",
        sa.Column("id", IDENTIFIER, nullable=False),
        sa.Column("price_book_id", IDENTIFIER, nullable=False),
        sa.Column("product_id", IDENTIFIER, nullable=False),
        sa.Column("unit_price", MONEY, nullable=False),
        sa.CheckConstraint(
            "unit_price >= 0", name=op.f("ck_price_book_entries_price_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["price_book_id"],
            ["price_books.id"],
            name=op.f("fk_price_book_entries_price_book_id_price_books"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_price_book_entries_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_book_entries")),
        sa.UniqueConstraint(
            "price_book_id",
            "product_id",
            name=op.f("uq_price_book_entries_price_book_id_product_id"),
        ),
    )
    op.create_index(
        op.f("ix_price_book_entries_product_id"), "price_book_entries", ["product_id"], unique=False
    )

    op.create_table(
        "deal_line_items",
        sa.Column("id", IDENTIFIER, nullable=False),
        sa.Column("deal_id", IDENTIFIER, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("product_id", IDENTIFIER, nullable=False),
        sa.Column("price_book_id", IDENTIFIER, nullable=True),
        sa.Column("quantity", MONEY, nullable=False),
        sa.Column("list_price", MONEY, nullable=False),
        sa.Column("unit_price", MONEY, nullable=False),
        sa.Column("discount_percent", PERCENT, nullable=False),
        sa.Column("line_total", MONEY, nullable=False),
        sa.CheckConstraint(
            "discount_percent >= 0 AND discount_percent <= 100",
            name=op.f("ck_deal_line_items_discount_in_range"),
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_deal_line_items_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["deal_id"],
            ["deals.id"],
            name=op.f("fk_deal_line_items_deal_id_deals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["price_book_id"],
            ["price_books.id"],
            name=op.f("fk_deal_line_items_price_book_id_price_books"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_deal_line_items_product_id_products"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deal_line_items")),
        sa.UniqueConstraint(
            "deal_id", "position", name=op.f("uq_deal_line_items_deal_id_position")
        ),
    )
    op.create_index(
        op.f("ix_deal_line_items_price_book_id"), "deal_line_items", ["price_book_id"], unique=False
    )
    op.create_index(
        op.f("ix_deal_line_items_product_id"), "deal_line_items", ["product_id"], unique=False
    )

    op.create_table(
        "quotes",
        sa.Column("id", IDENTIFIER, nullable=False),
        sa.Column("deal_id", IDENTIFIER, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("discount_percent", PERCENT, nullable=False),
        sa.Column("tax_percent", PERCENT, nullable=False),
        sa.Column("list_total", MONEY, nullable=False),
        sa.Column("subtotal", MONEY, nullable=False),
        sa.Column("discount_amount", MONEY, nullable=False),
        sa.Column("net_total", MONEY, nullable=False),
        sa.Column("tax_amount", MONEY, nullable=False),
        sa.Column("total", MONEY, nullable=False),
        sa.Column("effective_discount_percent", PERCENT, nullable=False),
        sa.Column("approval_required", sa.Boolean(), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("recipient", JSON_DOCUMENT, nullable=False),
        sa.Column("created_by_id", IDENTIFIER, nullable=True),
        sa.Column("approved_by_id", IDENTIFIER, nullable=True),
        sa.Column("approved_at", UTCDateTime(), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'pending_approval', 'approved', 'sent', 'accepted',"
            " 'rejected', 'expired')",
            name=op.f("ck_quotes_status_known"),
        ),
        sa.CheckConstraint(
            "discount_percent >= 0 AND discount_percent <= 100",
            name=op.f("ck_quotes_discount_in_range"),
        ),
        sa.CheckConstraint(
            "tax_percent >= 0 AND tax_percent <= 100", name=op.f("ck_quotes_tax_in_range")
        ),
        sa.ForeignKeyConstraint(
            ["approved_by_id"],
            ["users.id"],
            name=op.f("fk_quotes_approved_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_quotes_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deals.id"], name=op.f("fk_quotes_deal_id_deals"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotes")),
        sa.UniqueConstraint("deal_id", "revision", name=op.f("uq_quotes_deal_id_revision")),
        sa.UniqueConstraint("number", name=op.f("uq_quotes_number")),
    )
    op.create_index(op.f("ix_quotes_deal_id"), "quotes", ["deal_id"], unique=False)
    op.create_index(op.f("ix_quotes_status"), "quotes", ["status"], unique=False)

    op.create_table(
        "quote_lines",
        sa.Column("id", IDENTIFIER, nullable=False),
        sa.Column("quote_id", IDENTIFIER, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("product_id", IDENTIFIER, nullable=True),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("unit", sa.String(length=30), nullable=False),
        sa.Column("quantity", MONEY, nullable=False),
        sa.Column("list_price", MONEY, nullable=False),
        sa.Column("unit_price", MONEY, nullable=False),
        sa.Column("discount_percent", PERCENT, nullable=False),
        sa.Column("line_total", MONEY, nullable=False),
        sa.Column("components", JSON_DOCUMENT, nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_quote_lines_product_id_products"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["quote_id"],
            ["quotes.id"],
            name=op.f("fk_quote_lines_quote_id_quotes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quote_lines")),
        sa.UniqueConstraint("quote_id", "position", name=op.f("uq_quote_lines_quote_id_position")),
    )
    op.create_index(op.f("ix_quote_lines_product_id"), "quote_lines", ["product_id"], unique=False)


def downgrade() -> None:
    for table in (
        "quote_lines",
        "quotes",
        "deal_line_items",
        "price_book_entries",
        "bundle_components",
        "products",
        "price_books",
    ):
        op.drop_table(table)
