"""What the records database knows about accounts, gathered with one grouped query per
fact for every account at once (or for the few asked for)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, String, cast, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from twofold.account_value.queries import RiskiestRenewal, riskiest_renewals
from twofold.contracts.renewals import lead_days_of
from twofold.core.enums import ActivityKind, BuyingRole, ContractStatus, StageKind
from twofold.core.time import as_utc
from twofold.deals.committee import KEY_ROLES
from twofold.persons.actions import display_name
from twofold.store.models import (
    Activity,
    Contract,
    ContractRenewal,
    Deal,
    DealStakeholder,
    Membership,
    Person,
    Stage,
    activity_accounts,
    activity_deals,
)

CHAMPION_MEMORY_DAYS = 365
WON_DEAL_MEMORY_DAYS = 365


@dataclass(frozen=True)
class ContractEnding:
    """A contract whose term ends within its renewal lead days."""

    name: str
    end_date: date
    auto_renew: bool
    has_renewal_deal: bool


@dataclass
class AccountFacts:
    """Everything health and ABM status are computed from, for one account."""

    last_activity_at: datetime | None = None
    open_support_issues: int = 0
    open_deals: int = 0
    open_deal_name: str | None = None
    covered_key_roles: int = 0  # summed over the open deals
    champions_left: list[tuple[str, date]] = field(default_factory=list)
    endings: list[ContractEnding] = field(default_factory=list)
    active_contract: tuple[str, Decimal, str] | None = None  # name, ARR, currency
    won_deal: tuple[str, date] | None = None
    riskiest_renewal: RiskiestRenewal | None = None  # stored by account_value


def gather_facts(
    session: Session,
    *,
    today: date,
    now: datetime,
    default_lead_days: int,
    account_ids: list[int] | None,
) -> dict[int, AccountFacts]:
    """Facts for ``account_ids`` (every account when ``None``): keyed by account id."""
    facts: dict[int, AccountFacts] = {}

    def of(account_id: int) -> AccountFacts:
        return facts.setdefault(account_id, AccountFacts())

    for account_id, moment in _last_activities(session, now, account_ids):
        item = of(account_id)
        if item.last_activity_at is None or moment > item.last_activity_at:
            item.last_activity_at = moment
    for account_id, count in _open_support(session, account_ids):
        of(account_id).open_support_issues = count
    for account_id, deals, name in _open_deals(session, account_ids):
        of(account_id).open_deals, of(account_id).open_deal_name = deals, name
    for account_id, covered in _covered_roles(session, account_ids):
        of(account_id).covered_key_roles = covered
    for account_id, name, ended_on in _champions_left(session, today, account_ids):
        of(account_id).champions_left.append((name, ended_on))
    for account_id, ending in _contracts_ending(session, today, default_lead_days, account_ids):
        of(account_id).endings.append(ending)
    for account_id, name, arr, currency in _active_contracts(session, today, account_ids):
        of(account_id).active_contract = of(account_id).active_contract or (name, arr, currency)
    for account_id, name, closed in _won_deals(session, now, account_ids):
        of(account_id).won_deal = of(account_id).won_deal or (name, closed)
    for account_id, riskiest in riskiest_renewals(session, account_ids=account_ids).items():
        of(account_id).riskiest_renewal = riskiest
    return facts


def _within(
    column: InstrumentedAttribute[Any] | Any, account_ids: list[int] | None
) -> list[ColumnElement[bool]]:
    return [] if account_ids is None else [column.in_(account_ids)]


def _last_activities(
    session: Session, now: datetime, account_ids: list[int] | None
) -> Iterable[tuple[int, datetime]]:
    """Latest activity per account: linked to it, or to one of its deals."""
    direct = (
        select(activity_accounts.c.account_id, func.max(Activity.occurred_at))
        .join(Activity, Activity.id == activity_accounts.c.activity_id)
        .where(Activity.occurred_at <= now, *_within(activity_accounts.c.account_id, account_ids))
        .group_by(activity_accounts.c.account_id)
    )
    through_deals = (
        select(Deal.account_id, func.max(Activity.occurred_at))
        .join(activity_deals, activity_deals.c.deal_id == Deal.id)
        .join(Activity, Activity.id == activity_deals.c.activity_id)
        .where(
            Activity.occurred_at <= now,
            Deal.account_id.is_not(None),
            *_within(Deal.account_id, account_ids),
        )
        .group_by(Deal.account_id)
    )
    for query in (direct, through_deals):
        for account_id, moment in session.execute(query):
            yield account_id, as_utc(moment)


def _open_support(session: Session, account_ids: list[int] | None) -> list[tuple[Any, ...]]:
    query = (
        select(activity_accounts.c.account_id, func.count())
        .join(Activity, Activity.id == activity_accounts.c.activity_id)
        .where(
            Activity.kind == ActivityKind.SUPPORT.value,
            Activity.done_at.is_(None),
            *_within(activity_accounts.c.account_id, account_ids),
        )
        .group_by(activity_accounts.c.account_id)
    )
    return [(account_id, int(count)) for account_id, count in session.execute(query)]


def _open_deals(session: Session, account_ids: list[int] | None) -> list[tuple[Any, ...]]:
    query = (
        select(Deal.account_id, func.count(), func.min(Deal.name))
        .join(Stage, Stage.id == Deal.stage_id)
        .where(
            Stage.kind == StageKind.OPEN.value,
            Deal.account_id.is_not(None),
            *_within(Deal.account_id, account_ids),
        )
        .group_by(Deal.account_id)
    )
    return [(account_id, int(count), name) for account_id, count, name in session.execute(query)]


def _covered_roles(session: Session, account_ids: list[int] | None) -> list[tuple[Any, ...]]:
    """Distinct (open deal, key role) pairs with a stakeholder, per account."""
    pairs = (
        select(DealStakeholder.deal_id, DealStakeholder.buying_role)
        .where(DealStakeholder.buying_role.in_([role.value for role in KEY_ROLES]))
        .distinct()
        .subquery()
    )
    query = (
        select(Deal.account_id, func.count())
        .join(pairs, pairs.c.deal_id == Deal.id)
        .join(Stage, Stage.id == Deal.stage_id)
        .where(
            Stage.kind == StageKind.OPEN.value,
            Deal.account_id.is_not(None),
            *_within(Deal.account_id, account_ids),
        )
        .group_by(Deal.account_id)
    )
    return [(account_id, int(count)) for account_id, count in session.execute(query)]


def _champions_left(
    session: Session, today: date, account_ids: list[int] | None
) -> list[tuple[Any, ...]]:
    """Memberships with the champion role that ended in the last year (JSON compared as
    text: the list is stored as ``["champion", ...]`` on both databases)."""
    role = f'%"{BuyingRole.CHAMPION.value}"%'
    query = (
        select(Membership.account_id, Person, Membership.ended_on)
        .join(Person, Person.id == Membership.person_id)
        .where(
            Membership.ended_on.is_not(None),
            Membership.ended_on <= today,
            Membership.ended_on >= today - timedelta(days=CHAMPION_MEMORY_DAYS),
            cast(Membership.buying_roles, String).like(role),
            *_within(Membership.account_id, account_ids),
        )
        .order_by(Membership.ended_on.desc(), Membership.id)
    )
    return [
        (account_id, display_name(person), ended)
        for account_id, person, ended in session.execute(query)
    ]


def _contracts_ending(
    session: Session, today: date, default_lead_days: int, account_ids: list[int] | None
) -> Iterable[tuple[int, ContractEnding]]:
    longest = max(
        default_lead_days, session.scalar(select(func.max(Contract.renewal_lead_days))) or 0
    )
    renewed = (
        select(ContractRenewal.id)
        .join(Deal, Deal.id == ContractRenewal.deal_id)
        .where(
            ContractRenewal.contract_id == Contract.id,
            ContractRenewal.term_end == Contract.end_date,
        )
        .exists()
    )
    query = (
        select(Contract, renewed)
        .where(
            Contract.status == ContractStatus.ACTIVE.value,
            Contract.account_id.is_not(None),
            Contract.end_date >= today,
            Contract.end_date <= today + timedelta(days=longest),
            *_within(Contract.account_id, account_ids),
        )
        .order_by(Contract.end_date, Contract.id)
    )
    for contract, has_renewal in session.execute(query):
        if contract.end_date - timedelta(days=lead_days_of(contract, default_lead_days)) <= today:
            assert contract.account_id is not None
            yield (
                contract.account_id,
                ContractEnding(
                    name=contract.name,
                    end_date=contract.end_date,
                    auto_renew=contract.auto_renew,
                    has_renewal_deal=bool(has_renewal),
                ),
            )


def _active_contracts(
    session: Session, today: date, account_ids: list[int] | None
) -> list[tuple[Any, ...]]:
    query = (
        select(Contract.account_id, Contract.name, Contract.arr, Contract.currency)
        .where(
            Contract.status == ContractStatus.ACTIVE.value,
            Contract.account_id.is_not(None),
            Contract.start_date <= today,
            Contract.end_date >= today,
            *_within(Contract.account_id, account_ids),
        )
        .order_by(Contract.arr.desc(), Contract.id)
    )
    return [(a, n, Decimal(str(arr)), c) for a, n, arr, c in session.execute(query)]


def _won_deals(
    session: Session, now: datetime, account_ids: list[int] | None
) -> list[tuple[Any, ...]]:
    query = (
        select(Deal.account_id, Deal.name, Deal.closed_at)
        .join(Stage, Stage.id == Deal.stage_id)
        .where(
            Stage.kind == StageKind.WON.value,
            Deal.account_id.is_not(None),
            Deal.closed_at >= now - timedelta(days=WON_DEAL_MEMORY_DAYS),
            *_within(Deal.account_id, account_ids),
        )
        .order_by(Deal.closed_at.desc(), Deal.id)
    )
    return [
        (a, name, as_utc(closed).date()) for a, name, closed in session.execute(query) if closed
    ]
