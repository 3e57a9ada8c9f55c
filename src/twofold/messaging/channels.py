"""The words of messaging: channels, purposes, consent statuses, suppression reasons."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from twofold.core.errors import ValidationFailed

E = TypeVar("E", bound=StrEnum)


class Channel(StrEnum):
    """How a message reaches a person."""

    EMAIL = "email"
    SMS = "sms"
    PUSH = "push"


class Purpose(StrEnum):
    """Marketing needs consent; transactional (receipts, opt-in confirmations) does not;
    personal (a rep's 1:1 sales email, decision 0023) needs no opt-in but stops at an
    unsubscribe or any suppression."""

    MARKETING = "marketing"
    TRANSACTIONAL = "transactional"
    PERSONAL = "personal"


class ConsentStatus(StrEnum):
    """A person's consent on one channel; ``pending`` waits for a double opt-in."""

    SUBSCRIBED = "subscribed"
    UNSUBSCRIBED = "unsubscribed"
    NEVER_SUBSCRIBED = "never_subscribed"
    PENDING = "pending"


class SuppressionReason(StrEnum):
    """Why an address is suppressed. A hard bounce blocks every message (the address does not
    exist); the other reasons block marketing only."""

    HARD_BOUNCE = "hard_bounce"
    COMPLAINT = "complaint"
    UNSUBSCRIBE = "unsubscribe"
    MANUAL = "manual"


class OnLimit(StrEnum):
    """What a capped or quiet-hours message does: wait for the next allowed time, or go."""

    DELAY = "delay"
    DROP = "drop"


def parse_choice(kind: type[E], value: object, field: str) -> E:
    """``value`` as a member of ``kind``, or a ValidationFailed on ``field`` listing the choices."""
    try:
        return kind(str(value))
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        raise ValidationFailed.on(field, f"must be one of {choices}") from None
