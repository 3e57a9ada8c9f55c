"""Parsing one CSV cell into a field's value; a bad cell raises ``CellProblem``."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import TypeVar

from twofold.core.errors import TwofoldError
from twofold.core.money import parse_currency
from twofold.core.places import parse_country, parse_domain
from twofold.persons.contact_points import normalise_email, normalise_phones

LIST_SEPARATOR = re.compile(r"[;|]")
E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")


class CellProblem(Exception):
    """A cell that cannot be read as its field's type."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def text(value: str, *, max_length: int) -> str:
    """Trimmed text of at most ``max_length`` characters."""
    cleaned = value.strip()
    if len(cleaned) > max_length:
        raise CellProblem(f"{cleaned[:40]!r}... is longer than {max_length} characters")
    if "\x00" in cleaned:
        raise CellProblem("contains a NUL character")
    return cleaned


def split_list(value: str) -> list[str]:
    """The items of a cell holding several values separated by ``;`` or ``|``."""
    return [item.strip() for item in LIST_SEPARATOR.split(value) if item.strip()]


def integer(value: str, *, minimum: int = 0, maximum: int = 10_000_000_000) -> int:
    """A whole number in range (thousands separators ``,`` and ``_`` are allowed)."""
    cleaned = value.strip().replace(",", "").replace("_", "")
    if not re.fullmatch(r"[+-]?\d{1,19}", cleaned):
        raise CellProblem(f"{value!r} is not a whole number")
    number = int(cleaned)
    if not minimum <= number <= maximum:
        raise CellProblem(f"{value!r} must be between {minimum} and {maximum}")
    return number


def decimal(value: str) -> Decimal:
    """A non-negative decimal number written with a ``.`` (``12500.50``)."""
    cleaned = value.strip().replace(",", "").replace("_", "")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise CellProblem(f"{value!r} is not a decimal number (write 1234.50)") from None
    if not number.is_finite() or number < 0:
        raise CellProblem(f"{value!r} must be a non-negative number")
    if number >= Decimal("1e16"):
        raise CellProblem(f"{value!r} is too large")
    return number


def iso_date(value: str) -> date:
    """A date written as YYYY-MM-DD."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise CellProblem(f"{value!r} is not a date (write YYYY-MM-DD)") from None


def choice(value: str, enum: type[E]) -> E:
    """One of an enumeration's values (case and spaces forgiven: "Mid market")."""
    cleaned = value.strip().lower().replace(" ", "_").replace("-", "_")
    try:
        return enum(cleaned)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise CellProblem(f"{value!r} is not one of {allowed}") from None


def emails(value: str) -> list[str]:
    """Validated, lower-cased emails (several separated by ``;``)."""
    return _checked(lambda: list(dict.fromkeys(normalise_email(v) for v in split_list(value))))


def phones(value: str, *, region: str | None) -> list[str]:
    """Phone numbers in E.164 (several separated by ``;``)."""
    return _checked(lambda: normalise_phones(split_list(value), region=region))


def domains(value: str) -> list[str]:
    """Bare domain names (a pasted URL or ``www.`` is trimmed)."""
    return _checked(lambda: list(dict.fromkeys(parse_domain(d) for d in split_list(value))))


def country(value: str) -> str:
    """An ISO 3166 country code."""
    return _checked(lambda: parse_country(value))


def currency(value: str) -> str:
    """An ISO 4217 currency code."""
    return _checked(lambda: parse_currency(value))


def _checked(parse: Callable[[], T]) -> T:
    try:
        return parse()
    except TwofoldError as error:
        problems = [detail.message for detail in error.details] or [error.message]
        raise CellProblem("; ".join(problems)) from None
