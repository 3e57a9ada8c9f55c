"""The product catalogue (one for B2B and B2C), bundles, and the price books that price it.

See docs/decisions/0019-products-and-quotes.md: a variant (size, colour...) is a product of
its own with ``parent_id`` and its ``options``; a bundle is a product with component rows.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from twofold.store.models.base import Base, Identifier, JsonDocument, Timestamped

QUANTITY = Numeric(20, 4)
MONEY = Numeric(20, 4)


class Product(Timestamped, Base):
    """A sellable item; inactive products are out of the catalogue but stay on old quotes."""

    __tablename__ = "products"
    __table_args__ = (
        Index("ix_products_sku", "sku", unique=True),
        Index("ix_products_active_name", "is_active", "name", "id"),
        Index("ix_products_category", "category", "id"),
        Index("ix_products_updated_at_id", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str | None] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(default=True)
    unit: Mapped[str] = mapped_column(String(30), default="each")
    url: Mapped[str | None] = mapped_column(String(2000))
    image_url: Mapped[str | None] = mapped_column(String(2000))
    # A variant points to its base product and names what makes it one: {"size": "L"}.
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("products.id", ondelete="RESTRICT"), index=True
    )
    options: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    is_bundle: Mapped[bool] = mapped_column(default=False)
    search_text: Mapped[str] = mapped_column(Text, default="")


class BundleComponent(Base):
    """A product inside a bundle, with how many of it one bundle holds."""

    __tablename__ = "bundle_components"
    __table_args__ = (
        UniqueConstraint("bundle_id", "component_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("bundle_id <> component_id", name="not_itself"),
    )

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    bundle_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    component_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="RESTRICT"), index=True
    )
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)


class PriceBook(Timestamped, Base):
    """Unit prices in one currency, for everyone (the standard book) or for one account tier."""

    __tablename__ = "price_books"
    __table_args__ = (
        UniqueConstraint("name"),
        # One standard book per currency, one book per currency and tier.
        Index(
            "ix_price_books_standard",
            "currency",
            unique=True,
            sqlite_where=text("is_standard"),
            postgresql_where=text("is_standard"),
        ),
        Index(
            "ix_price_books_tier",
            "currency",
            "tier",
            unique=True,
            sqlite_where=text("tier IS NOT NULL"),
            postgresql_where=text("tier IS NOT NULL"),
        ),
        CheckConstraint("NOT (is_standard AND tier IS NOT NULL)", name="standard_has_no_tier"),
    )

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    # The account tier the book is for (strategic, enterprise, mid_market, smb); None: all.
    tier: Mapped[str | None] = mapped_column(String(20))
    is_standard: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    description: Mapped[str] = mapped_column(Text, default="")


class PriceBookEntry(Base):
    """The unit price of one product in one price book."""

    __tablename__ = "price_book_entries"
    __table_args__ = (
        UniqueConstraint("price_book_id", "product_id"),
        CheckConstraint("unit_price >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    price_book_id: Mapped[int] = mapped_column(ForeignKey("price_books.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    unit_price: Mapped[Decimal] = mapped_column(MONEY)
