"""The default B2B pipeline created by ``twofold init``."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.core.enums import ForecastCategory, StageKind
from twofold.store.models import Pipeline, Stage

DEFAULT_PIPELINE_NAME = "New business"


@dataclass(frozen=True)
class StageTemplate:
    """A stage of the default pipeline."""

    name: str
    probability: int
    kind: StageKind
    forecast_category: ForecastCategory
    entry_criteria: list[str] = field(default_factory=list)
    rotting_days: int | None = None


DEFAULT_STAGES = (
    StageTemplate("Qualification", 10, StageKind.OPEN, ForecastCategory.PIPELINE, [], 14),
    StageTemplate("Discovery", 20, StageKind.OPEN, ForecastCategory.PIPELINE, ["amount"], 21),
    StageTemplate(
        "Solution demo",
        40,
        StageKind.OPEN,
        ForecastCategory.BEST_CASE,
        ["amount", "expected_close_date"],
        21,
    ),
    StageTemplate(
        "Proposal",
        60,
        StageKind.OPEN,
        ForecastCategory.BEST_CASE,
        ["amount", "expected_close_date", "stakeholders"],
        14,
    ),
    StageTemplate(
        "Negotiation",
        80,
        StageKind.OPEN,
        ForecastCategory.COMMIT,
        ["amount", "expected_close_date", "stakeholders", "next_step"],
        10,
    ),
    StageTemplate("Closed won", 100, StageKind.WON, ForecastCategory.CLOSED, ["amount"]),
    StageTemplate("Closed lost", 0, StageKind.LOST, ForecastCategory.OMITTED),
)


def ensure_default_pipeline(session: Session) -> Pipeline:
    """Create the default pipeline with its stages unless a default already exists."""
    existing = session.scalar(select(Pipeline).where(Pipeline.is_default.is_(True)))
    if existing is not None:
        return existing
    pipeline = Pipeline(name=DEFAULT_PIPELINE_NAME, is_default=True, position=0)
    session.add(pipeline)
    session.flush()
    for position, template in enumerate(DEFAULT_STAGES):
        session.add(
            Stage(
                pipeline_id=pipeline.id,
                name=template.name,
                position=position,
                probability=template.probability,
                kind=template.kind.value,
                forecast_category=template.forecast_category.value,
                entry_criteria=list(template.entry_criteria),
                exit_criteria=[],
                rotting_days=template.rotting_days,
            )
        )
    session.flush()
    return pipeline
