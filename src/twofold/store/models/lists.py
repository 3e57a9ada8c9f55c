"""Static lists: named sets of people that change only when someone (or a flow step) adds or
removes a person (decision 0018). Dynamic audiences are segments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from twofold.core.time import utcnow
from twofold.store.models.base import Base, Identifier, Timestamped


class StaticList(Timestamped, Base):
    """A named list of people."""

    __tablename__ = "static_lists"

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class StaticListMember(Base):
    """A person on a list: when, and by whom or by which flow."""

    __tablename__ = "static_list_members"
    __table_args__ = (Index("ix_static_list_members_person_id", "person_id"),)

    list_id: Mapped[int] = mapped_column(
        ForeignKey("static_lists.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True
    )
    source: Mapped[str] = mapped_column(String(100))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
