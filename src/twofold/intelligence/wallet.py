"""Share of wallet and whitespace (decision 0015).

Our revenue from an account is its current ARR plus what its deals won in the last year
that no contract already counts (not a contract's winning deal, not a renewal deal),
converted into the base currency at today's rates. Its potential is the estimate stored
for it, else employees x the configured revenue per employee.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from twofold.accounts.hierarchy import ancestor_ids, subtree
from twofold.auth.permissions import ensure_can_edit
from twofold.contracts.renewals import RENEWAL_SOURCE
from twofold.core.enums import ContractStatus, StageKind
from twofold.core.money import parse_amount, parse_currency
from twofold.forecasting.rates import RateSchedule, rate_schedule
from twofold.intelligence.config import revenue_per_employee
from twofold.intelligence.facts import WON_DEAL_MEMORY_DAYS
from twofold.store.models import (
    Account,
    AccountPotential,
    Contract,
    ContractLine,
    ContractRenewal,
    Deal,
    Stage,
    User,
)

CENT = Decimal("0.01")
WHITESPACE_LIMIT = 20


@dataclass
class Wallet:
    """An account's revenue with us against its potential, in the base currency."""

    currency: str
    arr: Decimal = Decimal(0)
    won_revenue: Decimal = Decimal(0)
    potential: Decimal | None = None
    potential_source: str | None = None  # "estimate" or "employees"
    unconverted_currencies: list[str] = field(default_factory=list)

    @property
    def our_revenue(self) -> Decimal:
        """ARR plus the won revenue no contract counts."""
        return self.arr + self.won_revenue

    @property
    def share_percent(self) -> Decimal | None:
        """Our revenue / potential, in percent (above 100 when the potential is too low)."""
        if not self.potential:
            return None
        return (self.our_revenue * 100 / self.potential).quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class WhitespaceItem:
    """A product others near this account buy and it does not."""

    product: str
    description: str
    hierarchy_accounts: int
    industry_accounts: int


def share_of_wallet(
    session: Session, *, account: Account, base_currency: str, today: date
) -> Wallet:
    """The account's wallet in ``base_currency`` (rates of ``today``)."""
    wallet = Wallet(currency=base_currency)
    rates = rate_schedule(session, base_currency=base_currency, start=today, end=today)
    missing: set[str] = set()
    arr = select(Contract.currency, func.sum(Contract.arr)).where(
        Contract.account_id == account.id,
        Contract.status != ContractStatus.DRAFT.value,
        Contract.start_date <= today,
        Contract.end_date >= today,
    )
    wallet.arr = _convert(session.execute(arr.group_by(Contract.currency)), rates, today, missing)
    counted = or_(
        Deal.id.in_(select(Contract.won_deal_id).where(Contract.won_deal_id.is_not(None))),
        Deal.id.in_(select(ContractRenewal.deal_id).where(ContractRenewal.deal_id.is_not(None))),
        func.coalesce(Deal.source, "") == RENEWAL_SOURCE,  # NULL would make NOT(...) NULL
    )
    won = (
        select(Deal.currency, func.sum(Deal.amount))
        .join(Stage, Stage.id == Deal.stage_id)
        .where(
            Deal.account_id == account.id,
            Stage.kind == StageKind.WON.value,
            Deal.amount.is_not(None),
            Deal.closed_at
            >= datetime.combine(today - timedelta(days=WON_DEAL_MEMORY_DAYS), time.min, UTC),
            ~counted,
        )
        .group_by(Deal.currency)
    )
    wallet.won_revenue = _convert(session.execute(won), rates, today, missing)
    _potential(session, wallet, account=account, rates=rates, today=today, missing=missing)
    wallet.unconverted_currencies = sorted(missing)
    return wallet


def set_potential(
    session: Session, *, actor: User, account: Account, amount: str, currency: str
) -> AccountPotential:
    """Store an estimate of the account's yearly potential (who may edit the account)."""
    ensure_can_edit(actor, account.owner_id, record="account")
    code = parse_currency(currency)
    value = parse_amount(amount, code)
    potential = session.get(AccountPotential, account.id)
    if potential is None:
        potential = AccountPotential(account_id=account.id, amount=value, currency=code)
        session.add(potential)
    else:
        potential.amount, potential.currency = value, code
    session.flush()
    return potential


def clear_potential(session: Session, *, actor: User, account: Account) -> None:
    """Forget the estimate: employees x revenue per employee applies again."""
    ensure_can_edit(actor, account.owner_id, record="account")
    potential = session.get(AccountPotential, account.id)
    if potential is not None:
        session.delete(potential)
        session.flush()


def whitespace(session: Session, *, account: Account) -> list[WhitespaceItem]:
    """Products on active contracts of other accounts in the same hierarchy or industry
    that this account's active contracts lack; most widely bought first."""
    root = ancestor_ids(session, account.id)[-1]
    family = subtree(root)
    owned = (
        select(ContractLine.product)
        .join(Contract, Contract.id == ContractLine.contract_id)
        .where(Contract.account_id == account.id, Contract.status == ContractStatus.ACTIVE.value)
    )
    descriptions: dict[str, str] = {}
    counts: dict[str, dict[str, int]] = {}
    peers = [("hierarchy", Contract.account_id.in_(select(family.c.id)))]
    if account.industry:
        same_industry = select(Account.id).where(Account.industry == account.industry)
        peers.append(("industry", Contract.account_id.in_(same_industry)))
    for label, condition in peers:
        query = (
            select(
                ContractLine.product,
                func.min(ContractLine.description),
                func.count(func.distinct(Contract.account_id)),
            )
            .join(Contract, Contract.id == ContractLine.contract_id)
            .where(
                condition,
                Contract.account_id != account.id,
                Contract.status == ContractStatus.ACTIVE.value,
                ContractLine.product.not_in(owned),
            )
            .group_by(ContractLine.product)
        )
        for product, description, accounts in session.execute(query):
            descriptions.setdefault(product, description)
            counts.setdefault(product, {})[label] = int(accounts)
    items = [
        WhitespaceItem(
            product=product,
            description=descriptions[product],
            hierarchy_accounts=found.get("hierarchy", 0),
            industry_accounts=found.get("industry", 0),
        )
        for product, found in counts.items()
    ]
    items.sort(key=lambda item: (-item.hierarchy_accounts, -item.industry_accounts, item.product))
    return items[:WHITESPACE_LIMIT]


def _convert(rows: Iterable[Any], rates: RateSchedule, today: date, missing: set[str]) -> Decimal:
    total = Decimal(0)
    for currency, amount in rows:
        rate = rates.rate_on(currency, today)
        if rate is None:
            missing.add(currency)
            continue
        total += Decimal(str(amount)) * rate
    return total.quantize(CENT, ROUND_HALF_UP)


def _potential(
    session: Session,
    wallet: Wallet,
    *,
    account: Account,
    rates: RateSchedule,
    today: date,
    missing: set[str],
) -> None:
    estimate = session.get(AccountPotential, account.id)
    if estimate is not None:
        rate = rates.rate_on(estimate.currency, today)
        if rate is None:
            missing.add(estimate.currency)
            return
        wallet.potential = (estimate.amount * rate).quantize(CENT, ROUND_HALF_UP)
        wallet.potential_source = "estimate"
    elif account.employees:
        wallet.potential = (account.employees * revenue_per_employee(session)).quantize(CENT)
        wallet.potential_source = "employees"
