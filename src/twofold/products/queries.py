"""Reading the catalogue: one product by id or SKU, the active catalogue, filtered lists.

This is the query API other domains (quotes, recommendations) build on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from twofold.core.errors import NotFound, ValidationFailed
from twofold.core.text import escape_like, search_text
from twofold.store.listing import Page, PageRequest, paginate
from twofold.store.models import BundleComponent, Product

SORTABLE = {
    "name": Product.name,
    "sku": Product.sku,
    "created_at": Product.created_at,
    "updated_at": Product.updated_at,
    "id": Product.id,
}
MAX_SEARCH_LENGTH = 200


@dataclass(frozen=True)
class ProductFilters:
    """Conditions a list of products can be narrowed by."""

    search: str | None = None
    category: str | None = None
    is_active: bool | None = None
    is_bundle: bool | None = None
    parent_id: int | None = None


def get_product(session: Session, product_id: int) -> Product:
    """The product with this id, or ``NotFound``."""
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound(f"no product {product_id}")
    return product


def get_product_by_sku(session: Session, sku: str) -> Product:
    """The product with this SKU (exact, case-sensitive), or ``NotFound``."""
    product = session.scalar(select(Product).where(Product.sku == sku.strip()))
    if product is None:
        raise NotFound(f"no product with SKU {sku!r}")
    return product


def products_by_id(session: Session, product_ids: Iterable[int]) -> dict[int, Product]:
    """The stored products among ``product_ids``, by id."""
    ids = set(product_ids)
    if not ids:
        return {}
    return {
        product.id: product
        for product in session.scalars(select(Product).where(Product.id.in_(ids)))
    }


def list_active_products(session: Session, *, category: str | None = None) -> list[Product]:
    """The catalogue: every active product (variants and bundles included), by name."""
    query = select(Product).where(Product.is_active.is_(True))
    if category is not None:
        query = query.where(Product.category == category)
    return list(session.scalars(query.order_by(Product.name, Product.id)))


def list_products(session: Session, *, filters: ProductFilters, page: PageRequest) -> Page[Product]:
    """One page of products matching ``filters``, by name unless sorted otherwise."""
    return paginate(
        session,
        filtered_products(filters),
        page=page,
        sortable=SORTABLE,
        default_sort="name",
        id_column=Product.id,
    )


def filtered_products(filters: ProductFilters) -> Select[Product]:
    """The query of the products ``filters`` let through."""
    query = select(Product)
    for name in ("category", "is_active", "is_bundle", "parent_id"):
        value = getattr(filters, name)
        if value is not None:
            query = query.where(getattr(Product, name) == value)
    if filters.search:
        if len(filters.search) > MAX_SEARCH_LENGTH:
            raise ValidationFailed.on("search", f"at most {MAX_SEARCH_LENGTH} characters")
        needle = escape_like(search_text(filters.search.strip()))
        query = query.where(Product.search_text.like(f"%{needle}%", escape="\\"))
    return query


def bundle_components(session: Session, bundle_id: int) -> list[tuple[Product, BundleComponent]]:
    """A bundle's components with their rows (quantity), in SKU order."""
    query = (
        select(Product, BundleComponent)
        .join(BundleComponent, BundleComponent.component_id == Product.id)
        .where(BundleComponent.bundle_id == bundle_id)
        .order_by(Product.sku)
    )
    return [(product, row) for product, row in session.execute(query).all()]


def variants_of(session: Session, product_id: int) -> list[Product]:
    """The variants of a base product, by SKU."""
    query = select(Product).where(Product.parent_id == product_id).order_by(Product.sku)
    return list(session.scalars(query))
