"""The pipeline board: one column per stage with counts, totals per currency and deal cards.

Totals and counts are aggregated in SQL over every deal in the column; only the first
``cards_per_stage`` cards are loaded, so a pipeline with a million deals draws as fast as
one with ten. Won and lost columns only show deals closed in the last ``CLOSED_WINDOW``:
a board is for work in progress, not for the archive.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, case, false, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from twofold.core.enums import StageKind
from twofold.core.time import utcnow
from twofold.pipelines.actions import get_pipeline, pipeline_stages
from twofold.store.models import Account, Deal, Person, Pipeline, Stage, User

CARDS_PER_STAGE = 50
CLOSED_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class BoardCard:
    """What a deal card shows."""

    deal_id: int
    name: str
    account_id: int | None
    account_name: str | None
    person_id: int | None
    person_name: str | None
    amount: Decimal | None
    currency: str
    owner_name: str | None
    expected_close_date: date | None
    days_in_stage: int
    rotting: bool


@dataclass
class BoardColumn:
    """One stage: how many deals, their totals per currency, and the first cards."""

    stage: Stage
    deal_count: int = 0
    rotting_count: int = 0
    totals: dict[str, Decimal] = field(default_factory=dict)
    cards: list[BoardCard] = field(default_factory=list)

    @property
    def hidden_count(self) -> int:
        """Deals in the column that have no card on the board."""
        return max(self.deal_count - len(self.cards), 0)


@dataclass
class PipelineBoard:
    """A pipeline's stages in order, as board columns."""

    pipeline: Pipeline
    columns: list[BoardColumn]
    closed_since: datetime


def pipeline_board(
    session: Session,
    *,
    pipeline_id: int,
    owner_id: int | None = None,
    cards_per_stage: int = CARDS_PER_STAGE,
    now: datetime | None = None,
) -> PipelineBoard:
    """The board of one pipeline, optionally narrowed to one owner's deals."""
    moment = now or utcnow()
    pipeline = get_pipeline(session, pipeline_id)
    stages = pipeline_stages(session, pipeline_id)
    closed_since = moment - CLOSED_WINDOW
    columns = {stage.id: BoardColumn(stage=stage) for stage in stages}
    scope = _on_board(pipeline_id, owner_id, closed_since)
    _add_totals(session, columns, scope, moment)
    for column in columns.values():
        column.cards = _cards(session, column.stage, scope, moment, cards_per_stage)
    return PipelineBoard(
        pipeline=pipeline, columns=list(columns.values()), closed_since=closed_since
    )


def is_rotting(stage: Stage, stage_entered_at: datetime, now: datetime) -> bool:
    """An open deal idle in its stage for longer than the stage's rotting age."""
    if stage.kind != StageKind.OPEN or stage.rotting_days is None:
        return False
    return now - stage_entered_at > timedelta(days=stage.rotting_days)


def _on_board(
    pipeline_id: int, owner_id: int | None, closed_since: datetime
) -> ColumnElement[bool]:
    open_stage = select(Stage.id).where(Stage.pipeline_id == pipeline_id, Stage.kind == "open")
    condition = and_(
        Deal.pipeline_id == pipeline_id,
        or_(Deal.stage_id.in_(open_stage), Deal.closed_at >= closed_since),
    )
    if owner_id is not None:
        condition = and_(condition, Deal.owner_id == owner_id)
    return condition


def _add_totals(
    session: Session, columns: dict[int, BoardColumn], scope: ColumnElement[bool], now: datetime
) -> None:
    """Count, rotting count and sum per currency for every column, in one grouped query."""
    rotting = rotting_condition([column.stage for column in columns.values()], now)
    query = (
        select(
            Deal.stage_id,
            Deal.currency,
            func.count(),
            func.sum(Deal.amount),
            func.sum(case((rotting, 1), else_=0)),
        )
        .where(scope)
        .group_by(Deal.stage_id, Deal.currency)
    )
    totals: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for stage_id, currency, count, amount, rotting_count in session.execute(query):
        column = columns.get(stage_id)
        if column is None:
            continue
        column.deal_count += int(count)
        column.rotting_count += int(rotting_count or 0)
        if amount is not None:
            totals[stage_id][currency] = Decimal(amount)
    for stage_id, by_currency in totals.items():
        columns[stage_id].totals = dict(sorted(by_currency.items()))


def rotting_condition(stages: list[Stage], now: datetime) -> ColumnElement[bool]:
    """``stage_entered_at`` older than the rotting age of the deal's own stage."""
    thresholds = {
        stage.id: now - timedelta(days=stage.rotting_days)
        for stage in stages
        if stage.kind == StageKind.OPEN and stage.rotting_days is not None
    }
    if not thresholds:
        return false()
    # literal() with the column's type so that SQLite gets the same naive UTC it stores.
    column_type = Deal.stage_entered_at.type
    threshold = case(
        {stage_id: literal(moment, column_type) for stage_id, moment in thresholds.items()},
        value=Deal.stage_id,
    )
    return Deal.stage_entered_at < threshold


def _cards(
    session: Session, stage: Stage, scope: ColumnElement[bool], now: datetime, limit: int
) -> list[BoardCard]:
    """The first cards of a column: stalest first while open, most recent first once closed."""
    owner = aliased(User)
    order = (
        (Deal.stage_entered_at.asc(), Deal.id.asc())
        if stage.kind == StageKind.OPEN
        else (Deal.stage_entered_at.desc(), Deal.id.desc())
    )
    query = (
        select(
            Deal,
            Account.name,
            Person.first_name,
            Person.last_name,
            Person.primary_email,
            owner.name,
        )
        .outerjoin(Account, Account.id == Deal.account_id)
        .outerjoin(Person, Person.id == Deal.person_id)
        .outerjoin(owner, owner.id == Deal.owner_id)
        .where(scope, Deal.stage_id == stage.id)
        .order_by(*order)
        .limit(limit)
    )
    cards = []
    for deal, account_name, first, last, email, owner_name in session.execute(query):
        person_name = (f"{first or ''} {last or ''}".strip() or email) if deal.person_id else None
        cards.append(
            BoardCard(
                deal_id=deal.id,
                name=deal.name,
                account_id=deal.account_id,
                account_name=account_name,
                person_id=deal.person_id,
                person_name=person_name,
                amount=deal.amount,
                currency=deal.currency,
                owner_name=owner_name,
                expected_close_date=deal.expected_close_date,
                days_in_stage=max((now - deal.stage_entered_at).days, 0),
                rotting=is_rotting(stage, deal.stage_entered_at, now),
            )
        )
    return cards
