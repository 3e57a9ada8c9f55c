"""Which deals a report looks at: pipeline, owner, team and segment filters, and who may ask.

Visibility follows the forecast (docs/decisions/0004-forecasting.md): admins see every deal;
everybody else sees their own team's, so a report without ``owner_id`` or ``team_of`` is the
asker's team (the whole company for admins).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import ColumnElement, Select, SQLColumnExpression, and_, case, literal, select, true
from sqlalchemy.orm import Session

from twofold.core.enums import Role, StageKind
from twofold.core.errors import ValidationFailed
from twofold.forecasting.teams import ensure_can_view_team, get_user, team_subtree
from twofold.pipelines.actions import list_pipelines
from twofold.store.models import Account, Deal, Pipeline, Stage, User

# Employee-count bands: (label, lowest, highest); the last band is open-ended.
SIZE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("1-10", 1, 10),
    ("11-50", 11, 50),
    ("51-200", 51, 200),
    ("201-1000", 201, 1000),
    ("1001-5000", 1001, 5000),
    ("5001+", 5001, None),
)
UNKNOWN_SIZE = "unknown"
SIZE_BAND_LABELS = (*(label for label, _low, _high in SIZE_BANDS), UNKNOWN_SIZE)


@dataclass(frozen=True)
class AnalyticsFilters:
    """The filters as asked for; ``None`` means "any"."""

    pipeline_id: int | None = None
    owner_id: int | None = None
    team_of: int | None = None
    industry: str | None = None
    region: str | None = None
    size_band: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class Scope:
    """Checked filters with the pipelines and stages they cover."""

    filters: AnalyticsFilters
    pipelines: list[Pipeline]
    stages: list[Stage]
    all_won_stage_ids: list[int]  # in every pipeline: quotas count wins in all of them

    @cached_property
    def won_stage_ids(self) -> list[int]:
        """Stages whose deals are won."""
        return [stage.id for stage in self.stages if stage.kind == StageKind.WON]

    @cached_property
    def lost_stage_ids(self) -> list[int]:
        """Stages whose deals are lost."""
        return [stage.id for stage in self.stages if stage.kind == StageKind.LOST]

    @cached_property
    def open_stage_ids(self) -> list[int]:
        """Stages whose deals are still open."""
        return [stage.id for stage in self.stages if stage.kind == StageKind.OPEN]

    def deals(self) -> ColumnElement[bool]:
        """The condition on ``deals`` that every filter adds up to."""
        filters = self.filters
        conditions = self._owner_conditions()
        if filters.pipeline_id is not None:
            conditions.append(Deal.pipeline_id == filters.pipeline_id)
        if filters.source is not None:
            conditions.append(Deal.source == filters.source)
        segment = _account_conditions(filters)
        if segment:
            conditions.append(Deal.account_id.in_(select(Account.id).where(*segment)))
        return and_(true(), *conditions)

    def quota_holders_deals(self) -> ColumnElement[bool]:
        """Deals of the people whose quotas count, in every pipeline and segment."""
        return and_(true(), *self._owner_conditions())

    def _owner_conditions(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.filters.owner_id is not None:
            conditions.append(Deal.owner_id == self.filters.owner_id)
        if self.filters.team_of is not None:
            conditions.append(Deal.owner_id.in_(self._team))
        return conditions

    @cached_property
    def _team(self) -> Select[tuple[int]]:
        """The team's ids, built once: a statement may name the scope's deals twice, and two
        separate recursive CTEs of the same name cannot be compiled into one statement."""
        assert self.filters.team_of is not None
        return select(team_subtree(self.filters.team_of).c.id)

    def quota_holders(self) -> Select[tuple[int]] | None:
        """Whose quotas count: the owner's, the team's, or (``None``) everyone's."""
        if self.filters.owner_id is not None:
            return select(literal(self.filters.owner_id))
        if self.filters.team_of is not None:
            return self._team
        return None


def resolve_scope(session: Session, *, actor: User, filters: AnalyticsFilters) -> Scope:
    """Check the filters (unknown ids and bands are 422s, other teams 403) and fill defaults."""
    pipelines = (
        [get_pipeline_field(session, filters.pipeline_id)]
        if filters.pipeline_id is not None
        else list_pipelines(session)
    )
    team_of = filters.team_of
    if filters.owner_id is None and team_of is None and actor.role != Role.ADMIN:
        team_of = actor.id
    for field, user_id in (("owner_id", filters.owner_id), ("team_of", team_of)):
        if user_id is not None:
            get_user(session, user_id, field=field)
            ensure_can_view_team(session, actor=actor, owner_id=user_id)
    if filters.size_band is not None and filters.size_band not in SIZE_BAND_LABELS:
        raise ValidationFailed.on(
            "size_band",
            f"{filters.size_band!r} is not a size band: use one of " + ", ".join(SIZE_BAND_LABELS),
        )
    resolved = AnalyticsFilters(
        pipeline_id=filters.pipeline_id,
        owner_id=filters.owner_id,
        team_of=team_of,
        industry=_text(filters.industry),
        region=_text(filters.region),
        size_band=filters.size_band,
        source=_text(filters.source),
    )
    pipeline_ids = {pipeline.id for pipeline in pipelines}
    stages = session.scalars(
        select(Stage)
        .where(Stage.pipeline_id.in_(pipeline_ids))
        .order_by(Stage.pipeline_id, Stage.position, Stage.id)
    ).all()
    all_won = session.scalars(select(Stage.id).where(Stage.kind == StageKind.WON.value)).all()
    return Scope(
        filters=resolved, pipelines=pipelines, stages=list(stages), all_won_stage_ids=list(all_won)
    )


def get_pipeline_field(session: Session, pipeline_id: int) -> Pipeline:
    """The pipeline a ``pipeline_id`` filter names; unknown is a 422 on that field."""
    pipeline = session.get(Pipeline, pipeline_id)
    if pipeline is None:
        raise ValidationFailed.on("pipeline_id", f"no pipeline {pipeline_id}")
    return pipeline


def size_band_of(employees: SQLColumnExpression[int | None]) -> ColumnElement[str]:
    """The size band label of an employee count (``unknown`` when not known)."""
    whens: list[tuple[ColumnElement[bool], str]] = [(employees.is_(None), UNKNOWN_SIZE)]
    whens += [(employees <= high, label) for label, _low, high in SIZE_BANDS if high is not None]
    return case(*whens, else_=SIZE_BANDS[-1][0])


def _account_conditions(filters: AnalyticsFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.industry is not None:
        conditions.append(Account.industry == filters.industry)
    if filters.region is not None:
        conditions.append(Account.region == filters.region)
    if filters.size_band == UNKNOWN_SIZE:
        conditions.append(Account.employees.is_(None))
    elif filters.size_band is not None:
        _label, low, high = next(band for band in SIZE_BANDS if band[0] == filters.size_band)
        conditions.append(Account.employees >= low)
        if high is not None:
            conditions.append(Account.employees <= high)
    return conditions


def _text(value: str | None) -> str | None:
    """Blank filters mean "any" (a form sends empty fields)."""
    if value is None:
        return None
    return value.strip() or None
