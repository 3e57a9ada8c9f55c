"""Price books: create, change, set prices; one standard book per currency."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from twofold.auth.permissions import ensure_manager
from twofold.core.errors import Conflict, NotFound, ValidationFailed
from twofold.core.money import parse_amount, parse_currency
from twofold.core.time import utcnow
from twofold.products.schemas import PriceBookCreate, PriceBookFields, PriceBookUpdate, PriceIn
from twofold.store.changes import apply_changes, ensure_version
from twofold.store.models import PriceBook, PriceBookEntry, Product, User


def get_price_book(session: Session, price_book_id: int) -> PriceBook:
    """The price book with this id, or ``NotFound``."""
    book = session.get(PriceBook, price_book_id)
    if book is None:
        raise NotFound(f"no price book {price_book_id}")
    return book


def list_price_books(session: Session, *, currency: str | None = None) -> list[PriceBook]:
    """Every price book (a handful), by currency then name."""
    query = select(PriceBook).order_by(PriceBook.currency, PriceBook.name, PriceBook.id)
    if currency is not None:
        query = query.where(PriceBook.currency == parse_currency(currency))
    return list(session.scalars(query))


def price_entries(session: Session, price_book_id: int) -> list[tuple[PriceBookEntry, Product]]:
    """A book's prices with their products, by SKU."""
    query = (
        select(PriceBookEntry, Product)
        .join(Product, Product.id == PriceBookEntry.product_id)
        .where(PriceBookEntry.price_book_id == price_book_id)
        .order_by(Product.sku)
    )
    return [(entry, product) for entry, product in session.execute(query).all()]


def create_price_book(session: Session, *, actor: User, data: PriceBookCreate) -> PriceBook:
    """Add a price book with its prices (admins and managers)."""
    ensure_manager(actor)
    currency = parse_currency(data.currency)
    values = _clean_fields(data)
    book = PriceBook(name=data.name, currency=currency, **values)
    _check_unique(session, book, name=data.name)
    session.add(book)
    session.flush()
    set_prices(session, book, data.prices)
    return book


def update_price_book(
    session: Session,
    *,
    actor: User,
    book: PriceBook,
    data: PriceBookUpdate,
    expected_version: int | None = None,
) -> PriceBook:
    """Change the fields present; ``prices`` set or remove the prices they name."""
    ensure_manager(actor)
    ensure_version(book, expected_version)
    values = _clean_fields(data)
    if "name" in data.model_fields_set:
        if not data.name:
            raise ValidationFailed.on("name", "must not be empty")
        values["name"] = data.name
    apply_changes(book, values)
    if book.is_standard and book.tier is not None:
        raise ValidationFailed.on("tier", "the standard book is for every tier")
    _check_unique(session, book, name=book.name)
    if data.prices is not None:
        set_prices(session, book, data.prices)
    book.updated_at = utcnow()
    session.flush()
    return book


def set_prices(session: Session, book: PriceBook, prices: list[PriceIn]) -> None:
    """Set each named product's unit price in the book (``None`` removes the price)."""
    seen: set[int] = set()
    for index, price in enumerate(prices):
        field = f"prices[{index}]"
        if price.product_id in seen:
            raise ValidationFailed.on(f"{field}.product_id", f"product {price.product_id} twice")
        seen.add(price.product_id)
        if session.get(Product, price.product_id) is None:
            raise ValidationFailed.on(f"{field}.product_id", f"no product {price.product_id}")
        where = (
            PriceBookEntry.price_book_id == book.id,
            PriceBookEntry.product_id == price.product_id,
        )
        if price.unit_price is None:
            session.execute(delete(PriceBookEntry).where(*where))
            continue
        amount = parse_amount(price.unit_price, book.currency, field=f"{field}.unit_price")
        entry = session.scalar(select(PriceBookEntry).where(*where))
        if entry is None:
            session.add(
                PriceBookEntry(
                    price_book_id=book.id, product_id=price.product_id, unit_price=amount
                )
            )
        else:
            entry.unit_price = amount
    session.flush()


def _clean_fields(data: PriceBookFields) -> dict[str, Any]:
    values: dict[str, Any] = {
        key: getattr(data, key)
        for key in data.model_fields_set
        if key not in {"name", "currency", "prices"}
    }
    for key in ("is_standard", "is_active"):
        if key in values and values[key] is None:
            raise ValidationFailed.on(key, "must not be empty")
    if values.get("tier") is not None:
        values["tier"] = values["tier"].value
    if values.get("description") is None and "description" in values:
        values["description"] = ""
    if values.get("is_standard") and values.get("tier") is not None:
        raise ValidationFailed.on("tier", "the standard book is for every tier")
    return values


def _check_unique(session: Session, book: PriceBook, *, name: str) -> None:
    """Refuse a taken name, a second standard book or a second book for a currency's tier."""
    others = select(PriceBook).where(PriceBook.id != book.id) if book.id else select(PriceBook)
    if session.scalar(others.where(PriceBook.name == name).limit(1)) is not None:
        raise Conflict(f"a price book is named {name!r} already")
    same_currency = others.where(PriceBook.currency == book.currency)
    if book.is_standard and session.scalar(
        same_currency.where(PriceBook.is_standard.is_(True)).limit(1)
    ):
        raise Conflict(f"{book.currency} has a standard price book already")
    if book.tier is not None and session.scalar(
        same_currency.where(PriceBook.tier == book.tier).limit(1)
    ):
        raise Conflict(f"{book.currency} has a price book for the {book.tier} tier already")
