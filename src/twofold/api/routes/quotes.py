"""/api/v1/deals/{id}/line-items and /api/v1/quotes: pricing a deal and quoting it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status
from sqlalchemy.orm import Session

from twofold.api.dependencies import ApiUser, AppSettings, DbSession, ExpectedVersion
from twofold.api.routes.support import Paging, set_etag
from twofold.api.schemas.common import ListOut, TimelineEntryOut
from twofold.api.schemas.quotes import LineItemOut, QuoteOut
from twofold.core.enums import QuoteStatus, RecordType
from twofold.core.time import utcnow
from twofold.deals.actions import get_deal
from twofold.products.queries import products_by_id
from twofold.quotes import actions, line_items
from twofold.quotes.pdf import render_quote_pdf
from twofold.quotes.queries import (
    QuoteFilters,
    deal_line_items,
    get_line_item,
    get_quote,
    list_quotes,
    quote_document,
    quote_lines,
)
from twofold.quotes.schemas import (
    LineItemIn,
    LineItemUpdate,
    QuoteCreate,
    QuoteDecisionIn,
    QuoteUpdate,
)
from twofold.store.models import Deal, DealLineItem, Quote
from twofold.timeline.entries import read_timeline

router = APIRouter(tags=["quotes"])


def quote_policy(settings: AppSettings) -> actions.QuotePolicy:
    """The approval threshold and validity the settings give, with today's date."""
    return actions.QuotePolicy.of(settings, today=utcnow().date())


Policy = Annotated[actions.QuotePolicy, Depends(quote_policy)]


def line_items_out(session: Session, deal: Deal, items: list[DealLineItem]) -> list[LineItemOut]:
    """Render a deal's line items with their products."""
    products = products_by_id(session, (item.product_id for item in items))
    return [
        LineItemOut.of(item, product=products[item.product_id], currency=deal.currency)
        for item in items
    ]


def quote_out(session: Session, quote: Quote, response: Response | None = None) -> QuoteOut:
    """Render a quote with its lines (and set its ETag)."""
    if response is not None:
        set_etag(response, quote.version)
    return QuoteOut.of(quote, lines=quote_lines(session, quote.id))


@router.get("/deals/{deal_id}/line-items")
def list_line_items(deal_id: int, session: DbSession) -> list[LineItemOut]:
    """A deal's line items in their order."""
    deal = get_deal(session, deal_id)
    return line_items_out(session, deal, deal_line_items(session, deal.id))


@router.post("/deals/{deal_id}/line-items", status_code=status.HTTP_201_CREATED)
def add_line_item(deal_id: int, data: LineItemIn, session: DbSession, user: ApiUser) -> LineItemOut:
    """Add a product; the unit price comes from the deal's price book unless given, and the
    deal's amount becomes the sum of its line totals."""
    deal = get_deal(session, deal_id)
    item = line_items.add_line_item(session, actor=user, deal=deal, data=data)
    return line_items_out(session, deal, [item])[0]


@router.patch("/deals/{deal_id}/line-items/{line_item_id}")
def update_line_item(
    deal_id: int, line_item_id: int, data: LineItemUpdate, session: DbSession, user: ApiUser
) -> LineItemOut:
    """Change a line's quantity, unit price (``null``: the list price) or discount."""
    deal = get_deal(session, deal_id)
    item = get_line_item(session, deal.id, line_item_id)
    line_items.update_line_item(session, actor=user, deal=deal, item=item, data=data)
    return line_items_out(session, deal, [item])[0]


@router.delete("/deals/{deal_id}/line-items/{line_item_id}", status_code=204)
def remove_line_item(deal_id: int, line_item_id: int, session: DbSession, user: ApiUser) -> None:
    """Take a line off the deal."""
    deal = get_deal(session, deal_id)
    item = get_line_item(session, deal.id, line_item_id)
    line_items.remove_line_item(session, actor=user, deal=deal, item=item)


@router.get("/quotes")
def list_(
    session: DbSession,
    paging: Paging,
    deal_id: int | None = None,
    status: QuoteStatus | None = None,
) -> ListOut[QuoteOut]:
    """Quotes, newest first unless ``sort`` is given."""
    filters = QuoteFilters(deal_id=deal_id, status=status.value if status else None)
    page = list_quotes(session, filters=filters, page=paging)
    return ListOut(
        items=[quote_out(session, quote) for quote in page.items], next_cursor=page.next_cursor
    )


@router.post("/quotes", status_code=status.HTTP_201_CREATED)
def create(
    data: QuoteCreate, session: DbSession, user: ApiUser, policy: Policy, response: Response
) -> QuoteOut:
    """Make a draft quote from the deal's current line items (copied into the quote)."""
    quote = actions.create_quote(session, actor=user, data=data, policy=policy)
    return quote_out(session, quote, response)


@router.get("/quotes/{quote_id}.pdf", response_class=Response)
def pdf(quote_id: int, session: DbSession) -> Response:
    """The quote as a PDF document."""
    quote = get_quote(session, quote_id)
    content = render_quote_pdf(quote_document(session, quote))
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="quote-{quote.number}.pdf"'},
    )


@router.get("/quotes/{quote_id}")
def read(quote_id: int, session: DbSession, response: Response) -> QuoteOut:
    """One quote; the ``ETag`` header carries its version."""
    return quote_out(session, get_quote(session, quote_id), response)


@router.patch("/quotes/{quote_id}")
def update(
    quote_id: int,
    data: QuoteUpdate,
    session: DbSession,
    user: ApiUser,
    policy: Policy,
    expected_version: ExpectedVersion,
    response: Response,
) -> QuoteOut:
    """Change validity, discount, tax or terms before the quote is sent (back to draft)."""
    quote = get_quote(session, quote_id)
    actions.update_quote(
        session,
        actor=user,
        quote=quote,
        data=data,
        policy=policy,
        expected_version=expected_version,
    )
    return quote_out(session, quote, response)


@router.post("/quotes/{quote_id}/request-approval")
def request_approval(
    quote_id: int, session: DbSession, user: ApiUser, response: Response
) -> QuoteOut:
    """Ask the deal owner's manager to approve the discount."""
    quote = actions.request_approval(session, actor=user, quote=get_quote(session, quote_id))
    return quote_out(session, quote, response)


@router.post("/quotes/{quote_id}/approve")
def approve(quote_id: int, session: DbSession, user: ApiUser, response: Response) -> QuoteOut:
    """Approve the discount (a manager of the deal's owner, or an admin)."""
    quote = actions.approve_quote(session, actor=user, quote=get_quote(session, quote_id))
    return quote_out(session, quote, response)


@router.post("/quotes/{quote_id}/decline-approval")
def decline(
    quote_id: int,
    session: DbSession,
    user: ApiUser,
    response: Response,
    data: QuoteDecisionIn | None = None,
) -> QuoteOut:
    """Send the quote back to draft with a reason, instead of approving it."""
    note = data.note if data else None
    quote = actions.decline_approval(
        session, actor=user, quote=get_quote(session, quote_id), note=note
    )
    return quote_out(session, quote, response)


@router.post("/quotes/{quote_id}/send")
def send(quote_id: int, session: DbSession, user: ApiUser, response: Response) -> QuoteOut:
    """Mark the quote sent; refused (409 ``approval_required``) until a needed approval."""
    quote = actions.send_quote(
        session, actor=user, quote=get_quote(session, quote_id), today=utcnow().date()
    )
    return quote_out(session, quote, response)


@router.post("/quotes/{quote_id}/accept")
def accept(quote_id: int, session: DbSession, user: ApiUser, response: Response) -> QuoteOut:
    """Record that the customer accepted a sent quote (within its validity)."""
    quote = actions.record_decision(
        session,
        actor=user,
        quote=get_quote(session, quote_id),
        accepted=True,
        today=utcnow().date(),
    )
    return quote_out(session, quote, response)


@router.post("/quotes/{quote_id}/reject")
def reject(quote_id: int, session: DbSession, user: ApiUser, response: Response) -> QuoteOut:
    """Record that the customer rejected a sent quote."""
    quote = actions.record_decision(
        session,
        actor=user,
        quote=get_quote(session, quote_id),
        accepted=False,
        today=utcnow().date(),
    )
    return quote_out(session, quote, response)


@router.get("/quotes/{quote_id}/timeline")
def timeline(
    quote_id: int,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before_id: int | None = None,
) -> list[TimelineEntryOut]:
    """The quote's history, newest first."""
    get_quote(session, quote_id)
    entries = read_timeline(
        session, record=(RecordType.QUOTE, quote_id), limit=limit, before_id=before_id
    )
    return [TimelineEntryOut.model_validate(entry) for entry in entries]
