"""The verbs of a quote: make it from a deal, change it, and move it through its statuses.

draft → (pending_approval → approved →) sent → accepted / rejected / expired. A quote whose
discount off list prices is above the threshold cannot be sent until it is approved; any
change to a quote before it is sent puts it back to draft (decision 0019).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from twofold.auth.permissions import ensure_can_edit
from twofold.core.enums import QuoteStatus, RecordType
from twofold.core.errors import Conflict, NotFound, ValidationFailed
from twofold.core.money import format_amount
from twofold.core.settings import Settings
from twofold.core.time import utcnow
from twofold.deals.actions import get_deal
from twofold.products.queries import bundle_components, products_by_id
from twofold.quotes.approvals import ensure_may_approve, needs_approval
from twofold.quotes.arithmetic import PricedLine, parse_percent, quote_totals
from twofold.quotes.queries import deal_line_items, quote_lines
from twofold.quotes.schemas import QuoteCreate, QuoteFields, QuoteUpdate
from twofold.store.changes import ensure_version
from twofold.store.models import Account, Deal, Person, Quote, QuoteLine, User
from twofold.timeline import kinds
from twofold.timeline.entries import RecordRef, append_to_timelines, field_changes

TOTAL_FIELDS = (
    "list_total",
    "subtotal",
    "discount_amount",
    "net_total",
    "tax_amount",
    "total",
    "effective_discount_percent",
)
EDITABLE = frozenset({QuoteStatus.DRAFT, QuoteStatus.PENDING_APPROVAL, QuoteStatus.APPROVED})


class ApprovalRequired(Conflict):
    """A quote whose discount needs approval was sent before it was approved."""

    code = "approval_required"


@dataclass(frozen=True)
class QuotePolicy:
    """The settings a quote is made and checked with."""

    approval_threshold_percent: Decimal
    validity_days: int
    today: date

    @classmethod
    def of(cls, settings: Settings, *, today: date) -> QuotePolicy:
        """The policy the settings give, on ``today``."""
        return cls(
            approval_threshold_percent=settings.quote_approval_discount_percent,
            validity_days=settings.quote_validity_days,
            today=today,
        )


def quote_records(quote: Quote) -> list[RecordRef]:
    """A quote's timeline and its deal's."""
    return [(RecordType.QUOTE, quote.id), (RecordType.DEAL, quote.deal_id)]


def create_quote(session: Session, *, actor: User, data: QuoteCreate, policy: QuotePolicy) -> Quote:
    """Make a draft quote from the deal's current line items (copied into the quote)."""
    try:
        deal = get_deal(session, data.deal_id)
    except NotFound as error:
        raise ValidationFailed.on("deal_id", error.message) from None
    ensure_can_edit(actor, deal.owner_id, record="deal")
    items = deal_line_items(session, deal.id)
    if not items:
        raise ValidationFailed.on("deal_id", f"deal {deal.id} has no line items to quote")
    values = _clean_fields(data, policy=policy)
    revision = (
        session.scalar(
            select(func.coalesce(func.max(Quote.revision), 0)).where(Quote.deal_id == deal.id)
        )
        or 0
    ) + 1
    quote = Quote(
        deal_id=deal.id,
        revision=revision,
        number=f"Q{deal.id:05d}-{revision}",
        status=QuoteStatus.DRAFT.value,
        currency=deal.currency,
        valid_until=values.get("valid_until")
        or policy.today + timedelta(days=policy.validity_days),
        discount_percent=values.get("discount_percent", Decimal(0)),
        tax_percent=values.get("tax_percent", Decimal(0)),
        terms=values.get("terms") or "",
        recipient=_recipient(session, deal),
        created_by_id=actor.id,
        **dict.fromkeys(TOTAL_FIELDS, Decimal(0)),  # computed from the copied lines below
    )
    session.add(quote)
    session.flush()
    _copy_lines(session, quote, items)
    _recompute(session, quote, policy=policy)
    append_to_timelines(
        session,
        actor=actor,
        records=quote_records(quote),
        kind=kinds.QUOTE_CREATED,
        summary=f"Quote {quote.number} created: {_money(quote.total, quote.currency)}"
        + (" (needs approval)" if quote.approval_required else ""),
    )
    return quote


def update_quote(
    session: Session,
    *,
    actor: User,
    quote: Quote,
    data: QuoteUpdate,
    policy: QuotePolicy,
    expected_version: int | None = None,
) -> Quote:
    """Change a quote before it is sent; an approval given or asked for is withdrawn."""
    deal = get_deal(session, quote.deal_id)
    ensure_can_edit(actor, deal.owner_id, record="deal")
    ensure_version(quote, expected_version)
    _ensure_status(quote, EDITABLE, "changed")
    values = _clean_fields(data, policy=policy)
    before = {key: getattr(quote, key) for key in values}
    for key, value in values.items():
        setattr(quote, key, value)
    changes = field_changes(before, values)
    if not changes:
        return quote
    if quote.status != QuoteStatus.DRAFT:
        changes["status"] = {"before": quote.status, "after": QuoteStatus.DRAFT.value}
        quote.status = QuoteStatus.DRAFT.value
        quote.approved_by_id = None
        quote.approved_at = None
    _recompute(session, quote, policy=policy)
    quote.updated_at = utcnow()
    session.flush()
    append_to_timelines(
        session,
        actor=actor,
        records=quote_records(quote),
        kind=kinds.QUOTE_CHANGED,
        summary=f"Quote {quote.number}: changed {', '.join(sorted(changes))}; "
        f"total {_money(quote.total, quote.currency)}",
        changes=changes,
    )
    return quote


def request_approval(session: Session, *, actor: User, quote: Quote) -> Quote:
    """draft → pending_approval, for a quote whose discount needs approval."""
    deal = get_deal(session, quote.deal_id)
    ensure_can_edit(actor, deal.owner_id, record="deal")
    _ensure_status(quote, {QuoteStatus.DRAFT}, "sent for approval")
    if not quote.approval_required:
        raise Conflict(
            f"quote {quote.number} needs no approval: its discount is "
            f"{quote.effective_discount_percent} %"
        )
    return _move(session, actor=actor, quote=quote, to=QuoteStatus.PENDING_APPROVAL)


def approve_quote(session: Session, *, actor: User, quote: Quote) -> Quote:
    """pending_approval → approved, by a manager of the deal's owner or an admin."""
    deal = get_deal(session, quote.deal_id)
    ensure_may_approve(session, actor=actor, deal=deal)
    _ensure_status(quote, {QuoteStatus.PENDING_APPROVAL}, "approved")
    quote.approved_by_id = actor.id
    quote.approved_at = utcnow()
    return _move(session, actor=actor, quote=quote, to=QuoteStatus.APPROVED)


def decline_approval(
    session: Session, *, actor: User, quote: Quote, note: str | None = None
) -> Quote:
    """pending_approval → draft, by whoever could have approved it, with a reason."""
    deal = get_deal(session, quote.deal_id)
    ensure_may_approve(session, actor=actor, deal=deal)
    _ensure_status(quote, {QuoteStatus.PENDING_APPROVAL}, "declined")
    return _move(session, actor=actor, quote=quote, to=QuoteStatus.DRAFT, note=note)


def send_quote(session: Session, *, actor: User, quote: Quote, today: date) -> Quote:
    """→ sent: from draft when no approval is needed, from approved otherwise."""
    deal = get_deal(session, quote.deal_id)
    ensure_can_edit(actor, deal.owner_id, record="deal")
    _ensure_status(quote, EDITABLE, "sent")
    if quote.approval_required and quote.status != QuoteStatus.APPROVED:
        raise ApprovalRequired(
            f"quote {quote.number} has a discount of {quote.effective_discount_percent} % "
            "off list prices: it needs the approval of the deal owner's manager before "
            "it can be sent"
        )
    if quote.valid_until < today:
        raise Conflict(f"quote {quote.number} was valid until {quote.valid_until}: change it")
    quote.sent_at = utcnow()
    return _move(session, actor=actor, quote=quote, to=QuoteStatus.SENT)


def record_decision(
    session: Session, *, actor: User, quote: Quote, accepted: bool, today: date
) -> Quote:
    """sent → accepted or rejected (the customer's answer); past its validity it cannot be
    accepted any more."""
    deal = get_deal(session, quote.deal_id)
    ensure_can_edit(actor, deal.owner_id, record="deal")
    _ensure_status(quote, {QuoteStatus.SENT}, "accepted" if accepted else "rejected")
    if accepted and quote.valid_until < today:
        raise Conflict(f"quote {quote.number} expired on {quote.valid_until}")
    quote.decided_at = utcnow()
    status = QuoteStatus.ACCEPTED if accepted else QuoteStatus.REJECTED
    return _move(session, actor=actor, quote=quote, to=status)


def expire_quotes(session: Session, *, today: date) -> int:
    """Sent quotes whose validity has passed become expired; returns how many."""
    due = list(
        session.scalars(
            select(Quote).where(Quote.status == QuoteStatus.SENT, Quote.valid_until < today)
        )
    )
    for quote in due:
        _move(session, actor=None, quote=quote, to=QuoteStatus.EXPIRED)
    return len(due)


def _move(
    session: Session,
    *,
    actor: User | None,
    quote: Quote,
    to: QuoteStatus,
    note: str | None = None,
) -> Quote:
    before = quote.status
    quote.status = to.value
    quote.updated_at = utcnow()
    session.flush()
    summary = f"Quote {quote.number}: {before.replace('_', ' ')} → {to.value.replace('_', ' ')}"
    append_to_timelines(
        session,
        actor=actor,
        records=quote_records(quote),
        kind=kinds.QUOTE_STATUS_CHANGED,
        summary=summary + (f" ({note})" if note else ""),
        changes={"status": {"before": before, "after": to.value}},
    )
    return quote


def _ensure_status(
    quote: Quote, allowed: set[QuoteStatus] | frozenset[QuoteStatus], verb: str
) -> None:
    if quote.status not in allowed:
        raise Conflict(
            f"quote {quote.number} is {quote.status.replace('_', ' ')}: it cannot be {verb}"
        )


def _clean_fields(data: QuoteFields, *, policy: QuotePolicy) -> dict[str, Any]:
    values: dict[str, Any] = {}
    present = data.model_fields_set - {"deal_id"}
    for key in ("discount_percent", "tax_percent"):
        if key in present:
            values[key] = parse_percent(
                getattr(data, key) if getattr(data, key) is not None else 0, field=key
            )
    if "valid_until" in present:
        if data.valid_until is None:
            raise ValidationFailed.on("valid_until", "must not be empty")
        if data.valid_until < policy.today:
            raise ValidationFailed.on("valid_until", "must not be in the past")
        values["valid_until"] = data.valid_until
    if "terms" in present:
        values["terms"] = data.terms or ""
    return values


def _copy_lines(session: Session, quote: Quote, items: list[Any]) -> None:
    products = products_by_id(session, (item.product_id for item in items))
    for item in items:
        product = products[item.product_id]
        components = (
            [
                {"sku": part.sku, "name": part.name, "quantity": str(row.quantity.normalize())}
                for part, row in bundle_components(session, product.id)
            ]
            if product.is_bundle
            else []
        )
        session.add(
            QuoteLine(
                quote_id=quote.id,
                position=item.position,
                product_id=product.id,
                sku=product.sku,
                name=product.name,
                unit=product.unit,
                quantity=item.quantity,
                list_price=item.list_price,
                unit_price=item.unit_price,
                discount_percent=item.discount_percent,
                line_total=item.line_total,
                components=components,
            )
        )
    session.flush()


def _recompute(session: Session, quote: Quote, *, policy: QuotePolicy) -> None:
    lines = quote_lines(session, quote.id)
    totals = quote_totals(
        (
            PricedLine(
                quantity=line.quantity,
                list_price=line.list_price,
                unit_price=line.unit_price,
                discount_percent=line.discount_percent,
            )
            for line in lines
        ),
        currency=quote.currency,
        discount_percent=quote.discount_percent,
        tax_percent=quote.tax_percent,
    )
    for field in TOTAL_FIELDS:
        setattr(quote, field, getattr(totals, field))
    quote.approval_required = needs_approval(
        totals.effective_discount_percent, policy.approval_threshold_percent
    )


def _recipient(session: Session, deal: Deal) -> dict[str, Any]:
    if deal.account_id is not None:
        account = session.get(Account, deal.account_id)
        if account is not None:
            return {"kind": "account", "id": account.id, "name": account.name}
    if deal.person_id is not None:
        person = session.get(Person, deal.person_id)
        if person is not None:
            name = " ".join(part for part in (person.first_name, person.last_name) if part)
            return {"kind": "person", "id": person.id, "name": name}
    return {}


def _money(amount: Decimal, currency: str) -> str:
    return f"{format_amount(amount, currency)} {currency}"
