"""What the records say about contract terms: which past terms were renewed, in which
segment, and how ARR moved across renewals and amendments.

A term *reached its end* when its end date is before today. It was **renewed** when another
non-draft contract of the same account starts within the grace days of its end (a renewal
written as a new contract), when its renewal deal was won, or when the contract was
extended past it (its ``contract_renewals`` row names an earlier term end). It was **not
renewed** when its renewal deal was lost or the grace days passed with none of these. Terms
still inside their grace days with no outcome are left out.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.analytics.scope import SIZE_BANDS, UNKNOWN_SIZE
from twofold.core.enums import ContractStatus, RecordType
from twofold.core.time import as_utc
from twofold.store.models import Account, Contract, ContractRenewal, Deal, Stage, TimelineEntry
from twofold.timeline import kinds

NOT_SET = "not set"


@dataclass(frozen=True)
class ContractTerm:
    """A non-draft contract on an account, as the model reads it."""

    id: int
    account_id: int
    name: str
    status: str
    start_date: date
    end_date: date
    arr: Decimal
    currency: str
    auto_renew: bool
    billing_period: str


@dataclass(frozen=True)
class AccountContracts:
    """An account's contracts, its renewal deals by term and the fields segments use."""

    contracts: list[ContractTerm]
    traits: dict[str, str]
    # (contract id, term end) -> (kind of the renewal deal's stage, its stage name)
    renewal_deals: dict[tuple[int, date], tuple[str, str]]


def size_band(employees: int | None) -> str:
    """The size band label of an employee count (as analytics/scope.py bands them)."""
    if employees is None:
        return UNKNOWN_SIZE
    for label, _low, high in SIZE_BANDS:
        if high is not None and employees <= high:
            return label
    return SIZE_BANDS[-1][0]


def load_account_contracts(
    session: Session, *, account_ids: list[int] | None
) -> dict[int, AccountContracts]:
    """Contracts, renewal deals and segment fields of ``account_ids`` (every account with a
    contract when ``None``): three queries."""
    query = select(Contract).where(
        Contract.account_id.is_not(None), Contract.status != ContractStatus.DRAFT.value
    )
    if account_ids is not None:
        query = query.where(Contract.account_id.in_(account_ids))
    by_account: dict[int, list[ContractTerm]] = defaultdict(list)
    for contract in session.scalars(query.order_by(Contract.start_date, Contract.id)):
        assert contract.account_id is not None
        by_account[contract.account_id].append(_term(contract))
    deals = _renewal_deals(session, account_ids)
    traits = _traits(session, list(by_account))
    return {
        account_id: AccountContracts(
            contracts=contracts,
            traits=traits.get(account_id, {}),
            renewal_deals={
                key: value
                for contract in contracts
                for key, value in deals.get(contract.id, {}).items()
            },
        )
        for account_id, contracts in by_account.items()
    }


def _term(contract: Contract) -> ContractTerm:
    assert contract.account_id is not None
    return ContractTerm(
        id=contract.id,
        account_id=contract.account_id,
        name=contract.name,
        status=contract.status,
        start_date=contract.start_date,
        end_date=contract.end_date,
        arr=Decimal(str(contract.arr)),
        currency=contract.currency,
        auto_renew=contract.auto_renew,
        billing_period=contract.billing_period,
    )


def _renewal_deals(
    session: Session, account_ids: list[int] | None
) -> dict[int, dict[tuple[int, date], tuple[str, str]]]:
    query = (
        select(ContractRenewal.contract_id, ContractRenewal.term_end, Stage.kind, Stage.name)
        .join(Contract, Contract.id == ContractRenewal.contract_id)
        .outerjoin(Deal, Deal.id == ContractRenewal.deal_id)
        .outerjoin(Stage, Stage.id == Deal.stage_id)
        .where(Contract.account_id.is_not(None))
    )
    if account_ids is not None:
        query = query.where(Contract.account_id.in_(account_ids))
    deals: dict[int, dict[tuple[int, date], tuple[str, str]]] = defaultdict(dict)
    for contract_id, term_end, kind, stage_name in session.execute(query):
        # A deleted renewal deal leaves the row: the term was up for renewal, outcome unknown.
        deals[contract_id][(contract_id, term_end)] = (kind or "", stage_name or "")
    return deals


def _traits(session: Session, account_ids: list[int]) -> dict[int, dict[str, str]]:
    traits: dict[int, dict[str, str]] = {}
    query = select(Account.id, Account.tier, Account.industry, Account.employees, Account.region)
    for start in range(0, len(account_ids), 5000):
        chunk = account_ids[start : start + 5000]
        for account_id, tier, industry, employees, region in session.execute(
            query.where(Account.id.in_(chunk))
        ):
            traits[account_id] = {
                "tier": (tier or NOT_SET).lower(),
                "industry": industry or NOT_SET,
                "size_band": size_band(employees),
                "region": region or NOT_SET,
            }
    return traits


def segment_of(
    fields: tuple[str, ...], traits: dict[str, str], contract: ContractTerm
) -> tuple[str, ...]:
    """The values of the segment ``fields`` for a term of ``contract``."""
    values = {
        **traits,
        "auto_renew": "auto-renew" if contract.auto_renew else "no auto-renew",
        "billing_period": contract.billing_period,
    }
    return tuple(values.get(name, NOT_SET) for name in fields)


@dataclass(frozen=True)
class TermOutcome:
    """How a past term ended: renewed or not, and how (for the expansion history)."""

    contract: ContractTerm
    term_end: date
    renewed: bool
    how: str  # "new contract", "renewal deal won", "extended", "renewal deal lost", "lapsed"
    successors: tuple[ContractTerm, ...] = ()


def successors_of(
    contract: ContractTerm, siblings: list[ContractTerm], grace_days: int
) -> tuple[ContractTerm, ...]:
    """Contracts of the same account that start within the grace days of ``contract``'s end
    (before or after it) and run on past it."""
    grace = timedelta(days=grace_days)
    return tuple(
        other
        for other in siblings
        if other.id != contract.id
        and other.start_date > contract.start_date
        and other.end_date > contract.end_date
        and contract.end_date - grace <= other.start_date <= contract.end_date + grace
    )


def past_terms(account: AccountContracts, *, today: date, grace_days: int) -> list[TermOutcome]:
    """The account's terms that reached their end and have an outcome."""
    outcomes = []
    for contract in account.contracts:
        for contract_id, term_end in account.renewal_deals:
            # An earlier term of a contract extended since: renewed by the extension.
            if contract_id == contract.id and term_end < contract.end_date and term_end < today:
                outcomes.append(TermOutcome(contract, term_end, renewed=True, how="extended"))
        if contract.end_date >= today:
            continue
        outcome = _outcome(account, contract, today=today, grace_days=grace_days)
        if outcome is not None:
            outcomes.append(outcome)
    return outcomes


def _outcome(
    account: AccountContracts, contract: ContractTerm, *, today: date, grace_days: int
) -> TermOutcome | None:
    successors = successors_of(contract, account.contracts, grace_days)
    if successors:
        return TermOutcome(
            contract, contract.end_date, renewed=True, how="new contract", successors=successors
        )
    kind, _stage = account.renewal_deals.get((contract.id, contract.end_date), ("", ""))
    if kind == "won":
        return TermOutcome(contract, contract.end_date, renewed=True, how="renewal deal won")
    if kind == "lost":
        return TermOutcome(contract, contract.end_date, renewed=False, how="renewal deal lost")
    if contract.end_date + timedelta(days=grace_days) < today:
        return TermOutcome(contract, contract.end_date, renewed=False, how="lapsed")
    return None


def expansion_history(
    session: Session, account: AccountContracts, outcomes: list[TermOutcome]
) -> list[dict[str, Any]]:
    """ARR changes across renewals (a new contract for a term) and amendments (a changed
    ARR on a contract, from its timeline), oldest first."""
    events: list[dict[str, Any]] = []
    for outcome in outcomes:
        if outcome.how == "new contract":
            events.append(_renewal_event(outcome))
        elif outcome.renewed:
            events.append(
                _event(
                    outcome.term_end,
                    "renewal",
                    outcome.contract,
                    arr=(None, None),
                    note=outcome.how,
                )
            )
        else:
            events.append(
                _event(
                    outcome.term_end,
                    "churn",
                    outcome.contract,
                    arr=(outcome.contract.arr, Decimal(0)),
                    note=outcome.how,
                )
            )
    events.extend(_amendments(session, account.contracts))
    events.sort(key=lambda event: (event["date"], event["contract_id"]))
    return events


def _renewal_event(outcome: TermOutcome) -> dict[str, Any]:
    same_currency = [s for s in outcome.successors if s.currency == outcome.contract.currency]
    after = sum((s.arr for s in same_currency), Decimal(0)) if same_currency else None
    names = ", ".join(s.name for s in outcome.successors)
    return _event(
        outcome.term_end,
        "renewal",
        outcome.contract,
        arr=(outcome.contract.arr, after),
        note=f"renewed as {names}",
    )


def _event(
    day: date,
    kind: str,
    contract: ContractTerm,
    *,
    arr: tuple[Decimal | None, Decimal | None],
    note: str,
) -> dict[str, Any]:
    before, after = arr
    change = None if before is None or after is None else after - before
    return {
        "date": day.isoformat(),
        "kind": kind,
        "contract_id": contract.id,
        "contract": contract.name,
        "arr_before": None if before is None else str(before),
        "arr_after": None if after is None else str(after),
        "change": None if change is None else str(change),
        "currency": contract.currency,
        "note": note,
    }


def _amendments(session: Session, contracts: list[ContractTerm]) -> list[dict[str, Any]]:
    by_id = {contract.id: contract for contract in contracts}
    if not by_id:
        return []
    query = select(TimelineEntry).where(
        TimelineEntry.record_type == RecordType.CONTRACT.value,
        TimelineEntry.record_id.in_(list(by_id)),
        TimelineEntry.kind == kinds.UPDATED,
    )
    events = []
    for entry in session.scalars(query.order_by(TimelineEntry.id)):
        change = (entry.changes or {}).get("arr")
        if not isinstance(change, dict) or change.get("before") is None:
            continue
        contract = by_id[entry.record_id]
        before, after = Decimal(str(change["before"])), Decimal(str(change.get("after") or 0))
        kind = "upsell" if after > before else "downsell"
        events.append(
            _event(as_utc(entry.at).date(), kind, contract, arr=(before, after), note="ARR amended")
        )
    return events
