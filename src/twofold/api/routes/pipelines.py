"""/api/v1/pipelines: pipelines and their stages."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from sqlalchemy.orm import Session

from twofold.api.dependencies import ApiUser, DbSession, ExpectedVersion
from twofold.api.routes.support import set_etag
from twofold.api.schemas.common import ListOut
from twofold.api.schemas.records import PipelineOut, StageOut
from twofold.core.errors import NotFound
from twofold.pipelines import actions
from twofold.pipelines.schemas import PipelineCreate, PipelineUpdate, StageCreate, StageUpdate
from twofold.store.models import Pipeline, Stage

router = APIRouter(prefix="/pipelines", tags=["pipelines"])


def pipeline_out(session: Session, pipeline: Pipeline) -> PipelineOut:
    """Render a pipeline with its stages."""
    stages = [StageOut.model_validate(s) for s in actions.pipeline_stages(session, pipeline.id)]
    return PipelineOut(
        id=pipeline.id,
        name=pipeline.name,
        is_default=pipeline.is_default,
        position=pipeline.position,
        version=pipeline.version,
        stages=stages,
    )


@router.get("")
def list_(session: DbSession) -> ListOut[PipelineOut]:
    """All pipelines with their stages (there are few, so one page)."""
    items = [pipeline_out(session, p) for p in actions.list_pipelines(session)]
    return ListOut(items=items, next_cursor=None)


@router.post("", status_code=status.HTTP_201_CREATED)
def create(data: PipelineCreate, session: DbSession, user: ApiUser) -> PipelineOut:
    """Create a pipeline with its stages (admins and managers)."""
    return pipeline_out(session, actions.create_pipeline(session, actor=user, data=data))


@router.get("/{pipeline_id}")
def read(pipeline_id: int, session: DbSession, response: Response) -> PipelineOut:
    """One pipeline."""
    pipeline = actions.get_pipeline(session, pipeline_id)
    set_etag(response, pipeline.version)
    return pipeline_out(session, pipeline)


@router.patch("/{pipeline_id}")
def update(
    pipeline_id: int,
    data: PipelineUpdate,
    session: DbSession,
    user: ApiUser,
    expected_version: ExpectedVersion,
) -> PipelineOut:
    """Rename a pipeline or make it the default."""
    pipeline = actions.get_pipeline(session, pipeline_id)
    actions.update_pipeline(
        session, actor=user, pipeline=pipeline, data=data, expected_version=expected_version
    )
    return pipeline_out(session, pipeline)


@router.post("/{pipeline_id}/stages", status_code=status.HTTP_201_CREATED)
def add_stage(pipeline_id: int, data: StageCreate, session: DbSession, user: ApiUser) -> StageOut:
    """Add a stage at the end (or at ``position``)."""
    pipeline = actions.get_pipeline(session, pipeline_id)
    return StageOut.model_validate(
        actions.add_stage(session, actor=user, pipeline=pipeline, data=data)
    )


@router.patch("/{pipeline_id}/stages/{stage_id}")
def update_stage(
    pipeline_id: int,
    stage_id: int,
    data: StageUpdate,
    session: DbSession,
    user: ApiUser,
    expected_version: ExpectedVersion,
    response: Response,
) -> StageOut:
    """Change a stage's probability, category, gates or rotting age."""
    stage = _stage_of(session, pipeline_id, stage_id)
    actions.update_stage(
        session, actor=user, stage=stage, data=data, expected_version=expected_version
    )
    set_etag(response, stage.version)
    return StageOut.model_validate(stage)


@router.delete("/{pipeline_id}/stages/{stage_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_stage(pipeline_id: int, stage_id: int, session: DbSession, user: ApiUser) -> None:
    """Delete a stage no deal has been in."""
    actions.delete_stage(session, actor=user, stage=_stage_of(session, pipeline_id, stage_id))


def _stage_of(session: Session, pipeline_id: int, stage_id: int) -> Stage:
    stage = actions.get_stage(session, stage_id)
    if stage.pipeline_id != pipeline_id:
        raise NotFound(f"no stage {stage_id} in pipeline {pipeline_id}")
    return stage
