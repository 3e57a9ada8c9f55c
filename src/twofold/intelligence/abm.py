"""ABM status: customer, in pipeline, nurture or cold, with the reason (decision 0015)."""

from __future__ import annotations

from datetime import datetime, timedelta

from twofold.core.enums import AbmStatus
from twofold.core.money import format_amount
from twofold.intelligence.engagement import ENGAGED_WITHIN_DAYS, Engagement
from twofold.intelligence.facts import AccountFacts


def abm_status(
    facts: AccountFacts, engagement: Engagement | None, *, now: datetime
) -> tuple[AbmStatus, str]:
    """The first that holds: an active contract or a deal won in the last year (customer),
    an open deal (in pipeline), people engaged or an activity in the last 30 days
    (nurture); otherwise cold."""
    if facts.active_contract is not None:
        name, arr, currency = facts.active_contract
        return (
            AbmStatus.CUSTOMER,
            f"Active contract {name} ({format_amount(arr, currency)} {currency} ARR)",
        )
    if facts.won_deal is not None:
        name, closed_on = facts.won_deal
        return AbmStatus.CUSTOMER, f"Won {name} on {closed_on}"
    if facts.open_deals:
        one = facts.open_deals == 1
        deals = f"Open deal {facts.open_deal_name}" if one else f"{facts.open_deals} open deals"
        return AbmStatus.IN_PIPELINE, deals
    engaged = engagement.people_engaged_recently if engagement is not None else 0
    if engaged:
        people = "person" if engaged == 1 else "people"
        return (
            AbmStatus.NURTURE,
            f"{engaged} {people} engaged in the last {ENGAGED_WITHIN_DAYS} days",
        )
    recent = now - timedelta(days=ENGAGED_WITHIN_DAYS)
    if facts.last_activity_at is not None and facts.last_activity_at >= recent:
        return AbmStatus.NURTURE, f"Activity on {facts.last_activity_at.date()}, no open deal"
    return AbmStatus.COLD, f"No contract, no open deal, no engagement in {ENGAGED_WITHIN_DAYS} days"


def _customer_reason(facts: AccountFacts) -> str | None:
    if facts.active_contract is not None:
        name, arr, currency = facts.active_contract
        return f"Active contract {name} ({format_amount(arr, currency)} {currency} ARR)"
    if facts.won_deal is not None:
        name, closed_on = facts.won_deal
        return f"Won {name} on {closed_on}"
    return None
