"""Input shapes for pipelines and stages."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from twofold.core.enums import ForecastCategory, StageKind


class StageFields(BaseModel):
    """Fields of a stage (all optional for PATCH)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

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


class PipelineCreate(BaseModel):
    """A new pipeline with its stages in order."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200, examples=["Renewals"])
    is_default: bool = False
    stages: list[StageCreate] = Field(min_length=1)


class PipelineUpdate(BaseModel):
    """Rename a pipeline or make it the default."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=200)
    is_default: bool | None = None
