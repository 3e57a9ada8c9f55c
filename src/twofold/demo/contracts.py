"""Contracts for the demo company, from the deals it won.

Each account's latest won deal becomes a one-year contract from the day it closed (ARR = the
deal's amount, one to three product lines), active while its year runs and ended after.
Written with one Core insert per table after the bulk load. Renewal deals and health are
not made here: the server's account jobs make them when ``twofold demo`` starts it (their
timestamps are the real time, which would make two builds from one seed differ).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from twofold.core.enums import BillingPeriod, ContractStatus, StageKind
from twofold.core.text import search_text
from twofold.demo.world import World
from twofold.store.database import Database
from twofold.store.models import Contract, ContractLine, Deal, Stage

PRODUCTS = (
    "Platform licence",
    "Analytics add-on",
    "Premium support",
    "Data connectors",
    "Training package",
    "API access",
)
AUTO_RENEW_SHARE = 0.4
TERM_DAYS = 365


@dataclass(frozen=True)
class ContractPlan:
    """How many contracts and product lines the demo got."""

    contracts: int
    lines: int


def add_contracts(database: Database, world: World) -> ContractPlan:
    """Write the demo's contracts and their product lines."""
    today = world.clock.now.date()
    with database.transaction() as session:
        won = _latest_won_deals(session)
        contracts, lines = _contract_rows(world, won, today=today, first_id=_next_id(session))
        if contracts:
            session.execute(insert(Contract), contracts)
            session.execute(insert(ContractLine), lines)
    return ContractPlan(contracts=len(contracts), lines=len(lines))


def _latest_won_deals(session: Session) -> list[Any]:
    latest = (
        select(Deal.account_id, func.max(Deal.id).label("deal_id"))
        .join(Stage, Stage.id == Deal.stage_id)
        .where(
            Stage.kind == StageKind.WON.value,
            Deal.account_id.is_not(None),
            Deal.amount.is_not(None),
            Deal.closed_at.is_not(None),
        )
        .group_by(Deal.account_id)
        .subquery()
    )
    query = (
        select(
            Deal.id,
            Deal.account_id,
            Deal.name,
            Deal.amount,
            Deal.currency,
            Deal.owner_id,
            Deal.closed_at,
        )
        .join(latest, latest.c.deal_id == Deal.id)
        .order_by(Deal.id)
    )
    return list(session.execute(query))


def _next_id(session: Session) -> int:
    return (session.scalar(select(func.max(Contract.id))) or 0) + 1


def _contract_rows(
    world: World, won: list[Any], *, today: date, first_id: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rng = world.rng("contracts")
    now = world.clock.now
    contracts: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    periods = [period.value for period in BillingPeriod if period != BillingPeriod.ONE_TIME]
    for offset, (deal_id, account_id, name, amount, currency, owner_id, closed_at) in enumerate(
        won
    ):
        contract_id = first_id + offset
        start = closed_at.date()
        end = start + timedelta(days=TERM_DAYS - 1)
        arr = Decimal(str(amount)).quantize(Decimal("0.01"))
        title = f"{name} subscription"[:300]
        contracts.append(
            {
                "id": contract_id,
                "name": title,
                "account_id": account_id,
                "person_id": None,
                "status": (ContractStatus.ACTIVE if end >= today else ContractStatus.ENDED).value,
                "start_date": start,
                "end_date": end,
                "auto_renew": rng.random() < AUTO_RENEW_SHARE,
                "billing_period": rng.choice(periods),
                "mrr": (arr / 12).quantize(Decimal("0.01"), ROUND_DOWN),
                "arr": arr,
                "currency": currency,
                "owner_id": owner_id,
                "won_deal_id": deal_id,
                "renewal_lead_days": None,
                "notes": None,
                "search_text": search_text(title),
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
        )
        products = rng.sample(PRODUCTS, rng.randint(1, 3))
        share = (arr / len(products)).quantize(Decimal("0.01"), ROUND_DOWN)
        for position, product in enumerate(products):
            last = position == len(products) - 1
            lines.append(
                {
                    "contract_id": contract_id,
                    "position": position,
                    "description": product,
                    "product": search_text(product),
                    "amount": arr - share * (len(products) - 1) if last else share,
                }
            )
    return contracts, lines
