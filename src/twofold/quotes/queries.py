"""Reading line items and quotes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.core.errors import NotFound
from twofold.quotes.pdf import QuoteDocument
from twofold.store.listing import Page, PageRequest, paginate
from twofold.store.models import Deal, DealLineItem, Quote, QuoteLine, User

SORTABLE = {
    "created_at": Quote.created_at,
    "updated_at": Quote.updated_at,
    "valid_until": Quote.valid_until,
    "number": Quote.number,
    "id": Quote.id,
}


@dataclass(frozen=True)
class QuoteFilters:
    """Conditions a list of quotes can be narrowed by."""

    deal_id: int | None = None
    status: str | None = None


def get_quote(session: Session, quote_id: int) -> Quote:
    """The quote with this id, or ``NotFound``."""
    quote = session.get(Quote, quote_id)
    if quote is None:
        raise NotFound(f"no quote {quote_id}")
    return quote


def quote_lines(session: Session, quote_id: int) -> list[QuoteLine]:
    """A quote's lines in their order."""
    query = select(QuoteLine).where(QuoteLine.quote_id == quote_id).order_by(QuoteLine.position)
    return list(session.scalars(query))


def deal_line_items(session: Session, deal_id: int) -> list[DealLineItem]:
    """A deal's line items in their order."""
    query = (
        select(DealLineItem).where(DealLineItem.deal_id == deal_id).order_by(DealLineItem.position)
    )
    return list(session.scalars(query))


def get_line_item(session: Session, deal_id: int, line_item_id: int) -> DealLineItem:
    """One line item of a deal, or ``NotFound``."""
    item = session.get(DealLineItem, line_item_id)
    if item is None or item.deal_id != deal_id:
        raise NotFound(f"deal {deal_id} has no line item {line_item_id}")
    return item


def list_quotes(session: Session, *, filters: QuoteFilters, page: PageRequest) -> Page[Quote]:
    """One page of quotes, newest first unless sorted otherwise."""
    query = select(Quote)
    if filters.deal_id is not None:
        query = query.where(Quote.deal_id == filters.deal_id)
    if filters.status is not None:
        query = query.where(Quote.status == filters.status)
    return paginate(
        session, query, page=page, sortable=SORTABLE, default_sort="-created_at", id_column=Quote.id
    )


def quote_document(session: Session, quote: Quote) -> QuoteDocument:
    """What the printable page and the PDF show: the quote, its lines, deal and seller."""
    deal = session.get(Deal, quote.deal_id)
    owner = session.get(User, deal.owner_id) if deal and deal.owner_id else None
    return QuoteDocument(
        quote=quote,
        lines=quote_lines(session, quote.id),
        deal_name=deal.name if deal else "",
        seller=owner.name if owner else "",
    )
