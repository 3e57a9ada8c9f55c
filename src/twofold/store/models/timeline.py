"""The append-only timeline: every change and interaction, per record. Also the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from twofold.core.time import utcnow
from twofold.store.models.base import Base, Identifier, JsonDocument


class TimelineEntry(Base):
    """One line of a record's history: who did what, when, with before/after values.

    ``record_type``/``record_id`` are not foreign keys on purpose: the history of a deleted
    record is kept.
    """

    __tablename__ = "timeline_entries"
    __table_args__ = (Index("ix_timeline_record", "record_type", "record_id", "id"),)

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    record_type: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[int] = mapped_column(Identifier)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(Text)
    changes: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    activity_id: Mapped[int | None] = mapped_column(
        ForeignKey("activities.id", ondelete="SET NULL")
    )
