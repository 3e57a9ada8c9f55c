"""Persons: leads, contacts and consumers alike."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from twofold.store.models.base import Base, Identifier, JsonDocument, Timestamped


class Person(Timestamped, Base):
    """Any human the business knows; the first email and phone are the primary ones."""

    __tablename__ = "persons"
    __table_args__ = (
        Index("ix_persons_external_id", "external_id", unique=True),
        Index("ix_persons_last_name_id", "last_name", "id"),
        Index("ix_persons_updated_at", "updated_at"),  # the segment fact mirror's feed
    )

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    # The id in the system a record was imported from (CSV import upserts by it).
    external_id: Mapped[str | None] = mapped_column(String(200))
    first_name: Mapped[str] = mapped_column(String(200), default="")
    last_name: Mapped[str] = mapped_column(String(200), default="")
    emails: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    phones: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    primary_email: Mapped[str | None] = mapped_column(String(320), index=True)
    title: Mapped[str | None] = mapped_column(String(200))
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    lifecycle_stage: Mapped[str] = mapped_column(String(20), default="lead")
    traits: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    custom: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    search_text: Mapped[str] = mapped_column(Text, default="")
