"""The catalogue rule: what may be recommended, and how a product is shown.

A catalogue maps product keys (SKUs) to what a message shows. When it is not empty, only
its active products are recommended; a product it does not know is out of the catalogue.
When it is empty (no catalogue kept in Twofold), every product seen in orders may be
recommended, shown with the name and price its latest order line gave.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

import duckdb

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
