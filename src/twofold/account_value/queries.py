"""Reading stored account values: one account's (the account page, the API), the latest
fit of the renewal rates, and each account's riskiest renewal (the health score)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from twofold.account_value.outlook import risk_level
from twofold.store.models import AccountValue, Contract, ContractValue, RenewalRateFit


@dataclass(frozen=True)
class ContractOutlookView:
    """A stored contract outlook with the contract's name and ARR."""

    contract_id: int
    name: str
    term_end: date
    arr: Decimal
    currency: str
    renewal_probability: float
    learned: bool
    risk: str
    reasons: list[str]
    expected_value: Decimal


@dataclass(frozen=True)
class AccountValueView:
    """An account's stored value (``computed_at`` ``None``: never computed)."""

    account_id: int
    computed_at: datetime | None
    expected_values: dict[str, str]
    arr: dict[str, str]
    expansion: list[dict[str, Any]]
    contracts: list[ContractOutlookView]

    @property
    def net_expansion(self) -> dict[str, str]:
        """The sum of known ARR changes (renewals and amendments) per currency."""
        totals: dict[str, Decimal] = {}
        for event in self.expansion:
            if event["change"] is not None and event["kind"] != "churn":
                currency = event["currency"]
                totals[currency] = totals.get(currency, Decimal(0)) + Decimal(event["change"])
        return {currency: str(total) for currency, total in sorted(totals.items())}


def stored_account_value(session: Session, *, account_id: int) -> AccountValueView:
    """The account's stored value and its contracts' outlooks, riskiest first."""
    row = session.get(AccountValue, account_id)
    query = (
        select(ContractValue, Contract.name, Contract.arr)
        .join(Contract, Contract.id == ContractValue.contract_id)
        .where(ContractValue.account_id == account_id)
        .order_by(ContractValue.renewal_probability, ContractValue.term_end, Contract.id)
    )
    contracts = [
        ContractOutlookView(
            contract_id=value.contract_id,
            name=name,
            term_end=value.term_end,
            arr=Decimal(str(arr)),
            currency=value.currency,
            renewal_probability=value.renewal_probability,
            learned=value.learned,
            risk=risk_level(value.renewal_probability),
            reasons=list(value.reasons),
            expected_value=Decimal(str(value.expected_value)),
        )
        for value, name, arr in session.execute(query)
    ]
    return AccountValueView(
        account_id=account_id,
        computed_at=row.computed_at if row else None,
        expected_values=dict(row.expected_values) if row else {},
        arr=dict(row.arr) if row else {},
        expansion=list(row.expansion) if row else [],
        contracts=contracts,
    )


def latest_rate_fit(session: Session) -> RenewalRateFit | None:
    """The newest fit of the renewal rates, if any."""
    query = select(RenewalRateFit).order_by(
        RenewalRateFit.computed_at.desc(), RenewalRateFit.id.desc()
    )
    return session.scalars(query.limit(1)).first()


@dataclass(frozen=True)
class RiskiestRenewal:
    """An account's active contract least likely to renew."""

    contract_name: str
    probability: float
    learned: bool
    reason: str


def riskiest_renewals(
    session: Session, *, account_ids: Iterable[int] | None
) -> dict[int, RiskiestRenewal]:
    """Per account, the stored contract outlook with the lowest renewal probability."""
    lowest = select(
        ContractValue.account_id, func.min(ContractValue.renewal_probability).label("lowest")
    ).group_by(ContractValue.account_id)
    if account_ids is not None:
        lowest = lowest.where(ContractValue.account_id.in_(list(account_ids)))
    low = lowest.subquery()
    query = (
        select(ContractValue, Contract.name)
        .join(Contract, Contract.id == ContractValue.contract_id)
        .join(
            low,
            (low.c.account_id == ContractValue.account_id)
            & (low.c.lowest == ContractValue.renewal_probability),
        )
        .order_by(ContractValue.term_end, ContractValue.contract_id)
    )
    found: dict[int, RiskiestRenewal] = {}
    for value, name in session.execute(query):
        reason = value.reasons[0] if value.reasons else ""
        found.setdefault(
            value.account_id,
            RiskiestRenewal(name, value.renewal_probability, value.learned, reason),
        )
    return found
