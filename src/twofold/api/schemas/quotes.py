"""Output shapes of deal line items and quotes (money as decimal strings)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from twofold.api.schemas.common import RecordOut
from twofold.core.money import format_amount
from twofold.quotes.actions import TOTAL_FIELDS
from twofold.store.models import DealLineItem, Product, Quote, QuoteLine


def percent(value: Decimal) -> str:
    """A percentage as a decimal string with two decimals."""
    return str(value.quantize(Decimal("0.01")))


class LineItemOut(BaseModel):
    """A product on a deal."""

    id: int
    deal_id: int
    position: int
    product_id: int
    sku: str
    name: str
    price_book_id: int | None
    quantity: str
    list_price: str
    unit_price: str
    discount_percent: str
    line_total: str
    currency: str

    @classmethod
    def of(cls, item: DealLineItem, *, product: Product, currency: str) -> LineItemOut:
        """Render a line item."""
        return cls(
            id=item.id,
            deal_id=item.deal_id,
            position=item.position,
            product_id=item.product_id,
            sku=product.sku,
            name=product.name,
            price_book_id=item.price_book_id,
            quantity=str(item.quantity.normalize()),
            list_price=format_amount(item.list_price, currency),
            unit_price=format_amount(item.unit_price, currency),
            discount_percent=percent(item.discount_percent),
            line_total=format_amount(item.line_total, currency),
            currency=currency,
        )


class QuoteLineOut(BaseModel):
    """A line of a quote, as copied from the deal."""

    position: int
    product_id: int | None
    sku: str
    name: str
    unit: str
    quantity: str
    list_price: str
    unit_price: str
    discount_percent: str
    line_total: str
    components: list[dict[str, Any]]


class QuoteOut(RecordOut):
    """A quote with its lines and totals."""

    deal_id: int
    number: str
    revision: int
    status: str
    currency: str
    valid_until: date
    discount_percent: str
    tax_percent: str
    list_total: str
    subtotal: str
    discount_amount: str
    net_total: str
    tax_amount: str
    total: str
    effective_discount_percent: str = Field(
        description="how far below list prices the net is: the figure approval is about"
    )
    approval_required: bool
    terms: str
    recipient: dict[str, Any]
    created_by_id: int | None
    approved_by_id: int | None
    approved_at: datetime | None
    sent_at: datetime | None
    decided_at: datetime | None
    lines: list[QuoteLineOut]

    @classmethod
    def of(cls, quote: Quote, *, lines: list[QuoteLine]) -> QuoteOut:
        """Render a quote and its lines."""
        currency = quote.currency
        money_fields = [field for field in TOTAL_FIELDS if not field.endswith("_percent")]
        percents = ("discount_percent", "tax_percent", "effective_discount_percent")
        plain = {
            key: getattr(quote, key)
            for key in cls.model_fields
            if key not in {*money_fields, *percents, "lines"}
        }
        return cls(
            **plain,
            **{key: format_amount(getattr(quote, key), currency) for key in money_fields},
            **{key: percent(getattr(quote, key)) for key in percents},
            lines=[
                QuoteLineOut(
                    position=line.position,
                    product_id=line.product_id,
                    sku=line.sku,
                    name=line.name,
                    unit=line.unit,
                    quantity=str(line.quantity.normalize()),
                    list_price=format_amount(line.list_price, currency),
                    unit_price=format_amount(line.unit_price, currency),
                    discount_percent=percent(line.discount_percent),
                    line_total=format_amount(line.line_total, currency),
                    components=line.components,
                )
                for line in lines
            ],
        )
