"""The verbs that change the catalogue: create and update products, variants and bundles.

Products are never deleted through the API: a product on a quote or a deal stays, and
``is_active=false`` takes it out of the catalogue (decision 0019).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from twofold.auth.permissions import ensure_manager
from twofold.core.enums import RecordType
from twofold.core.errors import Conflict, NotFound, ValidationFailed
from twofold.core.text import search_text
from twofold.core.time import utcnow
from twofold.products.queries import get_product
from twofold.products.schemas import BundleComponentIn, ProductCreate, ProductFields, ProductUpdate
from twofold.store.changes import apply_changes, ensure_version
from twofold.store.models import BundleComponent, Product, User
from twofold.timeline import kinds
from twofold.timeline.entries import append_to_timelines, field_changes

MAX_QUANTITY = Decimal(1_000_000_000)
QUANTITY_PLACES = 4
URL_SCHEMES = ("http://", "https://")
TRACKED_FIELDS = (
    "sku",
    "name",
    "description",
    "category",
    "is_active",
    "unit",
    "url",
    "image_url",
    "parent_id",
    "options",
    "is_bundle",
)


@dataclass(frozen=True)
class ComponentValues:
    """A checked bundle component."""

    product_id: int
    quantity: Decimal


def parse_quantity(value: object, *, field: str) -> Decimal:
    """A positive quantity with at most four decimals (hours and metres are fractional)."""
    if isinstance(value, float | bool):
        raise ValidationFailed.on(field, 'must be a decimal string such as "2" or "1.5"')
    try:
        quantity = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationFailed.on(field, f"{value!r} is not a decimal number") from None
    if not quantity.is_finite() or quantity <= 0:
        raise ValidationFailed.on(field, "must be a number greater than 0")
    exponent = quantity.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > QUANTITY_PLACES:
        raise ValidationFailed.on(field, f"at most {QUANTITY_PLACES} decimals")
    if quantity >= MAX_QUANTITY:
        raise ValidationFailed.on(field, f"must be less than {MAX_QUANTITY:,}")
    return quantity


def create_product(session: Session, *, actor: User, data: ProductCreate) -> Product:
    """Add a product to the catalogue (admins and managers shape the catalogue)."""
    ensure_manager(actor)
    values = _clean_fields(session, data, current=None)
    values["sku"] = _clean_sku(session, data.sku, current=None)
    components = values.pop("components", None)
    product = Product(name=data.name, **values)
    product.is_bundle = components is not None
    product.search_text = _search_text(product)
    session.add(product)
    session.flush()
    if components is not None:
        _store_components(session, product, components)
    append_to_timelines(
        session,
        actor=actor,
        records=[(RecordType.PRODUCT, product.id)],
        kind=kinds.CREATED,
        summary=f"Product {product.sku} {product.name} created",
    )
    return product


def update_product(
    session: Session,
    *,
    actor: User,
    product: Product,
    data: ProductUpdate,
    expected_version: int | None = None,
) -> Product:
    """Apply the fields present; ``components`` replaces a bundle's components."""
    ensure_manager(actor)
    ensure_version(product, expected_version)
    values = _clean_fields(session, data, current=product)
    if "sku" in data.model_fields_set:
        values["sku"] = _clean_sku(session, data.sku or "", current=product)
    if "name" in data.model_fields_set:
        if not data.name:
            raise ValidationFailed.on("name", "must not be empty")
        values["name"] = data.name
    components = values.pop("components", None)
    if components is not None:
        values["is_bundle"] = bool(components)
    before = _snapshot(product)
    apply_changes(product, values)
    changes = field_changes(before, _snapshot(product))
    if components is not None:
        session.execute(delete(BundleComponent).where(BundleComponent.bundle_id == product.id))
        _store_components(session, product, components)
        changes["components"] = {"before": None, "after": len(components)}
    if changes:
        product.search_text = _search_text(product)
        product.updated_at = utcnow()
        session.flush()
        append_to_timelines(
            session,
            actor=actor,
            records=[(RecordType.PRODUCT, product.id)],
            kind=kinds.UPDATED,
            summary=f"{product.sku}: changed {', '.join(sorted(changes))}",
            changes=changes,
        )
    return product


def _snapshot(product: Product) -> dict[str, Any]:
    return {name: getattr(product, name) for name in TRACKED_FIELDS}


def _search_text(product: Product) -> str:
    return search_text(product.sku, product.name, product.category)


def _clean_sku(session: Session, sku: str, *, current: Product | None) -> str:
    cleaned = sku.strip()
    if not cleaned or any(char.isspace() for char in cleaned):
        raise ValidationFailed.on("sku", "must not be empty or contain spaces")
    taken = session.scalar(select(Product.id).where(Product.sku == cleaned))
    if taken is not None and (current is None or taken != current.id):
        raise Conflict(f"SKU {cleaned!r} is taken by product {taken}")
    return cleaned


def _clean_fields(
    session: Session, data: ProductFields, *, current: Product | None
) -> dict[str, Any]:
    values: dict[str, Any] = {
        key: getattr(data, key) for key in data.model_fields_set if key not in {"sku", "name"}
    }
    for key in ("is_active", "unit"):
        if key in values and values[key] is None:
            raise ValidationFailed.on(key, "must not be empty")
    for key in ("description",):
        if key in values and values[key] is None:
            values[key] = ""
    if "options" in values:
        values["options"] = _clean_options(values["options"] or {})
    for key in ("url", "image_url"):
        if values.get(key) and not values[key].lower().startswith(URL_SCHEMES):
            raise ValidationFailed.on(key, "must be an http:// or https:// address")
    if values.get("parent_id") is not None:
        _check_parent(session, values["parent_id"], current)
    if "components" in values and values["components"] is not None:
        values["components"] = _clean_components(session, values["components"], current)
    return values


def _clean_options(options: dict[str, str]) -> dict[str, str]:
    if len(options) > 10:
        raise ValidationFailed.on("options", "at most 10 options")
    cleaned = {}
    for key, value in options.items():
        name = key.strip()
        if not name or len(name) > 50 or len(value) > 100:
            raise ValidationFailed.on(
                f"options.{key}", "names of 1-50 and values of 0-100 characters"
            )
        cleaned[name] = value.strip()
    return cleaned


def _check_parent(session: Session, parent_id: int, current: Product | None) -> None:
    try:
        parent = get_product(session, parent_id)
    except NotFound as error:
        raise ValidationFailed.on("parent_id", error.message) from None
    if current is not None and parent.id == current.id:
        raise ValidationFailed.on("parent_id", "a product cannot be its own variant")
    if parent.parent_id is not None:
        raise ValidationFailed.on("parent_id", f"product {parent_id} is a variant itself")
    if current is not None and session.scalar(
        select(Product.id).where(Product.parent_id == current.id).limit(1)
    ):
        raise ValidationFailed.on("parent_id", "a product with variants cannot become a variant")


def _clean_components(
    session: Session, components: list[BundleComponentIn], current: Product | None
) -> list[ComponentValues]:
    cleaned: dict[int, ComponentValues] = {}
    for index, component in enumerate(components):
        field = f"components[{index}]"
        quantity = parse_quantity(component.quantity, field=f"{field}.quantity")
        product = session.get(Product, component.product_id)
        if product is None:
            raise ValidationFailed.on(f"{field}.product_id", f"no product {component.product_id}")
        if current is not None and product.id == current.id:
            raise ValidationFailed.on(f"{field}.product_id", "a bundle cannot contain itself")
        if product.is_bundle:
            raise ValidationFailed.on(f"{field}.product_id", "bundles cannot contain bundles")
        if product.id in cleaned:
            raise ValidationFailed.on(
                f"{field}.product_id", f"product {product.id} is listed twice"
            )
        cleaned[product.id] = ComponentValues(product_id=product.id, quantity=quantity)
    if (
        current is not None
        and cleaned
        and session.scalar(
            select(BundleComponent.id).where(BundleComponent.component_id == current.id).limit(1)
        )
    ):
        raise ValidationFailed.on("components", "a component of a bundle cannot become a bundle")
    return list(cleaned.values())


def _store_components(
    session: Session, product: Product, components: list[ComponentValues]
) -> None:
    for component in components:
        session.add(
            BundleComponent(
                bundle_id=product.id, component_id=component.product_id, quantity=component.quantity
            )
        )
    session.flush()
