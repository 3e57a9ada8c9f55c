"""The identity rules: which identifiers count, which wins, how many a person may have."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from twofold.ingest.messages import BLOCKED_IDENTIFIERS

USER_ID: Final = "user_id"
EMAIL: Final = "email"
PHONE: Final = "phone"
ANONYMOUS_ID: Final = "anonymous_id"


@dataclass(frozen=True)
class IdentityRules:
    """Highest priority first; ``limits`` caps how many identifiers of a kind one person has.

    A person has one user id (a second one means a second person), a few emails and phones,
    and many devices. Identifiers over their limit are not attached; for a user id that means
    a new person (and a conflict to review when another identifier was shared).
    """

    priority: tuple[str, ...] = (USER_ID, EMAIL, PHONE, ANONYMOUS_ID)
    limits: dict[str, int] = field(
        default_factory=lambda: {USER_ID: 1, EMAIL: 5, PHONE: 5, ANONYMOUS_ID: 1000}
    )
    blocked: frozenset[str] = BLOCKED_IDENTIFIERS

    def rank(self, kind: str) -> int:
        return self.priority.index(kind)

    def is_known_person(self, identifiers: list[tuple[str, str]]) -> bool:
        """Whether the identifiers name a person (a device id alone is an anonymous visitor)."""
        return any(kind != ANONYMOUS_ID for kind, _ in identifiers)


def email_identifier(value: Any) -> str | None:
    """A normalised email, or None for anything that is not a valid address."""
    if not isinstance(value, str) or value.strip().lower() in BLOCKED_IDENTIFIERS:
        return None
    try:
        checked = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError:
        return None
    return checked.normalized.lower()


def phone_identifier(value: Any) -> str | None:
    """A phone number in E.164, or None when it cannot be read as one."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None
    try:
        number = phonenumbers.parse(str(value), "US")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
