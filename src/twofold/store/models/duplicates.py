"""The duplicate review queue: pairs of persons or accounts that look like one record."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from twofold.core.time import utcnow
from twofold.store.models.base import Base, Identifier, JsonDocument


class DuplicateCandidate(Base):
    """A pair found by the duplicate scan (``record_id`` < ``other_record_id``), its score
    (0-100) and reasons, and what a reviewer decided: ``open``, ``merged`` or ``dismissed``.

    A dismissed pair stays, so that a later scan does not propose it again.
    """

    __tablename__ = "duplicate_candidates"
    __table_args__ = (
        UniqueConstraint("kind", "record_id", "other_record_id"),
        CheckConstraint("kind IN ('persons', 'accounts')", name="kind_known"),
        CheckConstraint("status IN ('open', 'merged', 'dismissed')", name="status_known"),
        CheckConstraint("record_id < other_record_id", name="pair_ordered"),
        # The review queue: open pairs of one kind, best first.
        Index("ix_duplicate_candidates_queue", "kind", "status", "score", "id"),
        Index("ix_duplicate_candidates_other", "kind", "other_record_id"),
    )

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    record_id: Mapped[int] = mapped_column(Identifier)
    other_record_id: Mapped[int] = mapped_column(Identifier)
    score: Mapped[int]
    reasons: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
