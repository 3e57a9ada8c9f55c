"""The catalogue rule: what may be recommended, and how a product is shown.

A catalogue maps product keys (SKUs) to what a message shows. When it is not empty, only
its active products are recommended; a product it does not know is out of the catalogue.
When it is empty (no catalogue kept in Twofold), every product seen in orders may be
recommended, shown with the name and price its latest order line gave. The catalogue is the
``products`` table (products/), priced from the standard price book of the base currency.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

import duckdb
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from twofold.store.database import Database
from twofold.store.models import PriceBook, PriceBookEntry, Product

_STAGE: Final = "CREATE OR REPLACE TEMP TABLE catalogue_keys (product_key VARCHAR PRIMARY KEY)"
_ADD: Final = "INSERT INTO catalogue_keys SELECT unnest($keys::VARCHAR[])"


@dataclass(frozen=True)
class CatalogueItem:
    """A product as the catalogue describes it."""

    name: str
    active: bool = True
    url: str | None = None
    image_url: str | None = None
    price: Decimal | None = None
    currency: str | None = None


@dataclass(frozen=True)
class Catalogue:
    """Products by key; empty: no catalogue, so nothing is ruled out by it."""

    items: dict[str, CatalogueItem] = field(default_factory=dict)

    @property
    def restricts(self) -> bool:
        """Whether recommendations are limited to its active products."""
        return bool(self.items)

    def active_keys(self) -> list[str]:
        """The keys that may be recommended."""
        return sorted(key for key, item in self.items.items() if item.active)


def stage_catalogue(cursor: duckdb.DuckDBPyConnection, catalogue: Catalogue) -> None:
    """Fill ``catalogue_keys`` with the active products (empty when it does not restrict)."""
    cursor.execute(_STAGE)
    if catalogue.restricts:
        cursor.execute(_ADD, {"keys": catalogue.active_keys()})


def records_catalogue(session: Session, *, base_currency: str) -> Catalogue:
    """Every product by SKU, with its price in the standard price book of ``base_currency``."""
    standard = (
        select(PriceBookEntry.product_id, PriceBookEntry.unit_price)
        .join(PriceBook, PriceBook.id == PriceBookEntry.price_book_id)
        .where(PriceBook.is_standard, PriceBook.is_active, PriceBook.currency == base_currency)
        .subquery()
    )
    query = select(Product, standard.c.unit_price).outerjoin(
        standard, and_(standard.c.product_id == Product.id)
    )
    items = {}
    for product, price in session.execute(query):
        items[product.sku] = CatalogueItem(
            name=product.name,
            active=product.is_active,
            url=product.url,
            image_url=product.image_url,
            price=None if price is None else Decimal(str(price)),
            currency=None if price is None else base_currency,
        )
    return Catalogue(items)


class CatalogueCache:
    """The records catalogue, read at most once every ``seconds`` (a campaign renders many
    messages; a product switched off shows within that time)."""

    def __init__(self, database: Database, *, base_currency: str, seconds: float = 60) -> None:
        self.database = database
        self.base_currency = base_currency
        self.seconds = seconds
        self._lock = threading.Lock()
        self._read_at: float | None = None
        self._catalogue = Catalogue()

    def __call__(self) -> Catalogue:
        """The catalogue, fresh enough."""
        with self._lock:
            now = time.monotonic()
            if self._read_at is None or now - self._read_at >= self.seconds:
                with self.database.transaction(write=False) as session:
                    self._catalogue = records_catalogue(session, base_currency=self.base_currency)
                self._read_at = now
            return self._catalogue
