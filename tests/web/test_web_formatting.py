"""The money filter's fast path writes exactly what babel writes for en_US."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from babel.numbers import format_currency, list_currencies

from twofold.web.formatting import money


def babel_money(amount: Decimal, currency: str) -> str:
    if amount == amount.to_integral_value():
        whole = format_currency(
            amount, currency, format="¤#,##0", locale="en_US", currency_digits=False
        )
        return str(whole)
    return str(format_currency(amount, currency, locale="en_US"))


@pytest.mark.parametrize("currency", sorted(list_currencies()))
def test_money_matches_babel(currency: str) -> None:
    rng = random.Random(currency)
    amounts = [
        Decimal(rng.randint(-(10**12), 10**12)) / Decimal(10 ** rng.randint(0, 4))
        for _ in range(50)
    ]
    amounts += [Decimal(text) for text in ("0", "-0", "0.005", "0.015", "999.995", "1234.5")]
    for amount in amounts:
        assert money(amount, currency) == babel_money(amount, currency), amount


def test_common_currencies() -> None:
    assert money(Decimal("48000.50"), "USD") == "$48,000.50"
    assert money(Decimal("48000"), "EUR") == "€48,000"
    assert money(Decimal("-1234.5"), "GBP") == "-£1,234.50"
    assert money(Decimal("1000000"), "JPY") == "¥1,000,000"
    assert money(Decimal("12.5"), "CHF") == "CHF12.50"  # babel's own path
    assert money(None, "USD") == "—"
