"""Where deals are lost: the stage funnel of the deals closed in a period, from stage history.

A won deal passed every open stage. A lost deal reached every open stage up to the furthest
one it visited (``deal_stage_history``) and was lost there: that stage counts its drop-off and
its lost reason. A lost deal without history is counted as lost in the first stage. The
funnel also has the average days a stay in each stage lasted, over the same deals' finished
stays (decision 0012).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import pairwise

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from twofold.analytics.outcomes import DAY_PLACES, NONE_LABEL, PERCENT_PLACES, closed_in, is_won
from twofold.analytics.scope import Scope
from twofold.core.enums import StageKind
from twofold.forecasting.periods import Period
from twofold.store.durations import days_between
from twofold.store.models import Deal, DealStageVisit, Stage

MAX_LOST_REASONS = 10
OTHER_REASONS = "(other reasons)"


@dataclass
class FunnelStage:
    """One stage: deals that reached it, lost there (and why), and how long stays lasted."""

    stage_id: int
    name: str
    kind: str
    reached: int = 0
    lost_here: int = 0
    conversion_percent: Decimal | None = None
    lost_reasons: list[tuple[str, int]] = field(default_factory=list)
    stays: int = 0
    average_days: Decimal | None = None


@dataclass
class PipelineFunnel:
    """The funnel of one pipeline's deals closed in the period."""

    pipeline_id: int
    name: str
    won_count: int
    lost_count: int
    stages: list[FunnelStage]


@dataclass
class _Closed:
    """What the grouped query found for one pipeline."""

    won: int = 0
    lost_at: Counter[int | None] = field(default_factory=Counter)
    reasons: dict[int | None, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))


def compute_funnels(session: Session, *, scope: Scope, period: Period) -> list[PipelineFunnel]:
    """The funnel of every pipeline in the scope (the open stages in order, then won)."""
    closed = _closed_by_furthest_stage(session, scope, period)
    stays = _stays(session, scope, period)
    funnels = []
    for pipeline in scope.pipelines:
        stages = [stage for stage in scope.stages if stage.pipeline_id == pipeline.id]
        found = closed.get(pipeline.id, _Closed())
        funnels.append(
            PipelineFunnel(
                pipeline_id=pipeline.id,
                name=pipeline.name,
                won_count=found.won,
                lost_count=sum(found.lost_at.values()),
                stages=_funnel_stages(stages, found, stays),
            )
        )
    return funnels


def _closed_by_furthest_stage(session: Session, scope: Scope, period: Period) -> dict[int, _Closed]:
    """Closed deals per pipeline, won or lost, by furthest open stage position and reason."""
    cohort = select(Deal.id).where(closed_in(scope, period))
    furthest = (
        select(DealStageVisit.deal_id, func.max(Stage.position).label("position"))
        .join(Stage, Stage.id == DealStageVisit.stage_id)
        .where(Stage.kind == StageKind.OPEN.value, DealStageVisit.deal_id.in_(cohort))
        .group_by(DealStageVisit.deal_id)
        .subquery("furthest")
    )
    deals = (
        select(
            Deal.pipeline_id,
            is_won(scope).label("won"),
            furthest.c.position,
            Deal.lost_reason,
        )
        .outerjoin(furthest, furthest.c.deal_id == Deal.id)
        .where(closed_in(scope, period))
        .subquery("closed_deals")
    )
    keys = (deals.c.pipeline_id, deals.c.won, deals.c.position, deals.c.lost_reason)
    found: dict[int, _Closed] = defaultdict(_Closed)
    for pipeline_id, won, position, reason, count in session.execute(
        select(*keys, func.count()).group_by(*keys)
    ):
        row = found[pipeline_id]
        if won:
            row.won += int(count)
            continue
        row.lost_at[position] += int(count)
        row.reasons[position][(reason or "").strip() or NONE_LABEL] += int(count)
    return found


def _stays(session: Session, scope: Scope, period: Period) -> dict[int, tuple[int, float]]:
    """Per stage: finished stays of the period's closed deals and their total days."""
    cohort = select(Deal.id).where(closed_in(scope, period))
    query = (
        select(
            DealStageVisit.stage_id,
            func.count(),
            func.sum(days_between(DealStageVisit.entered_at, DealStageVisit.left_at)),
        )
        .where(DealStageVisit.deal_id.in_(cohort), DealStageVisit.left_at.is_not(None))
        .group_by(DealStageVisit.stage_id)
    )
    return {
        stage_id: (int(count), float(days or 0)) for stage_id, count, days in session.execute(query)
    }


def _funnel_stages(
    stages: list[Stage], found: _Closed, stays: dict[int, tuple[int, float]]
) -> list[FunnelStage]:
    """Open stages in order, then the won stages; a lost deal is placed at its furthest stage."""
    open_stages = [stage for stage in stages if stage.kind == StageKind.OPEN]
    won_stages = [stage for stage in stages if stage.kind == StageKind.WON]
    rows = [FunnelStage(stage.id, stage.name, stage.kind) for stage in open_stages]
    if rows:
        reasons: list[Counter[str]] = [Counter() for _row in rows]
        for position, count in found.lost_at.items():
            index = _stage_index(open_stages, position)
            rows[index].lost_here += count
            reasons[index].update(found.reasons[position])
        for row, counter in zip(rows, reasons, strict=True):
            row.lost_reasons = _top_reasons(counter)
    reached = found.won
    for row in reversed(rows):
        reached += row.lost_here
        row.reached = reached
    rows += [
        FunnelStage(stage.id, stage.name, stage.kind, reached=found.won if index == 0 else 0)
        for index, stage in enumerate(won_stages)
    ]
    for row, following in pairwise(rows):
        if row.kind == StageKind.OPEN and row.reached:
            row.conversion_percent = (Decimal(following.reached) * 100 / row.reached).quantize(
                PERCENT_PLACES
            )
    for row in rows:
        count, days = stays.get(row.stage_id, (0, 0.0))
        row.stays = count
        if count:
            row.average_days = Decimal(repr(round(days / count, 6))).quantize(DAY_PLACES)
    return rows


def _stage_index(open_stages: list[Stage], position: int | None) -> int:
    """The open stage at the furthest position reached (the first when there is no history)."""
    if position is None:
        return 0
    index = 0
    for candidate, stage in enumerate(open_stages):
        if stage.position <= position:
            index = candidate
    return index


def _top_reasons(reasons: Counter[str]) -> list[tuple[str, int]]:
    """The most frequent reasons first (ties by name), the tail summed as one entry."""
    ordered = sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
    kept, rest = ordered[:MAX_LOST_REASONS], ordered[MAX_LOST_REASONS:]
    rest_count = sum(count for _reason, count in rest)
    return kept + ([(OTHER_REASONS, rest_count)] if rest_count else [])
