"""Input shapes of deal line items and quotes."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from twofold.core.inputs import InputModel

MAX_LINE_ITEMS = 200
Percent = str | int | float


class LineItemIn(InputModel):
    """A product on a deal; the unit price comes from the deal's price book unless given."""

    product_id: int
    quantity: str | int = Field(default="1", examples=["3"])
    unit_price: str | None = Field(
        default=None, examples=["45.00"], description="overrides the price book's price"
    )
    discount_percent: Percent = Field(default="0", examples=["10"])
    price_book_id: int | None = Field(
        default=None, description="price from this book instead of the deal's own"
    )


class LineItemUpdate(InputModel):
    """A partial update of a line item; ``unit_price: null`` goes back to the list price."""

    quantity: str | int | None = None
    unit_price: str | None = None
    discount_percent: Percent | None = None


class QuoteFields(InputModel):
    """Fields a quote can be written with (all optional for PATCH)."""

    valid_until: date | None = Field(default=None, description="default: today + the setting")
    discount_percent: Percent | None = Field(
        default=None, examples=["5"], description="an overall discount on the lines' subtotal"
    )
    tax_percent: Percent | None = Field(default=None, examples=["21"], description="on the net")
    terms: str | None = Field(default=None, max_length=20_000)


class QuoteCreate(QuoteFields):
    """A quote made from a deal's current line items."""

    deal_id: int


class QuoteUpdate(QuoteFields):
    """A partial update; a change to an approved quote needs approving again."""


class QuoteDecisionIn(InputModel):
    """An optional note with a status change (why an approval was declined...)."""

    note: str | None = Field(default=None, max_length=2000)
