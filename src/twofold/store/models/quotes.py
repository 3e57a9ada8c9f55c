"""Deal line items and the quotes made from them (a quote keeps a snapshot of its lines).

See docs/decisions/0019-products-and-quotes.md for the pricing and rounding rules.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from twofold.core.enums import QuoteStatus
from twofold.store.models.base import Base, Identifier, JsonDocument, Timestamped
from twofold.store.models.products import MONEY, QUANTITY

PERCENT = Numeric(7, 4)


class DealLineItem(Base):
    """A product on a deal: quantity, list and (overridable) unit price, a discount."""

    __tablename__ = "deal_line_items"
    __table_args__ = (
        UniqueConstraint("deal_id", "position"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "discount_percent >= 0 AND discount_percent <= 100", name="discount_in_range"
        ),
    )

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"))
    position: Mapped[int]
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="RESTRICT"), index=True
    )
    price_book_id: Mapped[int | None] = mapped_column(
        ForeignKey("price_books.id", ondelete="SET NULL"), index=True
    )
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    list_price: Mapped[Decimal] = mapped_column(MONEY)
    unit_price: Mapped[Decimal] = mapped_column(MONEY)
    discount_percent: Mapped[Decimal] = mapped_column(PERCENT, default=Decimal(0))
    line_total: Mapped[Decimal] = mapped_column(MONEY)


class Quote(Timestamped, Base):
    """A priced proposal for a deal, numbered per deal (``Q00042-2`` is deal 42's second)."""

    __tablename__ = "quotes"
    __table_args__ = (
        UniqueConstraint("number"),
        UniqueConstraint("deal_id", "revision"),
        CheckConstraint(
            "status IN (" + ", ".join(f"'{status.value}'" for status in QuoteStatus) + ")",
            name="status_known",
        ),
        CheckConstraint(
            "discount_percent >= 0 AND discount_percent <= 100", name="discount_in_range"
        ),
        CheckConstraint("tax_percent >= 0 AND tax_percent <= 100", name="tax_in_range"),
    )

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int]
    number: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    valid_until: Mapped[date]
    discount_percent: Mapped[Decimal] = mapped_column(PERCENT, default=Decimal(0))
    tax_percent: Mapped[Decimal] = mapped_column(PERCENT, default=Decimal(0))
    # Totals, kept in step with the lines and percentages by the quote actions.
    list_total: Mapped[Decimal] = mapped_column(MONEY)
    subtotal: Mapped[Decimal] = mapped_column(MONEY)
    discount_amount: Mapped[Decimal] = mapped_column(MONEY)
    net_total: Mapped[Decimal] = mapped_column(MONEY)
    tax_amount: Mapped[Decimal] = mapped_column(MONEY)
    total: Mapped[Decimal] = mapped_column(MONEY)
    # The discount off list prices, all discounts and price overrides together (percent).
    effective_discount_percent: Mapped[Decimal] = mapped_column(PERCENT)
    approval_required: Mapped[bool] = mapped_column(default=False)
    terms: Mapped[str] = mapped_column(Text, default="")
    # The customer the quote is addressed to, as it was when the quote was made.
    recipient: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]


class QuoteLine(Base):
    """A line of a quote, copied from the deal's line items when the quote was made."""

    __tablename__ = "quote_lines"
    __table_args__ = (UniqueConstraint("quote_id", "position"),)

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"))
    position: Mapped[int]
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("products.id", ondelete="SET NULL"), index=True
    )
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str] = mapped_column(String(30))
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    list_price: Mapped[Decimal] = mapped_column(MONEY)
    unit_price: Mapped[Decimal] = mapped_column(MONEY)
    discount_percent: Mapped[Decimal] = mapped_column(PERCENT)
    line_total: Mapped[Decimal] = mapped_column(MONEY)
    # A bundle's components as they were: [{"sku", "name", "quantity"}].
    components: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument, default=list)
