"""Marketing spend per channel and month: record, correct, delete, list, and total it in the
base currency for a range of months (admins and marketers write; everyone reads)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.auth.permissions import ensure_can_manage_marketing
from twofold.core.enums import SpendPurpose
from twofold.core.errors import Conflict, NotFound, ValidationFailed
from twofold.core.money import parse_amount, parse_currency
from twofold.economics.schemas import MarketingSpendCreate, MarketingSpendUpdate
from twofold.forecasting.periods import PeriodKind, parse_period
from twofold.orders.base_currency import exchange_rates
from twofold.store.changes import ensure_version
from twofold.store.listing import Page, PageRequest, paginate
from twofold.store.models import MarketingSpend, User

SORTABLE = {"month": MarketingSpend.month, "id": MarketingSpend.id}


def parse_month(text: str, *, field: str = "month") -> date:
    """``2027-03`` as its first day; a quarter or anything else is refused."""
    period = parse_period(text, field=field)
    if period.kind != PeriodKind.MONTH:
        raise ValidationFailed.on(field, f"{text!r} is not a month: use 2027-03")
    return period.start


def _channel(text: str) -> str:
    channel = text.strip()
    if not channel:
        raise ValidationFailed.on("channel", "must not be empty")
    return channel


def get_spend(session: Session, spend_id: int) -> MarketingSpend:
    """The spend entry with this id, or ``NotFound``."""
    spend = session.get(MarketingSpend, spend_id)
    if spend is None:
        raise NotFound(f"no marketing spend {spend_id}")
    return spend


def add_spend(
    session: Session, *, actor: User | None, base_currency: str, data: MarketingSpendCreate
) -> MarketingSpend:
    """Record a channel's spend for a month (one entry per channel, month, currency and
    purpose)."""
    ensure_can_manage_marketing(actor)
    channel = _channel(data.channel)
    month = parse_month(data.month)
    currency = parse_currency(data.currency or base_currency)
    amount = parse_amount(data.amount, currency)
    duplicate = session.scalar(
        select(MarketingSpend.id).where(
            MarketingSpend.channel == channel,
            MarketingSpend.month == month,
            MarketingSpend.currency == currency,
            MarketingSpend.purpose == data.purpose.value,
        )
    )
    if duplicate is not None:
        raise Conflict(
            f"{channel} already has {currency} {data.purpose.value} spend for {data.month} "
            f"(marketing spend {duplicate}); correct that one instead"
        )
    spend = MarketingSpend(
        channel=channel, month=month, amount=amount, currency=currency, note=data.note,
        purpose=data.purpose.value, created_by_id=actor.id if actor else None,
    )  # fmt: skip
    session.add(spend)
    session.flush()
    return spend


def update_spend(
    session: Session,
    *,
    actor: User | None,
    spend: MarketingSpend,
    data: MarketingSpendUpdate,
    expected_version: int | None = None,
) -> MarketingSpend:
    """Correct the amount or the note."""
    ensure_can_manage_marketing(actor)
    ensure_version(spend, expected_version)
    if data.amount is not None:
        spend.amount = parse_amount(data.amount, spend.currency)
    if data.note is not None:
        spend.note = data.note
    session.flush()
    return spend


def delete_spend(
    session: Session,
    *,
    actor: User | None,
    spend: MarketingSpend,
    expected_version: int | None = None,
) -> None:
    """Remove a spend entry."""
    ensure_can_manage_marketing(actor)
    ensure_version(spend, expected_version)
    session.delete(spend)
    session.flush()


def list_spend(session: Session, *, channel: str | None, page: PageRequest) -> Page[MarketingSpend]:
    """Spend entries, newest month first unless sorted otherwise."""
    query = select(MarketingSpend)
    if channel is not None:
        query = query.where(MarketingSpend.channel == channel.strip())
    return paginate(
        session, query, page=page, sortable=SORTABLE, default_sort="-month",
        id_column=MarketingSpend.id,
    )  # fmt: skip


@dataclass(frozen=True)
class SpendTotals:
    """Spend per (purpose, channel, month) in the base currency, and how many entries had
    no rate."""

    amounts: dict[tuple[str, str, date], Decimal]
    without_rate: int

    def total(
        self,
        first_month: date,
        last_month: date,
        channel: str | None = None,
        *,
        purpose: SpendPurpose = SpendPurpose.ACQUISITION,
    ) -> Decimal:
        """Spend for ``purpose`` from ``first_month`` to ``last_month`` (first days), one
        channel or all."""
        return sum(
            (
                amount
                for (spent_for, spent_on, month), amount in self.amounts.items()
                if spent_for == purpose.value
                and first_month <= month <= last_month
                and channel in {None, spent_on}
            ),
            Decimal(0),
        )


def spend_totals(
    session: Session, *, base_currency: str, first_month: date, last_month: date
) -> SpendTotals:
    """Spend of the months from ``first_month`` to ``last_month`` (first days), converted with
    the rate in force on each month's first day."""
    rates = sorted(exchange_rates(session, base_currency=base_currency))
    rows = session.scalars(
        select(MarketingSpend).where(
            MarketingSpend.month >= first_month, MarketingSpend.month <= last_month
        )
    ).all()
    amounts: dict[tuple[str, str, date], Decimal] = {}
    missing = 0
    for row in rows:
        rate = _rate_on(rates, row.currency, row.month, base_currency)
        if rate is None:
            missing += 1
            continue
        key = (row.purpose, row.channel, row.month)
        amounts[key] = amounts.get(key, Decimal(0)) + Decimal(row.amount) * rate
    return SpendTotals(amounts, missing)


def _rate_on(
    rates: list[tuple[str, date, Decimal]], currency: str, day: date, base_currency: str
) -> Decimal | None:
    if currency == base_currency:
        return Decimal(1)
    applicable = [rate for code, start, rate in rates if code == currency and start <= day]
    return applicable[-1] if applicable else None
