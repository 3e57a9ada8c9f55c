"""Sales sequences (decision 0023): a rep's series of personal emails, business-day waits
and tasks; one enrollment per contact and run; one row per executed step (its uniqueness is
what makes every step run exactly once); inbound replies, once per Message-ID."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from twofold.core.time import utcnow
from twofold.store.models.base import Base, Identifier, JsonDocument, Timestamped

CURRENT_ENROLLMENT = text("status IN ('active', 'paused')")


class SalesSequence(Timestamped, Base):
    """A named series of steps owned by a rep; its emails go out in the sender's name."""

    __tablename__ = "sequences"
    __table_args__ = (CheckConstraint("status IN ('active', 'paused')", name="status_known"),)

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="active")
    # The zone the owner works in: waits count business days and end in working hours there.
    timezone: Mapped[str] = mapped_column(String(64))
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument, default=list)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )


class SequenceEnrollment(Timestamped, Base):
    """One contact's way through one sequence: ``position`` is the next step to run."""

    __tablename__ = "sequence_enrollments"
    __table_args__ = (
        # At most one current (active or paused) enrollment per sequence and person.
        Index(
            "uq_sequence_enrollments_current",
            "sequence_id",
            "person_id",
            unique=True,
            sqlite_where=CURRENT_ENROLLMENT,
            postgresql_where=CURRENT_ENROLLMENT,
        ),
        Index("ix_sequence_enrollments_due", "status", "due_at"),
        Index("ix_sequence_enrollments_person_id", "person_id"),
        CheckConstraint(
            "status IN ('active', 'paused', 'completed', 'stopped')", name="status_known"
        ),
    )

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    sequence_id: Mapped[int] = mapped_column(ForeignKey("sequences.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id", ondelete="SET NULL"))
    # Whose name and address the emails carry and who gets the tasks.
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    enrolled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(10), default="active")
    stop_reason: Mapped[str | None] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)
    due_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]


class SequenceStepVisit(Base):
    """A step an enrollment executed: at most one row per enrollment and position."""

    __tablename__ = "sequence_step_visits"
    __table_args__ = (UniqueConstraint("enrollment_id", "position"),)

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("sequence_enrollments.id", ondelete="CASCADE")
    )
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(200))
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="SET NULL")
    )
    activity_id: Mapped[int | None] = mapped_column(
        ForeignKey("activities.id", ondelete="SET NULL")
    )
    # The hash in the email's Message-ID: a reply's In-Reply-To / References lead back here.
    message_ref: Mapped[str | None] = mapped_column(String(64), index=True)
    executed_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboundEmail(Base):
    """An email posted to the inbound endpoint, recorded once per Message-ID (the parse
    service may post the same email twice)."""

    __tablename__ = "inbound_emails"

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(64), unique=True)
    from_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(Text, default="")
    matched_by: Mapped[str] = mapped_column(String(20))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    enrollment_id: Mapped[int | None] = mapped_column(
        ForeignKey("sequence_enrollments.id", ondelete="SET NULL")
    )
    activity_id: Mapped[int | None] = mapped_column(
        ForeignKey("activities.id", ondelete="SET NULL")
    )
    stopped: Mapped[int] = mapped_column(default=0)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
