"""Account intelligence: health (current and daily history), ABM status, wallet estimates,
and the small settings table their weights live in."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from twofold.core.time import utcnow
from twofold.store.models.base import Base, Identifier, JsonDocument, Timestamped


class AccountHealth(Base):
    """The latest computed health score and ABM status of an account (one row each)."""

    __tablename__ = "account_health"
    __table_args__ = (
        Index("ix_account_health_abm", "abm_status", "score", "account_id"),
        Index("ix_account_health_score", "score", "account_id"),
    )

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    score: Mapped[int]
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument, default=list)
    abm_status: Mapped[str] = mapped_column(String(20))
    abm_reason: Mapped[str] = mapped_column(Text)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class HealthSnapshot(Base):
    """An account's health on one day: the history the account page draws."""

    __tablename__ = "health_snapshots"
    __table_args__ = (
        UniqueConstraint("account_id", "day"),
        Index("ix_health_snapshots_day", "day"),
    )

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    day: Mapped[date]
    score: Mapped[int]
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument, default=list)


class AccountPotential(Timestamped, Base):
    """An estimate of what an account could spend with us in a year (share of wallet)."""

    __tablename__ = "account_potentials"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    currency: Mapped[str] = mapped_column(String(3))


class ConfigEntry(Timestamped, Base):
    """A named JSON setting changed at run time (health weights, revenue per employee)."""

    __tablename__ = "config_entries"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JsonDocument)
