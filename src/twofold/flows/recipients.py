"""Who runs a flow started by a deal or a contract (decision 0018).

A deal: its person (B2C), else its primary stakeholder, else the account's main contact. A
contract: its person, else the primary stakeholder of the deal it was won from, else the
account's main contact. An account's main contact is the current member with the highest
buying role in ``CONTACT_ROLES`` order (ties: the longest-standing membership), else its
longest-standing current member. Nobody found: no run.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.core.enums import BuyingRole
from twofold.store.models import Contract, Deal, DealStakeholder, Membership

CONTACT_ROLES: Final = (
    BuyingRole.DECISION_MAKER,
    BuyingRole.ECONOMIC_BUYER,
    BuyingRole.CHAMPION,
    BuyingRole.EXECUTIVE_SPONSOR,
)


def deal_people(session: Session, deal_ids: Iterable[int]) -> dict[int, int]:
    """``deal id → person id`` for the deals someone can be found for."""
    deals = list(session.scalars(select(Deal).where(Deal.id.in_(sorted(set(deal_ids))))))
    found = {deal.id: deal.person_id for deal in deals if deal.person_id is not None}
    primary = _primary_stakeholders(session, [deal.id for deal in deals if deal.id not in found])
    found.update(primary)
    contacts = account_contacts(
        session, {deal.account_id for deal in deals if deal.id not in found and deal.account_id}
    )
    for deal in deals:
        if deal.id not in found and deal.account_id in contacts:
            found[deal.id] = contacts[deal.account_id]
    return found


def contract_people(session: Session, contracts: Iterable[Contract]) -> dict[int, int]:
    """``contract id → person id`` for the contracts someone can be found for."""
    contracts = list(contracts)
    found = {c.id: c.person_id for c in contracts if c.person_id is not None}
    won = {c.id: c.won_deal_id for c in contracts if c.id not in found and c.won_deal_id}
    primary = _primary_stakeholders(session, won.values())
    for contract_id, deal_id in won.items():
        if deal_id in primary:
            found[contract_id] = primary[deal_id]
    contacts = account_contacts(
        session, {c.account_id for c in contracts if c.id not in found and c.account_id}
    )
    for contract in contracts:
        if contract.id not in found and contract.account_id in contacts:
            found[contract.id] = contacts[contract.account_id]
    return found


def account_contacts(session: Session, account_ids: Iterable[int]) -> dict[int, int]:
    """``account id → its main contact`` (see the module's docstring)."""
    wanted = sorted(set(account_ids))
    if not wanted:
        return {}
    members = session.execute(
        select(Membership.account_id, Membership.person_id, Membership.buying_roles)
        .where(Membership.account_id.in_(wanted), Membership.ended_on.is_(None))
        .order_by(Membership.id)
    ).all()
    best: dict[int, tuple[int, int]] = {}  # account → (rank, person)
    for account_id, person_id, roles in members:
        ranks = [CONTACT_ROLES.index(role) for role in roles or [] if role in CONTACT_ROLES]
        rank = min(ranks, default=len(CONTACT_ROLES))
        if account_id not in best or rank < best[account_id][0]:
            best[account_id] = (rank, person_id)
    return {account: person for account, (_rank, person) in best.items()}


def _primary_stakeholders(session: Session, deal_ids: Iterable[int]) -> dict[int, int]:
    wanted = sorted(set(deal_ids))
    if not wanted:
        return {}
    rows = session.execute(
        select(DealStakeholder.deal_id, DealStakeholder.person_id)
        .where(DealStakeholder.deal_id.in_(wanted), DealStakeholder.is_primary.is_(True))
        .order_by(DealStakeholder.id.desc())
    ).all()
    return {int(deal): int(person) for deal, person in rows}
