"""Which price book a deal uses and what a product costs in it (decision 0019).

A deal's book: the active book in the deal's currency for its account's tier, else the
active standard book of that currency. A variant without its own price costs what its base
product costs; a bundle without its own price costs the sum of its components' prices.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.core.money import round_money
from twofold.products.queries import bundle_components
from twofold.store.models import Account, Deal, PriceBook, PriceBookEntry, Product


def price_book_for_deal(session: Session, deal: Deal) -> PriceBook | None:
    """The book a deal is priced from, or ``None`` when its currency has no active book."""
    active = select(PriceBook).where(
        PriceBook.currency == deal.currency, PriceBook.is_active.is_(True)
    )
    if deal.account_id is not None:
        tier = session.scalar(select(Account.tier).where(Account.id == deal.account_id))
        if tier is not None:
            book = session.scalar(active.where(PriceBook.tier == tier))
            if book is not None:
                return book
    return session.scalar(active.where(PriceBook.is_standard.is_(True)))


def list_price(session: Session, book: PriceBook, product: Product) -> Decimal | None:
    """The product's unit price in ``book`` (with the variant and bundle rules), or ``None``."""
    own = _entry_price(session, book.id, product.id)
    if own is not None:
        return own
    if product.parent_id is not None:
        return _entry_price(session, book.id, product.parent_id)
    if product.is_bundle:
        components = bundle_components(session, product.id)
        if not components:
            return None
        total = Decimal(0)
        for component, row in components:
            price = list_price(session, book, component)
            if price is None:
                return None
            total += price * row.quantity
        return round_money(total, book.currency)
    return None


def _entry_price(session: Session, book_id: int, product_id: int) -> Decimal | None:
    return session.scalar(
        select(PriceBookEntry.unit_price).where(
            PriceBookEntry.price_book_id == book_id, PriceBookEntry.product_id == product_id
        )
    )
