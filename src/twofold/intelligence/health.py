"""The health score: 100 minus what each weighted signal takes off, with a reason each.

A signal's weight is the most points it can cost; how much of it is lost follows the
bands below (decision 0015). Signals that cannot be measured cost nothing and say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from twofold.deals.committee import KEY_ROLES
from twofold.intelligence.config import Signal
from twofold.intelligence.engagement import Engagement
from twofold.intelligence.facts import AccountFacts

PERFECT = 100
# (at most this many days ago, share of the weight lost); older or never: all of it.
RECENCY_BANDS = (
    (14, Decimal(0)),
    (30, Decimal("0.25")),
    (60, Decimal("0.5")),
    (90, Decimal("0.75")),
)
USAGE_BANDS = ((14, Decimal(0)), (30, Decimal("0.5")))
SUPPORT_ISSUES_FOR_FULL_WEIGHT = 3


@dataclass(frozen=True)
class Reason:
    """One signal's effect on the score, in words."""

    signal: str
    points: int
    message: str

    def as_dict(self) -> dict[str, object]:
        """The stored and API form."""
        return {"signal": self.signal, "points": self.points, "message": self.message}


@dataclass(frozen=True)
class HealthInputs:
    """What one account's score is computed from."""

    facts: AccountFacts
    engagement: Engagement | None  # None: no event store to ask
    product_usage_tracked: bool


def score_account(
    inputs: HealthInputs, *, weights: dict[Signal, int], now: datetime
) -> tuple[int, list[Reason]]:
    """The score (0-100) and one reason per signal, costliest first."""
    reasons = [
        _activity(inputs.facts, weights[Signal.ACTIVITY], now),
        _engagement(inputs.engagement, weights[Signal.ENGAGEMENT], now),
        _coverage(inputs.facts, weights[Signal.COVERAGE]),
        _champion(inputs.facts, weights[Signal.CHAMPION]),
        _support(inputs.facts, weights[Signal.SUPPORT]),
        _renewal(inputs.facts, weights[Signal.RENEWAL], now.date()),
        _renewal_probability(inputs.facts, weights[Signal.RENEWAL_PROBABILITY]),
        _product_usage(inputs, weights[Signal.PRODUCT_USAGE], now),
    ]
    score = max(0, min(PERFECT, PERFECT + sum(reason.points for reason in reasons)))
    return score, sorted(reasons, key=lambda reason: reason.points)


def points(weight: int, share: Decimal) -> int:
    """The (negative) whole points a signal costs: weight x share, halves rounded up."""
    return -int((weight * share).quantize(Decimal(1), ROUND_HALF_UP))


def _with_points(message: str, lost: int) -> str:
    return f"{message} (\u2212{-lost})" if lost else message  # a minus sign, as printed


def _reason(signal: Signal, lost: int, message: str) -> Reason:
    return Reason(signal.value, lost, _with_points(message, lost))


def _share(days: int, bands: tuple[tuple[int, Decimal], ...]) -> Decimal:
    for limit, share in bands:
        if days <= limit:
            return share
    return Decimal(1)


def _days(now: datetime, moment: datetime) -> int:
    return max(0, (now - moment).days)


def _activity(facts: AccountFacts, weight: int, now: datetime) -> Reason:
    if facts.last_activity_at is None:
        return _reason(Signal.ACTIVITY, points(weight, Decimal(1)), "No activity recorded")
    days = _days(now, facts.last_activity_at)
    lost = points(weight, _share(days, RECENCY_BANDS))
    if lost:
        return _reason(Signal.ACTIVITY, lost, f"No activity in {days} days")
    return _reason(Signal.ACTIVITY, 0, f"Last activity {_ago(days)}")


def _engagement(engagement: Engagement | None, weight: int, now: datetime) -> Reason:
    if engagement is None:
        return _reason(Signal.ENGAGEMENT, 0, "Engagement not measured (no event store)")
    if engagement.last_event_at is None:
        return _reason(
            Signal.ENGAGEMENT, points(weight, Decimal(1)), "No engagement events from its people"
        )
    days = _days(now, engagement.last_event_at)
    lost = points(weight, _share(days, RECENCY_BANDS))
    if lost:
        return _reason(Signal.ENGAGEMENT, lost, f"No engagement in {days} days")
    return _reason(Signal.ENGAGEMENT, 0, f"Its people engaged {_ago(days)}")


def _coverage(facts: AccountFacts, weight: int) -> Reason:
    if not facts.open_deals:
        return _reason(Signal.COVERAGE, 0, "No open deals to cover")
    needed = len(KEY_ROLES) * facts.open_deals
    share = Decimal(needed - facts.covered_key_roles) / needed
    lost = points(weight, share)
    percent = (Decimal(facts.covered_key_roles) * 100 / needed).quantize(Decimal(1), ROUND_HALF_UP)
    deals = "the open deal" if facts.open_deals == 1 else f"{facts.open_deals} open deals"
    return _reason(Signal.COVERAGE, lost, f"Key buying roles {percent}% covered on {deals}")


def _champion(facts: AccountFacts, weight: int) -> Reason:
    if not facts.champions_left:
        return _reason(Signal.CHAMPION, 0, "No champion left in the last year")
    name, ended_on = facts.champions_left[0]
    more = len(facts.champions_left) - 1
    extra = f" (and {more} more)" if more else ""
    return _reason(
        Signal.CHAMPION, points(weight, Decimal(1)), f"Champion {name} left on {ended_on}{extra}"
    )


def _support(facts: AccountFacts, weight: int) -> Reason:
    count = facts.open_support_issues
    if not count:
        return _reason(Signal.SUPPORT, 0, "No open support issues")
    share = Decimal(min(count, SUPPORT_ISSUES_FOR_FULL_WEIGHT)) / SUPPORT_ISSUES_FOR_FULL_WEIGHT
    noun = "issue" if count == 1 else "issues"
    return _reason(Signal.SUPPORT, points(weight, share), f"{count} open support {noun}")


def _renewal(facts: AccountFacts, weight: int, today: date) -> Reason:
    at_risk = [e for e in facts.endings if not e.has_renewal_deal and not e.auto_renew]
    if at_risk:
        first = at_risk[0]
        days = (first.end_date - today).days
        message = f"Contract {first.name} ends in {days} days with no renewal deal"
        return _reason(Signal.RENEWAL, points(weight, Decimal(1)), message)
    if facts.endings:
        return _reason(Signal.RENEWAL, 0, "Contracts ending soon have a renewal deal or auto-renew")
    return _reason(Signal.RENEWAL, 0, "No contract ends soon")


def _renewal_probability(facts: AccountFacts, weight: int) -> Reason:
    """The learned chance that the account's riskiest active contract renews: the share
    lost is the chance it does not (decision 0021)."""
    riskiest = facts.riskiest_renewal
    if riskiest is None:
        return _reason(Signal.RENEWAL_PROBABILITY, 0, "No active contract up for renewal")
    percent = f"{riskiest.probability * 100:.0f}%"
    if not riskiest.learned:
        message = "Renewal probability not learned yet (no contract term has ended)"
        return _reason(Signal.RENEWAL_PROBABILITY, 0, message)
    lost = points(weight, Decimal(1) - Decimal(str(riskiest.probability)))
    message = f"Contract {riskiest.contract_name} is {percent} likely to renew"
    return _reason(Signal.RENEWAL_PROBABILITY, lost, message)


def _product_usage(inputs: HealthInputs, weight: int, now: datetime) -> Reason:
    if inputs.engagement is None or not inputs.product_usage_tracked:
        return _reason(Signal.PRODUCT_USAGE, 0, "Product use not tracked")
    last_use = inputs.engagement.last_product_use_at
    if last_use is None:
        return _reason(Signal.PRODUCT_USAGE, points(weight, Decimal(1)), "No product use recorded")
    days = _days(now, last_use)
    lost = points(weight, _share(days, USAGE_BANDS))
    if lost:
        return _reason(Signal.PRODUCT_USAGE, lost, f"No product use in {days} days")
    return _reason(Signal.PRODUCT_USAGE, 0, f"Product used {_ago(days)}")


def _ago(days: int) -> str:
    return "today" if days == 0 else "yesterday" if days == 1 else f"{days} days ago"
