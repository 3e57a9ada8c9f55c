"""Contracts for the demo company: each customer account's history of one-year terms.

Each account's latest won deal starts a one-year contract from the day it closed (ARR = the
deal's amount, one to three product lines); a former customer without a won deal gets a last
term that ended 40 to 500 days ago and was not renewed. Around it the account gets a
believable past: up to three earlier terms, each renewed by the next (a new contract from
the day after it ended) with the account tier's renewal rate, or lapsed and won back months
later; and a term that has ended by today is renewed with the same rate or left to churn.
ARR moves at each renewal (some expansions, a few downsells), so the account value model has
renewals to learn from. Written with one Core insert per table after the bulk load. Renewal
deals and health are not made here: the server's account jobs make them when ``twofold
demo`` starts it (their timestamps are the real time, which would make two builds from one
seed differ).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from twofold.core.enums import (
    AccountLifecycle,
    AccountTier,
    BillingPeriod,
    ContractStatus,
    StageKind,
)
from twofold.core.text import search_text
from twofold.demo.countries import DEAL_CURRENCY_BY_COUNTRY, USD_RATES
from twofold.demo.world import World
from twofold.store.database import Database
from twofold.store.models import Account, Contract, ContractLine, Deal, Stage

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
# Share of terms renewed by tier: what the account value model should learn back.
RENEWAL_RATES = {
    AccountTier.STRATEGIC.value: 0.95,
    AccountTier.ENTERPRISE.value: 0.90,
    AccountTier.MID_MARKET.value: 0.75,
    AccountTier.SMB.value: 0.60,
}
MAX_EARLIER_TERMS = 3
WIN_BACK_GAP_DAYS = (60, 240)  # a lapsed term's account signs again this long after
CENT = Decimal("0.01")
FORMER_ARR_USD = {  # a former customer's last ARR, by tier
    AccountTier.STRATEGIC.value: (150_000, 900_000),
    AccountTier.ENTERPRISE.value: (50_000, 300_000),
    AccountTier.MID_MARKET.value: (12_000, 80_000),
    AccountTier.SMB.value: (2_000, 20_000),
}


@dataclass(frozen=True)
class ContractPlan:
    """How many contracts and product lines the demo got."""

    contracts: int
    lines: int


@dataclass(frozen=True)
class _Anchor:
    """The term an account's history is built around: its latest won deal's, or a former
    customer's last (``deal_id`` None; it churned)."""

    deal_id: int | None
    account_id: int
    name: str
    amount: Decimal
    currency: str
    owner_id: int | None
    start: date
    tier: str | None


@dataclass(frozen=True)
class _Term:
    start: date
    arr: Decimal
    deal_id: int | None

    @property
    def end(self) -> date:
        return self.start + timedelta(days=TERM_DAYS - 1)


def add_contracts(database: Database, world: World) -> ContractPlan:
    """Write the demo's contracts and their product lines."""
    today = world.clock.now.date()
    with database.transaction() as session:
        won = _latest_won_deals(session)
        former = _former_customers(session, world, {anchor.account_id for anchor in won})
        contracts, lines = _contract_rows(
            world, won + former, today=today, first_id=_next_id(session)
        )
        if contracts:
            session.execute(insert(Contract), contracts)
            session.execute(insert(ContractLine), lines)
    return ContractPlan(contracts=len(contracts), lines=len(lines))


def renewal_rate(tier: str | None) -> float:
    """The demo's renewal rate of an account tier (mid-market's when the tier is not set)."""
    return RENEWAL_RATES.get(tier or "", RENEWAL_RATES[AccountTier.MID_MARKET.value])


def _latest_won_deals(session: Session) -> list[_Anchor]:
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
            Account.tier,
        )
        .join(latest, latest.c.deal_id == Deal.id)
        .join(Account, Account.id == Deal.account_id)
        .order_by(Deal.id)
    )
    anchors = []
    for deal_id, account_id, name, amount, currency, owner, closed_at, tier in session.execute(
        query
    ):
        # the query's filters: every won deal here has an account, an amount and a close
        assert account_id is not None
        assert amount is not None
        assert closed_at is not None
        anchors.append(
            _Anchor(deal_id, account_id, name, amount, currency, owner, closed_at.date(), tier)
        )
    return anchors


def _former_customers(session: Session, world: World, won: set[int]) -> list[_Anchor]:
    """Former customers without a won deal: their last term ended 40 to 500 days ago."""
    rng = world.rng("contracts/former")
    today = world.clock.now.date()
    query = (
        select(Account.id, Account.name, Account.country, Account.tier, Account.owner_id)
        .where(Account.lifecycle == AccountLifecycle.FORMER_CUSTOMER.value)
        .order_by(Account.id)
    )
    anchors = []
    for account_id, name, country, tier, owner_id in session.execute(query):
        if account_id in won:
            continue
        currency = DEAL_CURRENCY_BY_COUNTRY.get(country or "", "USD")
        low, high = FORMER_ARR_USD.get(tier or "", FORMER_ARR_USD[AccountTier.SMB.value])
        usd = rng.randint(low // 100, high // 100) * 100
        arr = Decimal(round(usd * USD_RATES[currency], -2))
        ended = today - timedelta(days=rng.randint(40, 500))
        start = ended - timedelta(days=TERM_DAYS - 1)
        anchors.append(_Anchor(None, account_id, name, arr, currency, owner_id, start, tier))
    return anchors


def _next_id(session: Session) -> int:
    return (session.scalar(select(func.max(Contract.id))) or 0) + 1


def account_terms(rng: random.Random, anchor: _Anchor, *, today: date) -> list[_Term]:
    """The account's terms, oldest first: earlier ones, the anchor's, and its renewals (a
    former customer's anchor term was its last)."""
    rate = renewal_rate(anchor.tier)
    won = _Term(anchor.start, Decimal(str(anchor.amount)).quantize(CENT), anchor.deal_id)
    earlier: list[_Term] = []
    following = won
    for _ in range(rng.randint(0, MAX_EARLIER_TERMS)):
        if rng.random() < rate:  # renewed by the following term, from the day after it ended
            end = following.start - timedelta(days=1)
            arr = (following.arr / _arr_change(rng)).quantize(CENT)
        else:  # lapsed: the account came back later
            end = following.start - timedelta(days=rng.randint(*WIN_BACK_GAP_DAYS))
            arr = (following.arr * Decimal(rng.randint(60, 100)) / 100).quantize(CENT)
        following = _Term(end - timedelta(days=TERM_DAYS - 1), arr, None)
        earlier.append(following)
    terms = [*reversed(earlier), won]
    churned = anchor.deal_id is None
    while not churned and terms[-1].end < today and rng.random() < rate:
        last = terms[-1]
        arr = (last.arr * _arr_change(rng)).quantize(CENT)
        terms.append(_Term(last.end + timedelta(days=1), arr, None))
    return terms


def _arr_change(rng: random.Random) -> Decimal:
    """ARR after a renewal / before: a third expand by 5-30 %, one in ten shrink by 5-15 %."""
    draw = rng.random()
    if draw < 0.35:
        return Decimal(100 + rng.randint(5, 30)) / 100
    if draw < 0.45:
        return Decimal(100 - rng.randint(5, 15)) / 100
    return Decimal(1)


def _contract_rows(
    world: World, anchors: list[_Anchor], *, today: date, first_id: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rng = world.rng("contracts")
    contracts: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    periods = [period.value for period in BillingPeriod if period != BillingPeriod.ONE_TIME]
    for anchor in anchors:
        products = rng.sample(PRODUCTS, rng.randint(1, 3))
        auto_renew = rng.random() < AUTO_RENEW_SHARE
        billing_period = rng.choice(periods)
        for term in account_terms(rng, anchor, today=today):
            contract_id = first_id + len(contracts)
            contracts.append(
                _contract_row(world, anchor, term, contract_id=contract_id, today=today)
                | {"auto_renew": auto_renew, "billing_period": billing_period}
            )
            lines += _line_rows(contract_id, term.arr, products)
    return contracts, lines


def _contract_row(
    world: World, anchor: _Anchor, term: _Term, *, contract_id: int, today: date
) -> dict[str, Any]:
    title = f"{anchor.name} subscription {term.start:%Y-%m}"[:300]
    return {
        "id": contract_id,
        "name": title,
        "account_id": anchor.account_id,
        "person_id": None,
        "status": (ContractStatus.ACTIVE if term.end >= today else ContractStatus.ENDED).value,
        "start_date": term.start,
        "end_date": term.end,
        "mrr": (term.arr / 12).quantize(CENT, ROUND_DOWN),
        "arr": term.arr,
        "currency": anchor.currency,
        "owner_id": anchor.owner_id,
        "won_deal_id": term.deal_id,
        "renewal_lead_days": None,
        "notes": None,
        "search_text": search_text(title),
        "created_at": world.clock.now,
        "updated_at": world.clock.now,
        "version": 1,
    }


def _line_rows(contract_id: int, arr: Decimal, products: list[str]) -> list[dict[str, Any]]:
    share = (arr / len(products)).quantize(CENT, ROUND_DOWN)
    return [
        {
            "contract_id": contract_id,
            "position": position,
            "description": product,
            "product": search_text(product),
            "amount": arr - share * (len(products) - 1) if position == len(products) - 1 else share,
        }
        for position, product in enumerate(products)
    ]
