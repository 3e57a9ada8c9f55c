"""Output shapes of products and price books."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from twofold.api.schemas.common import RecordOut, money
from twofold.products.price_books import price_entries
from twofold.products.queries import bundle_components
from twofold.store.models import PriceBook, Product


class BundleComponentOut(BaseModel):
    """A product inside a bundle."""

    product_id: int
    sku: str
    name: str
    quantity: str


class ProductOut(RecordOut):
    """A product; a variant has ``parent_id`` and ``options``, a bundle its ``components``."""

    sku: str
    name: str
    description: str
    category: str | None
    is_active: bool
    unit: str
    url: str | None
    image_url: str | None
    parent_id: int | None
    options: dict[str, Any]
    is_bundle: bool
    components: list[BundleComponentOut]

    @classmethod
    def of(cls, session: Session, product: Product) -> ProductOut:
        """Render a product with its bundle components."""
        values = {key: getattr(product, key) for key in cls.model_fields if key != "components"}
        components = (
            [
                BundleComponentOut(
                    product_id=component.id,
                    sku=component.sku,
                    name=component.name,
                    quantity=str(row.quantity.normalize()),
                )
                for component, row in bundle_components(session, product.id)
            ]
            if product.is_bundle
            else []
        )
        return cls(**values, components=components)


class PriceOut(BaseModel):
    """A product's unit price in a book."""

    product_id: int
    sku: str
    name: str
    unit_price: str


class PriceBookOut(RecordOut):
    """A price book with its prices."""

    name: str
    currency: str
    tier: str | None
    is_standard: bool
    is_active: bool
    description: str
    prices: list[PriceOut]

    @classmethod
    def of(cls, session: Session, book: PriceBook) -> PriceBookOut:
        """Render a book and its prices (by SKU)."""
        values = {key: getattr(book, key) for key in cls.model_fields if key != "prices"}
        prices = [
            PriceOut(
                product_id=product.id,
                sku=product.sku,
                name=product.name,
                unit_price=money(entry.unit_price, book.currency) or "0",
            )
            for entry, product in price_entries(session, book.id)
        ]
        return cls(**values, prices=prices)
