"""Renewal deals: made ``lead days`` before a contract's term ends, once per term.

The ``contract_renewals`` row is written first, under its unique ``(contract_id,
term_end)`` key and inside a savepoint: of two runs at once, the second fails on the key
and skips the contract, so a term never gets two deals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from twofold.auth.permissions import ensure_manager
from twofold.contracts.actions import contract_records
from twofold.core.enums import ContractStatus, StageKind
from twofold.core.errors import NotFound, StageGateFailed
from twofold.core.text import search_text
from twofold.deals.stages import check_stage_gate, deal_records, enter_stage
from twofold.pipelines.actions import default_pipeline, pipeline_stages
from twofold.store.models import Contract, ContractRenewal, Deal, Stage, User
from twofold.timeline import kinds
from twofold.timeline.entries import append_to_timelines

DEFAULT_LEAD_DAYS = 90
RENEWAL_SOURCE = "renewal"


@dataclass(frozen=True)
class RenewalMade:
    """One renewal deal a run created."""

    contract_id: int
    contract_name: str
    deal_id: int
    deal_name: str
    term_end: date
    amount: Decimal
    currency: str


@dataclass
class RenewalRun:
    """What a run did: the deals it made and the contracts it could not renew (and why)."""

    created: list[RenewalMade] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)


def run_renewals(
    session: Session, *, actor: User | None, today: date, default_lead_days: int
) -> RenewalRun:
    """Make the renewal deal of every active contract whose term ends within its lead days
    (from ``today`` on) and has none yet. ``actor`` ``None`` is the scheduler or the CLI."""
    if actor is not None:
        ensure_manager(actor)
    run = RenewalRun()
    due = contracts_due(session, today=today, default_lead_days=default_lead_days)
    if not due:
        return run
    try:
        stage = _first_open_stage(session)
    except NotFound as error:
        run.skipped.extend((contract.id, error.message) for contract in due)
        return run
    for contract in due:
        try:
            with session.begin_nested():
                made = _renew(session, actor=actor, contract=contract, stage=stage)
        except IntegrityError:
            continue  # another run made this term's deal a moment ago
        except StageGateFailed as refused:
            run.skipped.append((contract.id, refused.message))
            continue
        run.created.append(made)
    return run


def lead_days_of(contract: Contract, default_lead_days: int) -> int:
    """How many days before its end the contract's renewal deal is made."""
    return default_lead_days if contract.renewal_lead_days is None else contract.renewal_lead_days


def contracts_due(session: Session, *, today: date, default_lead_days: int) -> list[Contract]:
    """Active contracts whose term ends in ``[today, today + lead days]`` without a renewal."""
    longest = max(
        default_lead_days, session.scalar(select(func.max(Contract.renewal_lead_days))) or 0
    )
    renewed = select(ContractRenewal.id).where(
        ContractRenewal.contract_id == Contract.id, ContractRenewal.term_end == Contract.end_date
    )
    query = (
        select(Contract)
        .where(
            Contract.status == ContractStatus.ACTIVE.value,
            Contract.end_date >= today,
            Contract.end_date <= today + timedelta(days=longest),
            ~renewed.exists(),
        )
        .order_by(Contract.end_date, Contract.id)
    )
    return [
        contract
        for contract in session.scalars(query)
        if contract.end_date - timedelta(days=lead_days_of(contract, default_lead_days)) <= today
    ]


def _first_open_stage(session: Session) -> Stage:
    pipeline = default_pipeline(session)
    for stage in pipeline_stages(session, pipeline.id):
        if stage.kind == StageKind.OPEN:
            return stage
    raise NotFound(f"pipeline {pipeline.name} has no open stage for renewal deals")


def _renew(
    session: Session, *, actor: User | None, contract: Contract, stage: Stage
) -> RenewalMade:
    renewal = ContractRenewal(contract_id=contract.id, term_end=contract.end_date)
    session.add(renewal)
    session.flush()  # takes the term's unique key before anything else is written
    deal = Deal(
        name=f"Renewal: {contract.name}"[:300],
        account_id=contract.account_id,
        person_id=contract.person_id,
        pipeline_id=stage.pipeline_id,
        stage_id=stage.id,
        amount=contract.arr,
        currency=contract.currency,
        expected_close_date=contract.end_date,
        probability=stage.probability,
        forecast_category=stage.forecast_category,
        owner_id=contract.owner_id,
        source=RENEWAL_SOURCE,
        next_step=f"Renew {contract.name} before {contract.end_date.isoformat()}"[:2000],
        competitors=[],
        custom={},
    )
    deal.search_text = search_text(deal.name)
    check_stage_gate(session, deal, stage)
    session.add(deal)
    enter_stage(session, actor=actor, deal=deal, stage=stage)
    renewal.deal_id = deal.id
    append_to_timelines(
        session,
        actor=actor,
        records=[*deal_records(deal), *contract_records(contract)],
        kind=kinds.CREATED,
        summary=f"Renewal deal {deal.name} created for the term ending {contract.end_date}",
    )
    return RenewalMade(
        contract_id=contract.id,
        contract_name=contract.name,
        deal_id=deal.id,
        deal_name=deal.name,
        term_end=contract.end_date,
        amount=contract.arr,
        currency=contract.currency,
    )
