"""The renewal outlook of one contract's current term: a probability and its reasons (pure).

The probability is the learned rate of the contract's segment unless the term's outcome is
already known: a renewal already written as a contract, or a renewal deal won (1) or lost
(0). The other reasons say what a rep would check: the days left, auto-renew, the renewal
deal, the ARR change at the last renewal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from twofold.account_value.estimator import RenewalRates, explain
from twofold.account_value.history import AccountContracts, ContractTerm, segment_of, successors_of

HIGH_RISK_BELOW = 0.5
MEDIUM_RISK_BELOW = 0.75


@dataclass(frozen=True)
class RenewalOutlook:
    """How likely the current term is to renew, why, and whether that was learned."""

    probability: float
    learned: bool
    reasons: list[str]


def risk_level(probability: float) -> str:
    """``high`` below 50 %, ``medium`` below 75 %, else ``low``."""
    if probability < HIGH_RISK_BELOW:
        return "high"
    return "medium" if probability < MEDIUM_RISK_BELOW else "low"


def renewal_outlook(
    contract: ContractTerm,
    account: AccountContracts,
    *,
    rates: RenewalRates,
    today: date,
    grace_days: int,
    expansion: list[dict[str, Any]],
) -> RenewalOutlook:
    """The outlook of ``contract``'s current term (ending ``contract.end_date``)."""
    known = _known_outcome(contract, account, grace_days)
    context = _context(contract, account, today=today, expansion=expansion)
    if known is not None:
        probability, why = known
        return RenewalOutlook(probability, learned=True, reasons=[why, *context])
    chain = rates.chain(segment_of(rates.fields, account.traits, contract))
    learned = rates.learned
    if not learned:
        first = "No contract term has reached its end yet: renewal taken as 50% likely"
    else:
        first = explain(chain[-1], chain[-2] if len(chain) > 1 else None)
    return RenewalOutlook(chain[-1].rate, learned, [first, *context])


def _known_outcome(
    contract: ContractTerm, account: AccountContracts, grace_days: int
) -> tuple[float, str] | None:
    successors = successors_of(contract, account.contracts, grace_days)
    if successors:
        return 1.0, f"Already renewed as {successors[0].name}"
    kind, stage = account.renewal_deals.get((contract.id, contract.end_date), ("", ""))
    if kind == "won":
        return 1.0, f"Renewal deal won ({stage})"
    if kind == "lost":
        return 0.0, f"Renewal deal lost ({stage})"
    return None


def _context(
    contract: ContractTerm,
    account: AccountContracts,
    *,
    today: date,
    expansion: list[dict[str, Any]],
) -> list[str]:
    reasons = []
    days = (contract.end_date - today).days
    kind, stage = account.renewal_deals.get((contract.id, contract.end_date), ("", ""))
    if kind == "open":
        reasons.append(f"Ends in {days} days; renewal deal open in {stage}")
    elif not kind and not contract.auto_renew:
        reasons.append(f"Ends in {days} days with no renewal deal yet")
    else:
        reasons.append(f"Ends in {days} days")
    if contract.auto_renew:
        reasons.append("Renews automatically unless cancelled")
    last = _last_change(expansion)
    if last is not None:
        reasons.append(last)
    return reasons


def _last_change(expansion: list[dict[str, Any]]) -> str | None:
    changes = [
        event for event in expansion if event["change"] is not None and event["kind"] != "churn"
    ]
    if not changes:
        return None
    event = changes[-1]
    before, change = Decimal(event["arr_before"]), Decimal(event["change"])
    if before == 0 or change == 0:
        return f"ARR unchanged at the last {event['kind']} ({event['date']})"
    percent = change * 100 / before
    verb = "grew" if change > 0 else "shrank"
    return f"ARR {verb} {abs(percent):.0f}% at the last {event['kind']} ({event['date']})"
