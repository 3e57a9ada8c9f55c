"""The quote arithmetic on hand-computed examples (rounding half away from zero, per line)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from twofold.core.errors import ValidationFailed
from twofold.quotes.approvals import needs_approval
from twofold.quotes.arithmetic import PricedLine, line_total, parse_percent, quote_totals


def priced(quantity: str, list_price: str, unit_price: str, discount: str = "0") -> PricedLine:
    return PricedLine(
        quantity=Decimal(quantity),
        list_price=Decimal(list_price),
        unit_price=Decimal(unit_price),
        discount_percent=Decimal(discount),
    )


def test_line_totals_round_half_up_to_the_currency() -> None:
    # 0.05 x 50 % = 0.025: half away from zero gives 0.03 (banker's rounding would give 0.02)
    assert line_total(priced("1", "0.05", "0.05", "50"), "EUR") == Decimal("0.03")
    # 3 x 49.50 x 0.9 = 133.65
    assert line_total(priced("3", "49.50", "49.50", "10"), "EUR") == Decimal("133.65")
    # yen have no decimals: 999 x 0.6667 = 666.0333 -> 666
    assert line_total(priced("1", "999", "999", "33.33"), "JPY") == Decimal(666)
    # fractional quantities: 1.5 h x 80.00 = 120.00
    assert line_total(priced("1.5", "80", "80"), "USD") == Decimal("120.00")


def test_quote_totals_by_hand() -> None:
    lines = [
        priced("3", "49.50", "49.50", "10"),  # 133.65 (list 148.50)
        priced("1", "1200.00", "1000.00"),  # 1000.00 (list 1200.00)
        priced("1", "1299.00", "1299.00"),  # 1299.00
    ]
    totals = quote_totals(
        lines, currency="EUR", discount_percent=Decimal(5), tax_percent=Decimal(21)
    )
    assert totals.list_total == Decimal("2647.50")
    assert totals.subtotal == Decimal("2432.65")
    assert totals.discount_amount == Decimal("121.63")  # 121.6325
    assert totals.net_total == Decimal("2311.02")
    assert totals.tax_amount == Decimal("485.31")  # 485.3142
    assert totals.total == Decimal("2796.33")
    assert totals.effective_discount_percent == Decimal("12.71")  # 336.48 / 2647.50
    assert not needs_approval(totals.effective_discount_percent, Decimal(20))
    deeper = quote_totals(
        lines, currency="EUR", discount_percent=Decimal(15), tax_percent=Decimal(21)
    )
    assert deeper.discount_amount == Decimal("364.90")  # 364.8975
    assert deeper.net_total == Decimal("2067.75")
    assert deeper.tax_amount == Decimal("434.23")  # 434.2275
    assert deeper.total == Decimal("2501.98")
    assert deeper.effective_discount_percent == Decimal("21.90")  # 579.75 / 2647.50
    assert needs_approval(deeper.effective_discount_percent, Decimal(20))
    assert not needs_approval(Decimal("20.00"), Decimal(20))  # at the threshold: no


def test_no_lines_and_free_lines_have_no_discount() -> None:
    empty = quote_totals([], currency="EUR", discount_percent=Decimal(0), tax_percent=Decimal(0))
    assert (empty.total, empty.effective_discount_percent) == (Decimal(0), Decimal("0.00"))


@pytest.mark.parametrize("value", ["-1", "100.01", "101", "abc", "NaN", "Infinity", "1.234", True])
def test_bad_percentages(value: object) -> None:
    with pytest.raises(ValidationFailed):
        parse_percent(value, field="discount_percent")


def test_good_percentages() -> None:
    assert parse_percent("12.5", field="d") == Decimal("12.50")
    assert parse_percent(100, field="d") == Decimal("100.00")
    assert parse_percent(0, field="d") == Decimal("0.00")
