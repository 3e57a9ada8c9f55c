"""Segment definitions (membership lives beside the events, in DuckDB; see decision 0013)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from twofold.store.models.base import Base, Identifier, JsonDocument, Timestamped


class Segment(Timestamped, Base):
    """A named rule over persons or accounts (``rule`` is the JSON of product.md)."""

    __tablename__ = "segments"
    __table_args__ = (CheckConstraint("target IN ('persons', 'accounts')", name="target_known"),)

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    target: Mapped[str] = mapped_column(String(10))
    rule: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    # Segments created on init carry a key, so that init never creates them twice.
    starter_key: Mapped[str | None] = mapped_column(String(50), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
