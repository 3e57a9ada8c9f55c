"""Input shapes of products, bundles and price books."""

from __future__ import annotations

from pydantic import Field

from twofold.core.enums import AccountTier
from twofold.core.inputs import InputModel

MAX_COMPONENTS = 50
MAX_OPTIONS = 10
MAX_PRICES = 1000


class BundleComponentIn(InputModel):
    """A product inside a bundle and how many of it one bundle holds."""

    product_id: int
    quantity: str = Field(default="1", examples=["2"])


class ProductFields(InputModel):
    """Fields a product can be written with (all optional for PATCH)."""

    description: str | None = Field(default=None, max_length=10_000)
    category: str | None = Field(default=None, max_length=100)
    is_active: bool | None = None
    unit: str | None = Field(default=None, min_length=1, max_length=30, examples=["seat"])
    url: str | None = Field(default=None, max_length=2000)
    image_url: str | None = Field(default=None, max_length=2000)
    parent_id: int | None = Field(default=None, description="the base product of a variant")
    options: dict[str, str] | None = Field(
        default=None, description='what makes a variant one: {"size": "L", "colour": "red"}'
    )
    components: list[BundleComponentIn] | None = Field(
        default=None,
        max_length=MAX_COMPONENTS,
        description="a bundle's products; sending a list makes the product a bundle",
    )


class ProductCreate(ProductFields):
    """A new product."""

    sku: str = Field(min_length=1, max_length=64, examples=["ANL-SEAT"])
    name: str = Field(min_length=1, max_length=300, examples=["Analytics seat"])


class ProductUpdate(ProductFields):
    """A partial update; ``components``, when sent, replaces every component."""

    sku: str | None = Field(default=None, min_length=1, max_length=64)
    name: str | None = Field(default=None, min_length=1, max_length=300)


class PriceIn(InputModel):
    """The unit price of one product in a price book (``null`` removes it)."""

    product_id: int
    unit_price: str | None = Field(examples=["49.00"])


class PriceBookFields(InputModel):
    """Fields a price book can be written with (all optional for PATCH)."""

    tier: AccountTier | None = Field(
        default=None, description="the account tier the book is for; none: everyone"
    )
    is_standard: bool | None = Field(
        default=None, description="the book used when no tier book applies (one per currency)"
    )
    is_active: bool | None = None
    description: str | None = Field(default=None, max_length=10_000)


class PriceBookCreate(PriceBookFields):
    """A new price book."""

    name: str = Field(min_length=1, max_length=200, examples=["EUR list"])
    currency: str = Field(examples=["EUR"])
    prices: list[PriceIn] = Field(default_factory=list, max_length=MAX_PRICES)


class PriceBookUpdate(PriceBookFields):
    """A partial update; ``prices`` set (or, with ``null``, remove) the prices they name."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    prices: list[PriceIn] | None = Field(default=None, max_length=MAX_PRICES)
