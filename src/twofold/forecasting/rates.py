"""Dated exchange rates into the base currency, and converting amounts with them.

A rate says how many units of the base currency one unit of ``currency`` is worth from
``valid_from`` on; an amount dated ``day`` converts with the latest rate on or before ``day``.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from twofold.auth.permissions import ensure_admin
from twofold.core.enums import RecordType
from twofold.core.errors import Conflict, NotFound, ValidationFailed
from twofold.core.money import SIGNIFICANT_DIGITS, parse_currency
from twofold.forecasting.schemas import ExchangeRateCreate, ExchangeRateUpdate
from twofold.store.changes import ensure_version
from twofold.store.listing import Page, PageRequest, paginate
from twofold.store.models import ExchangeRate, User
from twofold.timeline import kinds
from twofold.timeline.entries import append_to_timelines, field_changes

RATE_DECIMALS = 10
SORTABLE = {"valid_from": ExchangeRate.valid_from, "id": ExchangeRate.id}


def parse_rate(value: object, *, field: str = "rate") -> Decimal:
    """A positive decimal with at most 10 decimals and 15 significant digits."""
    if isinstance(value, float | bool):
        raise ValidationFailed.on(field, 'must be a decimal string such as "1.0825"')
    try:
        rate = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationFailed.on(field, f"{value!r} is not a decimal number") from None
    if not rate.is_finite():
        raise ValidationFailed.on(field, "must be a finite number")
    if rate <= 0:
        raise ValidationFailed.on(field, "must be greater than zero")
    normalised = rate.normalize()
    exponent = normalised.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > RATE_DECIMALS:
        raise ValidationFailed.on(field, f"has at most {RATE_DECIMALS} decimals")
    if len(normalised.as_tuple().digits) > SIGNIFICANT_DIGITS or normalised >= 10**9:
        # SQLite keeps NUMERIC as a double: 15 significant digits round-trip exactly.
        raise ValidationFailed.on(field, "is too large or too precise to store exactly")
    return normalised


def get_exchange_rate(session: Session, rate_id: int) -> ExchangeRate:
    """The exchange rate with this id, or ``NotFound``."""
    rate = session.get(ExchangeRate, rate_id)
    if rate is None:
        raise NotFound(f"no exchange rate {rate_id}")
    return rate


def add_exchange_rate(
    session: Session, *, actor: User, base_currency: str, data: ExchangeRateCreate
) -> ExchangeRate:
    """Record a rate into the base currency from a date on (admins only)."""
    ensure_admin(actor)
    currency = parse_currency(data.currency)
    if currency == base_currency:
        raise ValidationFailed.on("currency", f"{currency} is the base currency (its rate is 1)")
    value = parse_rate(data.rate)
    duplicate = session.scalar(
        select(ExchangeRate.id).where(
            ExchangeRate.base_currency == base_currency,
            ExchangeRate.currency == currency,
            ExchangeRate.valid_from == data.valid_from,
        )
    )
    if duplicate is not None:
        raise Conflict(
            f"{currency} already has a rate from {data.valid_from} (exchange rate {duplicate}); "
            "correct that one instead"
        )
    rate = ExchangeRate(
        base_currency=base_currency, currency=currency, valid_from=data.valid_from, rate=value
    )
    session.add(rate)
    session.flush()
    append_to_timelines(
        session,
        actor=actor,
        records=[(RecordType.EXCHANGE_RATE, rate.id)],
        kind=kinds.CREATED,
        summary=f"1 {currency} = {value} {base_currency} from {data.valid_from}",
    )
    return rate


def update_exchange_rate(
    session: Session,
    *,
    actor: User,
    rate: ExchangeRate,
    data: ExchangeRateUpdate,
    expected_version: int | None = None,
) -> ExchangeRate:
    """Correct a rate (admins only); the timeline keeps the old value."""
    ensure_admin(actor)
    ensure_version(rate, expected_version)
    value = parse_rate(data.rate)
    if value == rate.rate:
        return rate
    changes = field_changes({"rate": rate.rate}, {"rate": value})
    rate.rate = value
    session.flush()
    append_to_timelines(
        session,
        actor=actor,
        records=[(RecordType.EXCHANGE_RATE, rate.id)],
        kind=kinds.UPDATED,
        summary=f"1 {rate.currency} = {value} {rate.base_currency} from {rate.valid_from}",
        changes=changes,
    )
    return rate


def list_exchange_rates(
    session: Session, *, base_currency: str, currency: str | None, page: PageRequest
) -> Page[ExchangeRate]:
    """Rates into the base currency, newest first unless sorted otherwise."""
    query = select(ExchangeRate).where(ExchangeRate.base_currency == base_currency)
    if currency is not None:
        query = query.where(ExchangeRate.currency == parse_currency(currency))
    return paginate(
        session,
        query,
        page=page,
        sortable=SORTABLE,
        default_sort="-valid_from",
        id_column=ExchangeRate.id,
    )


@dataclass
class RateSchedule:
    """The rates that apply to the days of one date range, per currency, oldest first."""

    base_currency: str
    start: date
    end: date
    steps: dict[str, list[tuple[date, Decimal]]] = field(default_factory=dict)

    def rate_on(self, currency: str, day: date) -> Decimal | None:
        """The rate of ``currency`` on ``day`` (in the range), ``None`` when there is none."""
        if currency == self.base_currency:
            return Decimal(1)
        steps = self.steps.get(currency, [])
        position = bisect_right(steps, day, key=lambda step: step[0])
        return steps[position - 1][1] if position else None

    def changing_currencies(self) -> set[str]:
        """Currencies whose rate changes after ``start`` (within the range)."""
        return {
            currency
            for currency, steps in self.steps.items()
            if any(day > self.start for day, _ in steps)
        }

    def change_days(self) -> list[date]:
        """Days after ``start`` on which some currency's rate changes, in order."""
        days = {day for steps in self.steps.values() for day, _ in steps if day > self.start}
        return sorted(days)


def rate_schedule(session: Session, *, base_currency: str, start: date, end: date) -> RateSchedule:
    """Every rate into ``base_currency`` that applies to a day from ``start`` to ``end``."""
    latest_before = (
        select(ExchangeRate.currency, func.max(ExchangeRate.valid_from).label("valid_from"))
        .where(ExchangeRate.base_currency == base_currency, ExchangeRate.valid_from <= start)
        .group_by(ExchangeRate.currency)
        .subquery()
    )
    opening = select(ExchangeRate.currency, ExchangeRate.valid_from, ExchangeRate.rate).join(
        latest_before,
        (ExchangeRate.currency == latest_before.c.currency)
        & (ExchangeRate.valid_from == latest_before.c.valid_from),
    )
    within = select(ExchangeRate.currency, ExchangeRate.valid_from, ExchangeRate.rate).where(
        ExchangeRate.valid_from > start, ExchangeRate.valid_from <= end
    )
    schedule = RateSchedule(base_currency=base_currency, start=start, end=end)
    rows = session.execute(
        opening.where(ExchangeRate.base_currency == base_currency).union_all(
            within.where(ExchangeRate.base_currency == base_currency)
        )
    ).all()
    for currency, valid_from, rate in sorted(rows, key=lambda row: (row[0], row[1])):
        schedule.steps.setdefault(currency, []).append((valid_from, Decimal(rate)))
    return schedule
