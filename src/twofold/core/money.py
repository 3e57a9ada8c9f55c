"""Money is a ``Decimal`` with an ISO 4217 currency, never a float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import get_currency_precision, list_currencies

from twofold.core.errors import ValidationFailed

_KNOWN_CURRENCIES = frozenset(list_currencies())
SIGNIFICANT_DIGITS = 15


def parse_currency(code: str, *, field: str = "currency") -> str:
    """Return the upper-case ISO 4217 code, or raise ``ValidationFailed``."""
    normalised = code.strip().upper()
    if normalised not in _KNOWN_CURRENCIES or len(normalised) != 3:
        message = f"unknown currency {code!r} (expected ISO 4217, e.g. EUR)"
        raise ValidationFailed.on(field, message)
    return normalised


def parse_amount(value: object, currency: str, *, field: str = "amount") -> Decimal:
    """Parse a decimal amount; refuse floats, negatives and more decimals than the currency has."""
    if isinstance(value, float | bool):
        raise ValidationFailed.on(field, 'must be a decimal string such as "1250.00"')
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationFailed.on(field, f"{value!r} is not a decimal number") from None
    if not amount.is_finite():
        raise ValidationFailed.on(field, "must be a finite number")
    if amount < 0:
        raise ValidationFailed.on(field, "must not be negative")
    places = get_currency_precision(currency)
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise ValidationFailed.on(field, f"{currency} amounts have at most {places} decimals")
    if amount >= Decimal(10) ** (SIGNIFICANT_DIGITS - places):
        # SQLite keeps NUMERIC as a double: 15 significant digits round-trip exactly.
        limit = Decimal(10) ** (SIGNIFICANT_DIGITS - places)
        raise ValidationFailed.on(field, f"must be less than {limit:,} {currency}")
    return amount.quantize(Decimal(1).scaleb(-places))


def format_amount(amount: Decimal, currency: str) -> str:
    """The API form of an amount: a plain decimal string with the currency's decimals."""
    places = get_currency_precision(currency)
    return str(amount.quantize(Decimal(1).scaleb(-places)))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round to the currency's decimals, halves away from zero (how invoices round)."""
    return amount.quantize(Decimal(1).scaleb(-get_currency_precision(currency)), ROUND_HALF_UP)
