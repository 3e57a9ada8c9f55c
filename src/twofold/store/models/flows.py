"""Flows and their runs (decision 0018): definitions, one run per person entry, one row per
executed step visit (its uniqueness is what makes every step run exactly once)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from twofold.core.time import utcnow
from twofold.store.models.base import Base, Identifier, JsonDocument, Timestamped


class Flow(Timestamped, Base):
    """A trigger, steps and exit rules; ``status`` draft → active ⇄ paused."""

    __tablename__ = "flows"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'active', 'paused')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="draft")
    definition: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    # How far the trigger feeds were read: the last event load and segment transition seen.
    event_watermark: Mapped[int] = mapped_column(Identifier, default=0)
    transition_watermark: Mapped[int] = mapped_column(Identifier, default=0)
    # Deal-stage triggers: the last deal_stage_history row read (decision 0018).
    stage_watermark: Mapped[int] = mapped_column(Identifier, default=0)
    # Form triggers: the last form submission read (once forms exist).
    form_watermark: Mapped[int] = mapped_column(Identifier, default=0)
    # Date triggers: the last day whose dates were entered (checked daily and on start).
    dates_checked_through: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class FlowRun(Base):
    """One person's way through one flow, from one entry."""

    __tablename__ = "flow_runs"
    __table_args__ = (
        UniqueConstraint("flow_id", "entry_key"),
        Index("ix_flow_runs_due", "status", "due_at"),
        Index("ix_flow_runs_flow_person", "flow_id", "person_id"),
        CheckConstraint(
            "status IN ('active', 'completed', 'exited', 'failed')", name="status_known"
        ),
    )

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    flow_id: Mapped[int] = mapped_column(ForeignKey("flows.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(Identifier)
    entry_key: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default="active")
    step_id: Mapped[str | None] = mapped_column(String(50))
    # When the current step is due (a delay's end; now for the next step).
    due_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    # A wait_until step's deadline (then its timeout branch).
    wait_deadline: Mapped[datetime | None]
    visits: Mapped[int] = mapped_column(default=0)
    variant: Mapped[str | None] = mapped_column(String(100))
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(200))


class FlowStepVisit(Base):
    """A step a run executed: at most one row per run, step and visit number."""

    __tablename__ = "flow_step_visits"
    __table_args__ = (UniqueConstraint("run_id", "step_id", "visit"),)

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("flow_runs.id", ondelete="CASCADE"))
    flow_id: Mapped[int] = mapped_column(Identifier, index=True)
    step_id: Mapped[str] = mapped_column(String(50))
    visit: Mapped[int]
    outcome: Mapped[str] = mapped_column(String(200))
    executed_at: Mapped[datetime] = mapped_column(default=utcnow)
