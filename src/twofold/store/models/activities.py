"""Activities (calls, meetings, emails, notes, tasks...) and the records they touch."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from twofold.core.time import utcnow
from twofold.store.models.base import Base, Identifier, JsonDocument, Timestamped


class Activity(Timestamped, Base):
    """Something that happened or must happen, linked to persons, accounts and deals."""

    __tablename__ = "activities"
    # Open support issues per account (account health) without scanning every activity.
    __table_args__ = (Index("ix_activities_kind_done_at", "kind", "done_at"),)

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    due_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(200))
    objections: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    competitor_mentions: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )


def _link_table(name: str, target: str) -> Table:
    column = f"{target[:-1]}_id"
    return Table(
        name,
        Base.metadata,
        Column(
            "activity_id",
            Identifier,
            ForeignKey("activities.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        Column(
            column, Identifier, ForeignKey(f"{target}.id", ondelete="CASCADE"), primary_key=True
        ),
        Index(f"ix_{name}_{column}", column, "activity_id"),
    )


activity_accounts = _link_table("activity_accounts", "accounts")
activity_persons = _link_table("activity_persons", "persons")
activity_deals = _link_table("activity_deals", "deals")
