"""Input shapes for pipelines and stages."""

from __future__ import annotations

from pydantic import Field

from twofold.core.enums import ForecastCategory, StageKind
from twofold.core.inputs import InputModel


class StageFields(InputModel):
    """Fields of a stage (all optional for PATCH)."""

    probability: int | None = Field(default=None, ge=0, le=100, examples=[40])
    kind: StageKind | None = None
    forecast_category: ForecastCategory | None = None
    entry_criteria: list[str] | None = Field(
        default=None, examples=[["amount", "expected_close_date", "role:economic_buyer"]]
    )
    exit_criteria: list[str] | None = None
    rotting_days: int | None = Field(default=None, ge=1, le=3650, examples=[21])
    position: int | None = Field(default=None, ge=0)


class StageCreate(StageFields):
    """A new stage; probability, kind and forecast category default from the kind."""

    name: str = Field(min_length=1, max_length=200, examples=["Proposal"])


class StageUpdate(StageFields):
    """A partial update of a stage."""

    name: str | None = Field(default=None, min_length=1, max_length=200)


class PipelineCreate(InputModel):
    """A new pipeline with its stages in order."""

    name: str = Field(min_length=1, max_length=200, examples=["Renewals"])
    is_default: bool = False
    stages: list[StageCreate] = Field(min_length=1)


class PipelineUpdate(InputModel):
    """Rename a pipeline or make it the default."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    is_default: bool | None = None
