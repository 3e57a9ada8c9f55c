"""The forecast of a period: category totals against quota, per rep and rolled up the team tree.

For the deals whose expected close date falls in the period: ``closed`` is won deals, the
other categories are open deals by their forecast category, lost deals count nowhere, and
``weighted`` is the sum of amount * probability / 100 over open deals that are not omitted. Money is
converted into the base currency at the rate of each deal's expected close date; what has no
rate is reported under ``unconverted`` instead of being guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from babel.numbers import get_currency_precision
from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.core.enums import ForecastCategory, Role
from twofold.forecasting.aggregate import WEIGHTED_CATEGORIES, DealGroup, deal_groups
from twofold.forecasting.periods import Period
from twofold.forecasting.quotas import QuotaPart, period_quotas
from twofold.forecasting.rates import RateSchedule, rate_schedule
from twofold.forecasting.teams import (
    TeamMember,
    ensure_can_view_team,
    get_user,
    team_members,
    team_subtree,
)
from twofold.store.models import User

# In the order a forecast is read: from money in the bank to money set aside.
CATEGORIES = (
    ForecastCategory.CLOSED,
    ForecastCategory.COMMIT,
    ForecastCategory.BEST_CASE,
    ForecastCategory.PIPELINE,
    ForecastCategory.OMITTED,
)
CATEGORY_KEYS = tuple(category.value for category in CATEGORIES)
UNASSIGNED = "Unassigned"


@dataclass
class Unconverted:
    """Money in a currency without an exchange rate for its date, in that currency."""

    amount: Decimal = Decimal(0)
    deal_count: int = 0
    quota: Decimal | None = None


@dataclass
class ForecastTotals:
    """Category totals, weighted pipeline and quota in the base currency."""

    categories: dict[str, Decimal] = field(
        default_factory=lambda: dict.fromkeys(CATEGORY_KEYS, Decimal(0))
    )
    weighted: Decimal = Decimal(0)
    quota: Decimal | None = None
    deal_count: int = 0
    unconverted: dict[str, Unconverted] = field(default_factory=dict)

    def add(self, other: ForecastTotals) -> None:
        """Add another row's totals to these (roll-ups)."""
        for category, amount in other.categories.items():
            self.categories[category] += amount
        self.weighted += other.weighted
        self.quota = _plus(self.quota, other.quota)
        self.deal_count += other.deal_count
        for currency, missing in other.unconverted.items():
            mine = self.unconverted.setdefault(currency, Unconverted())
            mine.amount += missing.amount
            mine.deal_count += missing.deal_count
            mine.quota = _plus(mine.quota, missing.quota)

    @property
    def is_empty(self) -> bool:
        """No deals, no quota, nothing unconverted."""
        return not self.deal_count and self.quota is None and not self.unconverted


@dataclass
class RepForecast:
    """One user's own deals and quota (``user_id`` ``None``: deals nobody owns)."""

    user_id: int | None
    name: str
    manager_id: int | None
    totals: ForecastTotals


@dataclass
class TeamNode:
    """A user with the totals of their whole team (themselves included) and their reports."""

    user_id: int | None
    name: str
    totals: ForecastTotals
    children: list[TeamNode] = field(default_factory=list)


@dataclass
class Forecast:
    """The answer of ``GET /api/v1/forecast``."""

    period: Period
    owner_id: int | None
    currency: str
    totals: ForecastTotals
    reps: list[RepForecast]
    rollup: list[TeamNode]


def compute_forecast(
    session: Session,
    *,
    actor: User,
    period: Period,
    owner_id: int | None,
    base_currency: str,
) -> Forecast:
    """The forecast of ``owner_id``'s team (default: admins the company, others their own)."""
    owner_id = team_owner(session, actor=actor, owner_id=owner_id)
    members = team_members(session, owner_id)
    user_ids = select(team_subtree(owner_id).c.id) if owner_id is not None else None
    schedule = rate_schedule(
        session, base_currency=base_currency, start=period.start, end=period.end
    )
    groups = deal_groups(session, period=period, owner_ids=user_ids, schedule=schedule)
    quotas = period_quotas(session, period=period, user_ids=user_ids)
    own = _own_totals(groups, quotas, schedule)
    reps = _rep_rows(members, own, owner_id)
    rollup = _rollup(members, own, owner_id)
    totals = ForecastTotals()
    for row in reps:
        totals.add(row.totals)
    return Forecast(
        period=period,
        owner_id=owner_id,
        currency=base_currency,
        totals=totals,
        reps=reps,
        rollup=rollup,
    )


def team_owner(session: Session, *, actor: User, owner_id: int | None) -> int | None:
    """Whose team to show: ``owner_id`` if the actor may see it; by default the actor's own
    team, or the whole company (``None``) for admins."""
    if owner_id is None and actor.role != Role.ADMIN:
        owner_id = actor.id
    if owner_id is not None:
        get_user(session, owner_id, field="owner")
        ensure_can_view_team(session, actor=actor, owner_id=owner_id)
    return owner_id


def _own_totals(
    groups: list[DealGroup], quotas: dict[int, list[QuotaPart]], schedule: RateSchedule
) -> dict[int | None, ForecastTotals]:
    """Each owner's totals, converted and rounded to the base currency's decimals.

    Rounding each owner's totals before they are added up keeps every team total the exact
    sum of the rows shown under it.
    """
    raw: dict[int | None, ForecastTotals] = {}
    days = {(group.currency, group.rate_day) for group in groups}
    rates = {(currency, day): schedule.rate_on(currency, day) for currency, day in days}
    for group in groups:
        totals = _row_of(raw, group.owner_id)
        rate = rates[group.currency, group.rate_day]
        if rate is None:
            missing = totals.unconverted.setdefault(group.currency, Unconverted())
            missing.amount += group.amount
            missing.deal_count += group.deal_count
            continue
        totals.categories[group.category] += group.amount * rate
        if group.category in WEIGHTED_CATEGORIES:
            totals.weighted += group.amount_times_probability * rate / 100
        totals.deal_count += group.deal_count
    for user_id, parts in quotas.items():
        totals = _row_of(raw, user_id)
        for part in parts:
            rate = schedule.rate_on(part.currency, part.rate_day)
            if rate is None:
                missing = totals.unconverted.setdefault(part.currency, Unconverted())
                missing.quota = _plus(missing.quota, part.amount)
            else:
                totals.quota = _plus(totals.quota, part.amount * rate)
    places = Decimal(1).scaleb(-get_currency_precision(schedule.base_currency))
    for totals in raw.values():
        totals.categories = {
            key: value.quantize(places) for key, value in totals.categories.items()
        }
        totals.weighted = totals.weighted.quantize(places)
        totals.quota = None if totals.quota is None else totals.quota.quantize(places)
    return raw


def _row_of(rows: dict[int | None, ForecastTotals], owner_id: int | None) -> ForecastTotals:
    """The owner's totals, created on first use (not once per group, as setdefault would)."""
    totals = rows.get(owner_id)
    if totals is None:
        totals = rows[owner_id] = ForecastTotals()
    return totals


def _rep_rows(
    members: list[TeamMember], own: dict[int | None, ForecastTotals], owner_id: int | None
) -> list[RepForecast]:
    """Users with deals or a quota in the period (and the team's owner), then unowned deals."""
    rows = [
        RepForecast(
            user_id=member.id,
            name=member.name,
            manager_id=member.manager_id,
            totals=own.get(member.id, ForecastTotals()),
        )
        for member in members
        if member.id in own or member.id == owner_id
    ]
    if None in own:
        rows.append(RepForecast(user_id=None, name=UNASSIGNED, manager_id=None, totals=own[None]))
    return rows


def _rollup(
    members: list[TeamMember], own: dict[int | None, ForecastTotals], owner_id: int | None
) -> list[TeamNode]:
    """The team tree from ``owner_id`` (or from every top-level user), with team totals.

    Users without deals or quota and with nobody below them who has any are left out.
    """
    reports: dict[int | None, list[TeamMember]] = {}
    known = {member.id for member in members}
    for member in members:
        manager = member.manager_id if member.manager_id in known else None
        reports.setdefault(manager, []).append(member)

    def node(member: TeamMember, depth: int) -> TeamNode | None:
        children = [] if depth > len(members) else reports.get(member.id, [])
        kept = [child for child in (node(c, depth + 1) for c in children) if child]
        totals = ForecastTotals()
        totals.add(own.get(member.id, ForecastTotals()))
        for child in kept:
            totals.add(child.totals)
        if totals.is_empty and not kept and member.id != owner_id:
            return None
        return TeamNode(user_id=member.id, name=member.name, totals=totals, children=kept)

    if owner_id is not None:
        roots = [member for member in members if member.id == owner_id]
    else:
        roots = [member for member in members if member.manager_id not in known]
    tree = [built for built in (node(root, 0) for root in roots) if built]
    if owner_id is None and None in own:
        tree.append(TeamNode(user_id=None, name=UNASSIGNED, totals=own[None]))
    return tree


def _plus(total: Decimal | None, amount: Decimal | None) -> Decimal | None:
    """Add amounts where ``None`` means "not set" rather than zero."""
    if amount is None:
        return total
    return amount if total is None else total + amount
