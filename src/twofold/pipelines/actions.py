"""Create and shape pipelines and stages (admins and managers)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from twofold.auth.permissions import ensure_manager
from twofold.core.enums import ForecastCategory, RecordType, StageKind
from twofold.core.errors import Conflict, NotFound, ValidationFailed
from twofold.core.time import utcnow
from twofold.pipelines.criteria import validate_criteria
from twofold.pipelines.schemas import (
    PipelineCreate,
    PipelineUpdate,
    StageCreate,
    StageFields,
    StageUpdate,
)
from twofold.store.changes import apply_changes, ensure_version
from twofold.store.models import Deal, Pipeline, Stage, User
from twofold.timeline import kinds
from twofold.timeline.entries import append_to_timelines

KIND_DEFAULTS = {
    StageKind.OPEN: (10, ForecastCategory.PIPELINE),
    StageKind.WON: (100, ForecastCategory.CLOSED),
    StageKind.LOST: (0, ForecastCategory.OMITTED),
}


def get_pipeline(session: Session, pipeline_id: int) -> Pipeline:
    """The pipeline with this id, or ``NotFound``."""
    pipeline = session.get(Pipeline, pipeline_id)
    if pipeline is None:
        raise NotFound(f"no pipeline {pipeline_id}")
    return pipeline


def get_stage(session: Session, stage_id: int) -> Stage:
    """The stage with this id, or ``NotFound``."""
    stage = session.get(Stage, stage_id)
    if stage is None:
        raise NotFound(f"no stage {stage_id}")
    return stage


def default_pipeline(session: Session) -> Pipeline:
    """The pipeline new deals go into when none is named."""
    pipeline = session.scalar(select(Pipeline).where(Pipeline.is_default.is_(True)))
    if pipeline is None:
        pipeline = session.scalar(select(Pipeline).order_by(Pipeline.position, Pipeline.id))
    if pipeline is None:
        raise NotFound("there is no pipeline yet; run `twofold init`")
    return pipeline


def list_pipelines(session: Session) -> list[Pipeline]:
    """All pipelines in display order."""
    return list(session.scalars(select(Pipeline).order_by(Pipeline.position, Pipeline.id)))


def pipeline_stages(session: Session, pipeline_id: int) -> list[Stage]:
    """A pipeline's stages in order."""
    query = select(Stage).where(Stage.pipeline_id == pipeline_id).order_by(Stage.position, Stage.id)
    return list(session.scalars(query))


def all_stages(session: Session) -> list[Stage]:
    """Every stage of every pipeline, pipelines in display order, each one's stages in order."""
    query = (
        select(Stage)
        .join(Pipeline, Pipeline.id == Stage.pipeline_id)
        .order_by(Pipeline.position, Pipeline.id, Stage.position, Stage.id)
    )
    return list(session.scalars(query))


def create_pipeline(session: Session, *, actor: User, data: PipelineCreate) -> Pipeline:
    """Add a pipeline with its stages."""
    ensure_manager(actor)
    if session.scalar(select(Pipeline.id).where(Pipeline.name == data.name)) is not None:
        raise Conflict(f"a pipeline named {data.name!r} already exists")
    names = [stage.name for stage in data.stages]
    if len(set(names)) != len(names):
        raise ValidationFailed.on("stages", "stage names must be unique within a pipeline")
    pipeline = Pipeline(name=data.name, is_default=False, position=len(list_pipelines(session)))
    session.add(pipeline)
    session.flush()
    for position, stage_data in enumerate(data.stages):
        session.add(_new_stage(pipeline.id, position, stage_data))
    if data.is_default:
        _make_default(session, pipeline)
    session.flush()
    append_to_timelines(
        session,
        actor=actor,
        records=[(RecordType.PIPELINE, pipeline.id)],
        kind=kinds.CREATED,
        summary=f"Pipeline {pipeline.name} created",
    )
    return pipeline


def update_pipeline(
    session: Session,
    *,
    actor: User,
    pipeline: Pipeline,
    data: PipelineUpdate,
    expected_version: int | None = None,
) -> Pipeline:
    """Rename a pipeline or make it the default."""
    ensure_manager(actor)
    ensure_version(pipeline, expected_version)
    if data.name is not None and data.name != pipeline.name:
        taken = select(Pipeline.id).where(Pipeline.name == data.name, Pipeline.id != pipeline.id)
        if session.scalar(taken) is not None:
            raise Conflict(f"a pipeline named {data.name!r} already exists")
        pipeline.name = data.name
    if data.is_default:
        _make_default(session, pipeline)
    session.flush()
    return pipeline


def add_stage(session: Session, *, actor: User, pipeline: Pipeline, data: StageCreate) -> Stage:
    """Append (or insert at ``position``) a stage."""
    ensure_manager(actor)
    stages = pipeline_stages(session, pipeline.id)
    if any(stage.name == data.name for stage in stages):
        raise Conflict(f"the pipeline already has a stage named {data.name!r}")
    position = len(stages) if data.position is None else min(data.position, len(stages))
    for stage in stages[position:]:
        stage.position += 1
    stage = _new_stage(pipeline.id, position, data)
    session.add(stage)
    session.flush()
    return stage


def update_stage(
    session: Session,
    *,
    actor: User,
    stage: Stage,
    data: StageUpdate,
    expected_version: int | None = None,
) -> Stage:
    """Change a stage; deals that follow the stage's probability follow the new value."""
    ensure_manager(actor)
    ensure_version(stage, expected_version)
    values = _clean_stage_fields(data)
    if "name" in data.model_fields_set and data.name:
        values["name"] = data.name
    position = values.pop("position", None)
    in_use = session.scalar(select(exists().where(Deal.stage_id == stage.id)))
    if "kind" in values and values["kind"] != stage.kind and in_use:
        raise Conflict("deals are in this stage; move them before changing its kind")
    changes = apply_changes(stage, values)
    if position is not None and position != stage.position:
        changes["position"] = {"before": stage.position, "after": position}
        _reorder(session, stage, position)
    for field, overridden in (
        ("probability", Deal.probability_overridden),
        ("forecast_category", Deal.forecast_category_overridden),
    ):
        if field in changes and in_use:
            # Deals that follow the stage change with it: a new version, so ETags move too.
            session.execute(
                update(Deal)
                .where(Deal.stage_id == stage.id, overridden.is_(False))
                .values(
                    {
                        field: getattr(stage, field),
                        "version": Deal.version + 1,
                        "updated_at": utcnow(),
                    }
                )
                .execution_options(synchronize_session=False)
            )
    session.flush()
    if changes:
        append_to_timelines(
            session,
            actor=actor,
            records=[(RecordType.PIPELINE, stage.pipeline_id)],
            kind=kinds.UPDATED,
            summary=f"Stage {stage.name} changed: {', '.join(sorted(changes))}",
            changes=changes,
        )
    return stage


def _reorder(session: Session, stage: Stage, position: int) -> None:
    """Move ``stage`` to ``position`` and renumber the others."""
    others = [s for s in pipeline_stages(session, stage.pipeline_id) if s.id != stage.id]
    others.insert(min(position, len(others)), stage)
    for index, item in enumerate(others):
        item.position = index


def delete_stage(session: Session, *, actor: User, stage: Stage) -> None:
    """Delete a stage that no deal is in or has been in."""
    ensure_manager(actor)
    if session.scalar(select(exists().where(Deal.stage_id == stage.id))):
        raise Conflict("deals are in this stage; move them first")
    session.delete(stage)
    session.flush()


def _new_stage(pipeline_id: int, position: int, data: StageCreate) -> Stage:
    kind = data.kind or StageKind.OPEN
    probability, category = KIND_DEFAULTS[kind]
    values = _clean_stage_fields(data)
    values.pop("position", None)
    values.setdefault("probability", probability)
    values.setdefault("forecast_category", category.value)
    values["kind"] = kind.value
    return Stage(
        pipeline_id=pipeline_id,
        name=data.name,
        position=position,
        entry_criteria=values.pop("entry_criteria", []),
        exit_criteria=values.pop("exit_criteria", []),
        **values,
    )


def _clean_stage_fields(data: StageFields) -> dict[str, Any]:
    values: dict[str, Any] = {
        key: getattr(data, key)
        for key in data.model_fields_set & set(StageFields.model_fields)
        if getattr(data, key) is not None or key == "rotting_days"
    }
    for key in ("kind", "forecast_category"):
        if key in values:
            values[key] = values[key].value
    for key in ("entry_criteria", "exit_criteria"):
        if key in values:
            values[key] = validate_criteria(values[key], field=key)
    return values


def _make_default(session: Session, pipeline: Pipeline) -> None:
    session.execute(update(Pipeline).where(Pipeline.id != pipeline.id).values(is_default=False))
    pipeline.is_default = True
