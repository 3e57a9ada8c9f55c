"""Deals that need attention now: rotting, stale, and the hygiene report.

Every check looks at the scope's *open* deals as they are today (the period plays no part):

- rotting: idle in its stage longer than the stage's rotting age (as on the board);
- stale: nothing happened for ``idle_days``: no stage change and no activity linked to it;
- past close date: the expected close date is before today;
- no next step: ``next_step`` empty;
- no recent activity: no activity linked to it in the last ``idle_days``;
- missing required fields: it lacks something its current stage's entry criteria require
  (the stage's gate changed after it entered, or it was imported past the gate).

Each check is counted in one query; only the first ``limit`` deals of each are loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement, String, and_, case, cast, exists, false, func, or_, select
from sqlalchemy.orm import Session, aliased

from twofold.analytics.scope import Scope
from twofold.core.enums import StageKind
from twofold.core.time import utcnow
from twofold.deals.board import rotting_condition
from twofold.deals.stages import unmet_criteria
from twofold.pipelines.criteria import CUSTOM_PREFIX, ROLE_PREFIX
from twofold.store.models import Activity, Deal, DealStakeholder, Stage, User, activity_deals

DEFAULT_IDLE_DAYS = 30
DEFAULT_LIMIT = 20
CHECKS = (
    "rotting",
    "stale",
    "past_close_date",
    "no_next_step",
    "no_recent_activity",
    "missing_required_fields",
)
_NULLABLE_FIELDS = frozenset(
    {"amount", "expected_close_date", "owner_id", "account_id", "person_id"}
)
_TEXT_FIELDS = frozenset({"next_step", "source"})


@dataclass(frozen=True)
class FlaggedDeal:
    """What a hygiene list shows of a deal."""

    deal_id: int
    name: str
    owner_id: int | None
    owner_name: str | None
    stage_id: int
    stage_name: str
    amount: Decimal | None
    currency: str
    expected_close_date: date | None
    days_in_stage: int
    missing: list[str] = field(default_factory=list)


@dataclass
class FlaggedDeals:
    """How many open deals a check flags, and the first of them (stalest first)."""

    count: int
    deals: list[FlaggedDeal]


@dataclass
class Hygiene:
    """Every check over the scope's open deals, as of ``now``."""

    now: datetime
    idle_days: int
    open_count: int
    checks: dict[str, FlaggedDeals]


def compute_hygiene(
    session: Session,
    *,
    scope: Scope,
    idle_days: int = DEFAULT_IDLE_DAYS,
    limit: int = DEFAULT_LIMIT,
    now: datetime | None = None,
) -> Hygiene:
    """Counts and the first ``limit`` deals of each check."""
    moment = now or utcnow()
    conditions = _conditions(scope, moment, idle_days)
    is_open = scope.deals() & Deal.stage_id.in_(scope.open_stage_ids)
    counts = session.execute(
        select(
            func.count(),
            *(func.sum(case((conditions[name], 1), else_=0)) for name in CHECKS),
        ).where(is_open)
    ).one()
    stages = {stage.id: stage for stage in scope.stages}
    checks = {}
    for index, name in enumerate(CHECKS, start=1):
        count = int(counts[index] or 0)
        deals = _first_deals(session, is_open & conditions[name], moment, limit) if count else []
        if name == "missing_required_fields":
            deals = [_with_missing(session, flagged, stages) for flagged in deals]
        checks[name] = FlaggedDeals(count=count, deals=deals)
    return Hygiene(now=moment, idle_days=idle_days, open_count=int(counts[0]), checks=checks)


def _conditions(scope: Scope, now: datetime, idle_days: int) -> dict[str, ColumnElement[bool]]:
    since = now - timedelta(days=idle_days)
    recent_activity = exists(
        select(activity_deals.c.activity_id)
        .join(Activity, Activity.id == activity_deals.c.activity_id)
        .where(
            activity_deals.c.deal_id == Deal.id,
            Activity.occurred_at >= since,
            Activity.occurred_at <= now,
        )
    )
    return {
        "rotting": rotting_condition(scope.stages, now),
        "stale": and_(Deal.stage_entered_at < since, ~recent_activity),
        "past_close_date": Deal.expected_close_date < now.date(),
        "no_next_step": or_(Deal.next_step.is_(None), func.trim(Deal.next_step) == ""),
        "no_recent_activity": ~recent_activity,
        "missing_required_fields": _missing_required(scope.stages),
    }


def _missing_required(stages: list[Stage]) -> ColumnElement[bool]:
    """Deals in an open stage that lack something the stage's entry criteria require."""
    per_stage = [
        and_(Deal.stage_id == stage.id, or_(*(_lacks(name) for name in stage.entry_criteria)))
        for stage in stages
        if stage.kind == StageKind.OPEN and stage.entry_criteria
    ]
    return or_(*per_stage) if per_stage else false()


def _lacks(criterion: str) -> ColumnElement[bool]:
    """The SQL form of ``deals.stages.unmet_criteria`` for one criterion."""
    if criterion == "stakeholders" or criterion.startswith(ROLE_PREFIX):
        stakeholders = exists().where(DealStakeholder.deal_id == Deal.id)
        if criterion.startswith(ROLE_PREFIX):
            role = criterion.removeprefix(ROLE_PREFIX)
            stakeholders = stakeholders.where(DealStakeholder.buying_role == role)
        return ~stakeholders
    if criterion.startswith(CUSTOM_PREFIX):
        value = Deal.custom[criterion.removeprefix(CUSTOM_PREFIX)].as_string()
        return or_(value.is_(None), value == "")
    if criterion == "competitors":
        return or_(Deal.competitors.is_(None), cast(Deal.competitors, String) == "[]")
    if criterion not in _TEXT_FIELDS | _NULLABLE_FIELDS:
        return false()
    column: ColumnElement[object] = getattr(Deal, criterion)
    if criterion in _TEXT_FIELDS:
        return or_(column.is_(None), column == "")
    return column.is_(None)


def _first_deals(
    session: Session, condition: ColumnElement[bool], now: datetime, limit: int
) -> list[FlaggedDeal]:
    owner = aliased(User)
    query = (
        select(Deal, Stage.name, owner.name)
        .join(Stage, Stage.id == Deal.stage_id)
        .outerjoin(owner, owner.id == Deal.owner_id)
        .where(condition)
        .order_by(Deal.stage_entered_at, Deal.id)
        .limit(limit)
    )
    return [
        FlaggedDeal(
            deal_id=deal.id,
            name=deal.name,
            owner_id=deal.owner_id,
            owner_name=owner_name,
            stage_id=deal.stage_id,
            stage_name=stage_name,
            amount=deal.amount,
            currency=deal.currency,
            expected_close_date=deal.expected_close_date,
            days_in_stage=max((now - deal.stage_entered_at).days, 0),
        )
        for deal, stage_name, owner_name in session.execute(query)
    ]


def _with_missing(session: Session, flagged: FlaggedDeal, stages: dict[int, Stage]) -> FlaggedDeal:
    """The flagged deal with the criteria it misses (a few listed deals, checked one by one)."""
    deal = session.get(Deal, flagged.deal_id)
    stage = stages.get(flagged.stage_id)
    if deal is None or stage is None:
        return flagged
    missing = unmet_criteria(session, deal, stage)
    return FlaggedDeal(**{**flagged.__dict__, "missing": missing})
