"""The quote arithmetic, pure and in ``Decimal`` (decision 0019 has the rounding rules).

Every money amount is rounded half away from zero to the currency's decimals once, where it
is first computed: each line total, the overall discount, the tax. Totals are sums of
rounded amounts, so the printed lines always add up to the printed totals.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from twofold.core.errors import ValidationFailed
from twofold.core.money import round_money

HUNDRED = Decimal(100)
PERCENT_PLACES = 2


@dataclass(frozen=True)
class PricedLine:
    """What the arithmetic needs of a line."""

    quantity: Decimal
    list_price: Decimal
    unit_price: Decimal
    discount_percent: Decimal


@dataclass(frozen=True)
class QuoteTotals:
    """A quote's totals: lines → subtotal → overall discount → net → tax → total."""

    list_total: Decimal
    subtotal: Decimal
    discount_amount: Decimal
    net_total: Decimal
    tax_amount: Decimal
    total: Decimal
    effective_discount_percent: Decimal


def parse_percent(value: object, *, field: str) -> Decimal:
    """A percentage from 0 to 100 with at most two decimals (``"12.5"``, ``12``)."""
    if isinstance(value, bool):
        raise ValidationFailed.on(field, "must be a number from 0 to 100")
    try:
        percent = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationFailed.on(field, f"{value!r} is not a number") from None
    if not percent.is_finite():
        raise ValidationFailed.on(field, "must be a finite number")
    if percent < 0:
        raise ValidationFailed.on(field, "must not be negative")
    if percent > HUNDRED:
        raise ValidationFailed.on(field, "must not be over 100 %")
    exponent = percent.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > PERCENT_PLACES:
        raise ValidationFailed.on(field, f"at most {PERCENT_PLACES} decimals")
    return percent.quantize(Decimal(1).scaleb(-PERCENT_PLACES))


def line_total(line: PricedLine, currency: str) -> Decimal:
    """quantity x unit price x (1 - discount), rounded to the currency."""
    return round_money(
        line.quantity * line.unit_price * (HUNDRED - line.discount_percent) / HUNDRED, currency
    )


def quote_totals(
    priced: Iterable[PricedLine],
    *,
    currency: str,
    discount_percent: Decimal,
    tax_percent: Decimal,
) -> QuoteTotals:
    """The totals of priced lines with an overall discount and a tax on the net."""
    lines = list(priced)
    list_total = sum(
        (round_money(line.quantity * line.list_price, currency) for line in lines), Decimal(0)
    )
    subtotal = sum((line_total(line, currency) for line in lines), Decimal(0))
    discount_amount = round_money(subtotal * discount_percent / HUNDRED, currency)
    net_total = subtotal - discount_amount
    tax_amount = round_money(net_total * tax_percent / HUNDRED, currency)
    return QuoteTotals(
        list_total=list_total,
        subtotal=subtotal,
        discount_amount=discount_amount,
        net_total=net_total,
        tax_amount=tax_amount,
        total=net_total + tax_amount,
        effective_discount_percent=effective_discount(list_total, net_total),
    )


def effective_discount(list_total: Decimal, net_total: Decimal) -> Decimal:
    """How far below list prices the net is, in percent (all discounts and overrides)."""
    if list_total <= 0:
        return Decimal("0.00")
    percent = (list_total - net_total) / list_total * HUNDRED
    return percent.quantize(Decimal("0.01"), ROUND_HALF_UP)
