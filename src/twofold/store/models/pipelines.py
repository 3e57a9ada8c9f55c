"""Pipelines and their ordered, gated stages."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from twofold.store.models.base import Base, Identifier, JsonDocument, Timestamped


class Pipeline(Timestamped, Base):
    """A named sequence of stages; one pipeline is the default for new deals."""

    __tablename__ = "pipelines"

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    is_default: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)


class Stage(Timestamped, Base):
    """A step of a pipeline with its probability, kind, forecast category and gates."""

    __tablename__ = "stages"
    __table_args__ = (UniqueConstraint("pipeline_id", "name"),)

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    pipeline_id: Mapped[int] = mapped_column(ForeignKey("pipelines.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int]
    probability: Mapped[int]
    kind: Mapped[str] = mapped_column(String(10))
    forecast_category: Mapped[str] = mapped_column(String(20))
    entry_criteria: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    exit_criteria: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    rotting_days: Mapped[int | None]
