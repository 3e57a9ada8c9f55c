"""Accounts (organisations, in a hierarchy) and memberships (a person at an account)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from twofold.store.models.base import Base, Identifier, JsonDocument, Timestamped


class Account(Timestamped, Base):
    """An organisation; ``parent_id`` builds group → subsidiary hierarchies."""

    __tablename__ = "accounts"
    __table_args__ = (
        Index("ix_accounts_external_id", "external_id", unique=True),
        Index("ix_accounts_name_id", "name", "id"),
        Index("ix_accounts_updated_at", "updated_at"),  # the segment fact mirror's feed
    )

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    # The id in the system a record was imported from (CSV import upserts by it).
    external_id: Mapped[str | None] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    domains: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    industry: Mapped[str | None] = mapped_column(String(100), index=True)
    employees: Mapped[int | None]
    annual_revenue: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))
    annual_revenue_currency: Mapped[str | None] = mapped_column(String(3))
    country: Mapped[str | None] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(100))
    tier: Mapped[str | None] = mapped_column(String(20))
    lifecycle: Mapped[str] = mapped_column(String(20), default="prospect")
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    custom: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    search_text: Mapped[str] = mapped_column(Text, default="")


class Membership(Timestamped, Base):
    """A person at an account: title, department, reporting line and buying roles."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("person_id", "account_id"),
        Index("ix_memberships_updated_at", "updated_at"),  # the segment fact mirror's feed
    )

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str | None] = mapped_column(String(200))
    department: Mapped[str | None] = mapped_column(String(100))
    reports_to_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    buying_roles: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    started_on: Mapped[date | None]
    ended_on: Mapped[date | None]
