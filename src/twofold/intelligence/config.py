"""Run-time settings of account intelligence, kept as JSON in ``config_entries``.

Health weights are the most points each signal can take off a perfect 100; the defaults
of decision 0015 add up to 100, the learned renewal probability (decision 0021) adds 10 more
(the score is clamped at 0). Revenue per employee estimates a wallet without a
potential of its own.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from twofold.auth.permissions import ensure_admin
from twofold.core.errors import ValidationFailed
from twofold.core.money import parse_amount
from twofold.store.config_entries import write_config
from twofold.store.models import ConfigEntry, User

HEALTH_WEIGHTS_KEY = "health.weights"
REVENUE_PER_EMPLOYEE_KEY = "wallet.revenue_per_employee"
DEFAULT_REVENUE_PER_EMPLOYEE = Decimal(1000)  # in the base currency, per year
MAX_WEIGHT = 100


class Signal(StrEnum):
    """What the health score looks at."""

    ACTIVITY = "activity_recency"
    ENGAGEMENT = "engagement_recency"
    COVERAGE = "stakeholder_coverage"
    CHAMPION = "champion_left"
    SUPPORT = "open_support_issues"
    RENEWAL = "renewal_risk"
    RENEWAL_PROBABILITY = "renewal_probability"
    PRODUCT_USAGE = "product_usage"


DEFAULT_WEIGHTS: dict[Signal, int] = {
    Signal.ACTIVITY: 20,
    Signal.ENGAGEMENT: 15,
    Signal.COVERAGE: 15,
    Signal.CHAMPION: 15,
    Signal.SUPPORT: 15,
    Signal.RENEWAL: 10,
    Signal.RENEWAL_PROBABILITY: 10,
    Signal.PRODUCT_USAGE: 10,
}


def health_weights(session: Session) -> dict[Signal, int]:
    """The weights in force: the defaults with the stored ones laid over them."""
    entry = session.get(ConfigEntry, HEALTH_WEIGHTS_KEY)
    stored: dict[str, Any] = entry.value if entry is not None else {}
    return {
        signal: int(stored.get(signal.value, weight)) for signal, weight in DEFAULT_WEIGHTS.items()
    }


def set_health_weights(
    session: Session, *, actor: User, weights: dict[str, int]
) -> dict[Signal, int]:
    """Change some weights (admins); unknown signals and weights outside 0-100 are refused."""
    ensure_admin(actor)
    known = {signal.value for signal in Signal}
    for name, weight in weights.items():
        if name not in known:
            raise ValidationFailed.on(name, f"unknown signal (one of {', '.join(sorted(known))})")
        if isinstance(weight, bool) or not isinstance(weight, int) or not 0 <= weight <= MAX_WEIGHT:
            raise ValidationFailed.on(name, f"must be a whole number from 0 to {MAX_WEIGHT}")
    current = {signal.value: weight for signal, weight in health_weights(session).items()}
    write_config(session, HEALTH_WEIGHTS_KEY, {**current, **weights})
    return health_weights(session)


def revenue_per_employee(session: Session) -> Decimal:
    """Yearly revenue an employee of an account is worth, in the base currency."""
    entry = session.get(ConfigEntry, REVENUE_PER_EMPLOYEE_KEY)
    return DEFAULT_REVENUE_PER_EMPLOYEE if entry is None else Decimal(str(entry.value))


def set_revenue_per_employee(
    session: Session, *, actor: User, amount: str, base_currency: str
) -> Decimal:
    """Change the revenue per employee (admins)."""
    ensure_admin(actor)
    value = parse_amount(amount, base_currency)
    write_config(session, REVENUE_PER_EMPLOYEE_KEY, str(value))
    return value
