"""A deal's line items: add, change, remove; the deal's amount follows them (decision 0019)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from twofold.auth.permissions import ensure_can_edit
from twofold.core.enums import RecordType
from twofold.core.errors import NotFound, ValidationFailed
from twofold.core.money import format_amount, parse_amount
from twofold.products.actions import parse_quantity
from twofold.products.price_books import get_price_book
from twofold.products.pricing import list_price, price_book_for_deal
from twofold.products.queries import get_product
from twofold.quotes.arithmetic import PricedLine, line_total, parse_percent
from twofold.quotes.queries import deal_line_items
from twofold.quotes.schemas import LineItemIn, LineItemUpdate
from twofold.store.models import Deal, DealLineItem, PriceBook, Product, User
from twofold.timeline import kinds
from twofold.timeline.entries import append_to_timelines


def add_line_item(session: Session, *, actor: User, deal: Deal, data: LineItemIn) -> DealLineItem:
    """Add a product to a deal, priced from the deal's price book unless a price is given."""
    ensure_can_edit(actor, deal.owner_id, record="deal")
    product = _catalogue_product(session, data.product_id)
    book = _price_book(session, deal, data.price_book_id)
    listed = list_price(session, book, product) if book is not None else None
    unit_price = (
        parse_amount(data.unit_price, deal.currency, field="unit_price")
        if data.unit_price is not None
        else listed
    )
    if unit_price is None:
        where = f"in {book.name}" if book is not None else f"in a {deal.currency} price book"
        raise ValidationFailed.on(
            "unit_price", f"{product.sku} has no price {where}: give a unit_price"
        )
    position = session.scalar(
        select(func.coalesce(func.max(DealLineItem.position), -1) + 1).where(
            DealLineItem.deal_id == deal.id
        )
    )
    item = DealLineItem(
        deal_id=deal.id,
        position=position,
        product_id=product.id,
        price_book_id=book.id if book is not None and listed is not None else None,
        quantity=parse_quantity(data.quantity, field="quantity"),
        list_price=listed if listed is not None else unit_price,
        unit_price=unit_price,
        discount_percent=parse_percent(data.discount_percent, field="discount_percent"),
    )
    item.line_total = line_total(_priced(item), deal.currency)
    session.add(item)
    session.flush()
    _follow_line_items(session, actor=actor, deal=deal, what=f"added {product.sku}")
    return item


def update_line_item(
    session: Session, *, actor: User, deal: Deal, item: DealLineItem, data: LineItemUpdate
) -> DealLineItem:
    """Change a line's quantity, price or discount; ``unit_price: null`` restores the list price."""
    ensure_can_edit(actor, deal.owner_id, record="deal")
    present = data.model_fields_set
    if "quantity" in present:
        item.quantity = parse_quantity(data.quantity, field="quantity")
    if "discount_percent" in present:
        item.discount_percent = parse_percent(data.discount_percent, field="discount_percent")
    if "unit_price" in present:
        item.unit_price = (
            item.list_price
            if data.unit_price is None
            else parse_amount(data.unit_price, deal.currency, field="unit_price")
        )
    item.line_total = line_total(_priced(item), deal.currency)
    session.flush()
    sku = session.scalar(select(Product.sku).where(Product.id == item.product_id))
    _follow_line_items(session, actor=actor, deal=deal, what=f"changed {sku}")
    return item


def remove_line_item(session: Session, *, actor: User, deal: Deal, item: DealLineItem) -> None:
    """Take a line off the deal (quotes made from it keep their copy)."""
    ensure_can_edit(actor, deal.owner_id, record="deal")
    sku = session.scalar(select(Product.sku).where(Product.id == item.product_id))
    session.delete(item)
    session.flush()
    _follow_line_items(session, actor=actor, deal=deal, what=f"removed {sku}")


def _priced(item: DealLineItem) -> PricedLine:
    return PricedLine(
        quantity=item.quantity,
        list_price=item.list_price,
        unit_price=item.unit_price,
        discount_percent=item.discount_percent,
    )


def _catalogue_product(session: Session, product_id: int) -> Product:
    try:
        product = get_product(session, product_id)
    except NotFound as error:
        raise ValidationFailed.on("product_id", error.message) from None
    if not product.is_active:
        raise ValidationFailed.on("product_id", f"{product.sku} is not in the catalogue")
    return product


def _price_book(session: Session, deal: Deal, price_book_id: int | None) -> PriceBook | None:
    if price_book_id is None:
        return price_book_for_deal(session, deal)
    try:
        book = get_price_book(session, price_book_id)
    except NotFound as error:
        raise ValidationFailed.on("price_book_id", error.message) from None
    if book.currency != deal.currency:
        message = f"{book.name} is in {book.currency}, the deal in {deal.currency}"
        raise ValidationFailed.on("price_book_id", message)
    if not book.is_active:
        raise ValidationFailed.on("price_book_id", f"{book.name} is not active")
    return book


def _follow_line_items(session: Session, *, actor: User, deal: Deal, what: str) -> None:
    """The deal's amount becomes the sum of its line totals (while it has lines)."""
    items = deal_line_items(session, deal.id)
    before = deal.amount
    changes = {}
    summary = f"{deal.name}: line items {what}"
    if items:
        amount = sum((item.line_total for item in items), Decimal(0))
        deal.amount = amount
        if before != amount:
            changes["amount"] = {
                "before": None if before is None else format_amount(before, deal.currency),
                "after": format_amount(amount, deal.currency),
            }
            summary += f"; amount {format_amount(amount, deal.currency)} {deal.currency}"
    session.flush()
    append_to_timelines(
        session,
        actor=actor,
        records=[(RecordType.DEAL, deal.id)],
        kind=kinds.LINE_ITEMS_CHANGED,
        summary=summary,
        changes=changes,
    )
