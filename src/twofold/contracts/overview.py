"""The contracts overview: recently started, ending soon, and needing attention."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.contracts.renewals import lead_days_of
from twofold.core.enums import ContractStatus
from twofold.store.models import Contract, ContractRenewal, Deal

RECENT_DAYS = 30
SOON_DAYS = 90
SHOWN = 50


@dataclass(frozen=True)
class Attention:
    """A contract someone should look at, and why."""

    contract: Contract
    reason: str


@dataclass(frozen=True)
class ContractsOverview:
    """The three lists of the contracts page (each at most ``SHOWN`` long)."""

    recently_started: list[Contract]
    ending_soon: list[Contract]
    needing_attention: list[Attention]


def contracts_overview(
    session: Session, *, today: date, default_lead_days: int
) -> ContractsOverview:
    """Active contracts started in the last 30 days, ending in the next 90, and those whose
    renewal is unplanned or whose status was left active past their end."""
    active = select(Contract).where(Contract.status == ContractStatus.ACTIVE.value)
    recent = active.where(
        Contract.start_date > today - timedelta(days=RECENT_DAYS), Contract.start_date <= today
    ).order_by(Contract.start_date.desc(), Contract.id.desc())
    soon = active.where(
        Contract.end_date >= today, Contract.end_date <= today + timedelta(days=SOON_DAYS)
    ).order_by(Contract.end_date, Contract.id)
    return ContractsOverview(
        recently_started=list(session.scalars(recent.limit(SHOWN))),
        ending_soon=list(session.scalars(soon.limit(SHOWN))),
        needing_attention=needing_attention(
            session, today=today, default_lead_days=default_lead_days
        ),
    )


def needing_attention(session: Session, *, today: date, default_lead_days: int) -> list[Attention]:
    """Active contracts past their end, and those ending within their lead days with no
    renewal deal and no auto-renew, soonest end first."""
    overdue = (
        select(Contract)
        .where(Contract.status == ContractStatus.ACTIVE.value, Contract.end_date < today)
        .order_by(Contract.end_date, Contract.id)
        .limit(SHOWN)
    )
    found = [
        Attention(contract, f"ended on {contract.end_date} but is still active")
        for contract in session.scalars(overdue)
    ]
    renewal_deal = (
        select(ContractRenewal.id)
        .join(Deal, Deal.id == ContractRenewal.deal_id)
        .where(
            ContractRenewal.contract_id == Contract.id,
            ContractRenewal.term_end == Contract.end_date,
        )
        .exists()
    )
    longest = max(
        default_lead_days,
        session.scalar(
            select(Contract.renewal_lead_days)
            .order_by(Contract.renewal_lead_days.desc().nulls_last())
            .limit(1)
        )
        or 0,
    )
    unplanned = (
        select(Contract)
        .where(
            Contract.status == ContractStatus.ACTIVE.value,
            Contract.auto_renew.is_(False),
            Contract.end_date >= today,
            Contract.end_date <= today + timedelta(days=longest),
            ~renewal_deal,
        )
        .order_by(Contract.end_date, Contract.id)
    )
    for contract in session.scalars(unplanned):
        if len(found) >= SHOWN:
            break
        if contract.end_date - timedelta(days=lead_days_of(contract, default_lead_days)) <= today:
            days = (contract.end_date - today).days
            found.append(
                Attention(contract, f"ends in {days} days: no renewal deal, no auto-renew")
            )
    return found
