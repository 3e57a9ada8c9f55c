"""Email addresses (email-validator) and phone numbers (phonenumbers, E.164)."""

from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from twofold.core.errors import FieldProblem, ValidationFailed

DEFAULT_PHONE_REGION = "US"


def normalise_emails(values: list[str], *, field: str = "emails") -> list[str]:
    """Validated, lower-cased, de-duplicated emails; the first stays the primary one."""
    problems: list[FieldProblem] = []
    cleaned: list[str] = []
    for index, value in enumerate(values):
        try:
            checked = validate_email(value.strip(), check_deliverability=False)
        except EmailNotValidError as error:
            problems.append(FieldProblem(f"{field}[{index}]", f"{value!r}: {error}"))
            continue
        cleaned.append(checked.normalized.lower())
    if problems:
        raise ValidationFailed("invalid email address", details=problems)
    return list(dict.fromkeys(cleaned))


def normalise_phones(
    values: list[str], *, region: str | None = None, field: str = "phones"
) -> list[str]:
    """Phone numbers in E.164 (``+31201234567``); numbers without ``+`` use ``region``."""
    problems: list[FieldProblem] = []
    cleaned: list[str] = []
    for index, value in enumerate(values):
        try:
            number = phonenumbers.parse(value, region or DEFAULT_PHONE_REGION)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            problems.append(
                FieldProblem(f"{field}[{index}]", f"{value!r} is not a valid phone number")
            )
            continue
        cleaned.append(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    if problems:
        raise ValidationFailed("invalid phone number", details=problems)
    return list(dict.fromkeys(cleaned))
