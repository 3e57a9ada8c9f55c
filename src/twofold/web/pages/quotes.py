"""The products page, the quote builder on the deal page (HTMX), the printable quote, its PDF.

Every builder action answers with the builder redrawn (a refusal shown inside it, with the
domain error's status), or redirects back to the deal page without JavaScript.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from twofold.api.dependencies import AppSettings
from twofold.core.time import utcnow
from twofold.deals.actions import get_deal
from twofold.products.queries import (
    ProductFilters,
    list_active_products,
    list_products,
    products_by_id,
)
from twofold.quotes import actions, line_items
from twofold.quotes.approvals import may_approve
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
from twofold.quotes.schemas import LineItemIn, QuoteCreate
from twofold.store.listing import PageRequest
from twofold.store.models import Deal, Quote, User
from twofold.web.dependencies import DbSession, SubmittedForm, WebFormUser, WebUser, is_htmx
from twofold.web.forms import FormProblems, schema_input
from twofold.web.pages.shared import RecordId, see_other
from twofold.web.templating import render

router = APIRouter()
LINE_FIELDS = ("product_id", "quantity", "unit_price", "discount_percent")
QUOTE_FIELDS = ("discount_percent", "tax_percent", "valid_until", "terms")
QUOTES_SHOWN = 10
PRODUCTS_SHOWN = 200


@router.get("/products", include_in_schema=False)
def products_page(
    request: Request,
    session: DbSession,
    _user: WebUser,
    search: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """The catalogue: products with their SKU, category, unit and state."""
    page = list_products(
        session,
        filters=ProductFilters(search=search or None),
        page=PageRequest(limit=PRODUCTS_SHOWN),
    )
    parents = products_by_id(session, {p.parent_id for p in page.items if p.parent_id})
    return render(
        request,
        "quotes/products.html",
        {"products": page.items, "parents": parents, "search": search},
    )


def builder_context(session: Session, *, deal: Deal, user: User) -> dict[str, Any]:
    """What the quote builder shows: the deal's lines, the catalogue, the deal's quotes."""
    items = deal_line_items(session, deal.id)
    quotes = list_quotes(
        session, filters=QuoteFilters(deal_id=deal.id), page=PageRequest(limit=QUOTES_SHOWN)
    ).items
    return {
        "deal": deal,
        "line_items": items,
        "line_products": products_by_id(session, (item.product_id for item in items)),
        "catalogue": list_active_products(session),
        "quotes": [(quote, quote_lines(session, quote.id)) for quote in quotes],
        "may_approve": may_approve(session, actor=user, deal=deal),
    }


def _builder(
    request: Request,
    session: Session,
    *,
    deal: Deal,
    user: User,
    problems: FormProblems | None = None,
) -> Response:
    if not is_htmx(request) and not problems:
        return see_other(f"/deals/{deal.id}#quote-builder")
    context = {**builder_context(session, deal=deal, user=user), "builder_problems": problems}
    status = problems.status if problems else 200
    return render(request, "quotes/_builder.html", context, status_code=status)


def _run(
    request: Request, session: Session, *, deal: Deal, user: User, action: Callable[[], object]
) -> Response:
    problems = FormProblems()
    with problems.capture(session):
        action()
    return _builder(request, session, deal=deal, user=user, problems=problems or None)


@router.post("/deals/{deal_id}/line-items", include_in_schema=False)
def add_line(
    request: Request, session: DbSession, user: WebFormUser, form: SubmittedForm, deal_id: RecordId
) -> Response:
    """Add a product to the deal."""
    deal = get_deal(session, deal_id)

    def add() -> None:
        data = LineItemIn.model_validate(schema_input(form, LINE_FIELDS))
        line_items.add_line_item(session, actor=user, deal=deal, data=data)

    return _run(request, session, deal=deal, user=user, action=add)


@router.post("/deals/{deal_id}/line-items/{line_item_id}/remove", include_in_schema=False)
def remove_line(
    request: Request,
    session: DbSession,
    user: WebFormUser,
    deal_id: RecordId,
    line_item_id: RecordId,
) -> Response:
    """Take a line off the deal."""
    deal = get_deal(session, deal_id)
    item = get_line_item(session, deal.id, line_item_id)
    return _run(
        request,
        session,
        deal=deal,
        user=user,
        action=lambda: line_items.remove_line_item(session, actor=user, deal=deal, item=item),
    )


@router.post("/deals/{deal_id}/quotes", include_in_schema=False)
def create_quote(
    request: Request,
    session: DbSession,
    user: WebFormUser,
    form: SubmittedForm,
    settings: AppSettings,
    deal_id: RecordId,
) -> Response:
    """Make a quote from the deal's lines."""
    deal = get_deal(session, deal_id)

    def create() -> None:
        data = QuoteCreate.model_validate({**schema_input(form, QUOTE_FIELDS), "deal_id": deal.id})
        policy = actions.QuotePolicy.of(settings, today=utcnow().date())
        actions.create_quote(session, actor=user, data=data, policy=policy)

    return _run(request, session, deal=deal, user=user, action=create)


@router.post("/quotes/{quote_id}/{verb}", include_in_schema=False)
def quote_action(
    request: Request, session: DbSession, user: WebFormUser, quote_id: RecordId, verb: str
) -> Response:
    """request-approval, approve, decline-approval, send, accept or reject."""
    quote = get_quote(session, quote_id)
    deal = get_deal(session, quote.deal_id)
    today = utcnow().date()
    verbs: dict[str, Callable[[], object]] = {
        "request-approval": lambda: actions.request_approval(session, actor=user, quote=quote),
        "approve": lambda: actions.approve_quote(session, actor=user, quote=quote),
        "decline-approval": lambda: actions.decline_approval(session, actor=user, quote=quote),
        "send": lambda: actions.send_quote(session, actor=user, quote=quote, today=today),
        "accept": lambda: actions.record_decision(
            session, actor=user, quote=quote, accepted=True, today=today
        ),
        "reject": lambda: actions.record_decision(
            session, actor=user, quote=quote, accepted=False, today=today
        ),
    }
    action = verbs.get(verb)
    if action is None:
        problems = FormProblems()
        problems.refuse("form", f"unknown action {verb!r}")
        problems.status = 404
        return _builder(request, session, deal=deal, user=user, problems=problems)
    return _run(request, session, deal=deal, user=user, action=action)


@router.get("/quotes/{quote_id}", include_in_schema=False)
def printable_quote(
    request: Request, session: DbSession, _user: WebUser, quote_id: RecordId
) -> Response:
    """The quote as a printable page."""
    document = quote_document(session, get_quote(session, quote_id))
    return render(request, "quotes/print.html", {"document": document, "quote": document.quote})


@router.get("/quotes/{quote_id}/pdf", include_in_schema=False)
def quote_pdf(session: DbSession, _user: WebUser, quote_id: RecordId) -> Response:
    """The quote as a PDF download."""
    quote: Quote = get_quote(session, quote_id)
    return Response(
        render_quote_pdf(quote_document(session, quote)),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="quote-{quote.number}.pdf"'},
    )
