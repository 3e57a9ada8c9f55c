"""Pure building blocks: money parsing, cursors, search normalisation."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from twofold.core.errors import ValidationFailed
from twofold.core.money import format_amount, parse_amount, parse_currency
from twofold.core.text import search_needle, search_text
from twofold.store.listing import decode_cursor, encode_cursor


def test_amounts_respect_the_currency_decimals() -> None:
    assert parse_amount("1250.5", "EUR") == Decimal("1250.50")
    assert parse_amount("1000", "JPY") == Decimal(1000)
    assert parse_amount("1.234", "KWD") == Decimal("1.234")
    assert format_amount(Decimal("3"), "USD") == "3.00"
    assert parse_amount("9999999999999.99", "USD") == Decimal("9999999999999.99")
    for bad in ("1.001", "abc", "-1", "NaN", "1e20", 1.5, "10000000000000"):
        with pytest.raises(ValidationFailed):
            parse_amount(bad, "USD")
    with pytest.raises(ValidationFailed):
        parse_amount("10.5", "JPY")


def test_currencies_are_iso_codes() -> None:
    assert parse_currency(" usd ") == "USD"
    for bad in ("US", "DOLLAR", "ZZZ"):
        with pytest.raises(ValidationFailed):
            parse_currency(bad)


def test_cursors_round_trip_and_reject_tampering() -> None:
    moment = datetime(2026, 11, 22, 10, 30, tzinfo=UTC)
    for value in ("Acme", moment, 42):
        assert decode_cursor(encode_cursor(value, 7, sort="-name")) == ("-name", value, 7)
    for bad in ("!!!", "bm90IGpzb24", encode_cursor("x", 1, sort="name")[:-3]):
        with pytest.raises(ValidationFailed):
            decode_cursor(bad)


def test_search_is_case_and_accent_insensitive_and_escapes_wildcards() -> None:
    assert search_text("Société", "GÉNÉRALE.fr") == "societe generale.fr"
    assert search_needle("50%_off") == "50\\%\\_off"
