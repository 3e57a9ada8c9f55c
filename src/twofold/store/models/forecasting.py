"""Quotas, dated exchange rates and forecast submissions (docs/decisions/0004-forecasting.md)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from twofold.core.time import utcnow
from twofold.store.models.base import Base, Identifier, JsonDocument, Timestamped


class Quota(Timestamped, Base):
    """What one user is expected to close in one month or quarter."""

    __tablename__ = "quotas"
    __table_args__ = (
        UniqueConstraint("user_id", "period_kind", "period_start"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("period_kind IN ('month', 'quarter')", name="period_kind_known"),
    )

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    period_kind: Mapped[str] = mapped_column(String(10))
    period_start: Mapped[date]
    amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    currency: Mapped[str] = mapped_column(String(3))


class ExchangeRate(Timestamped, Base):
    """How many units of the base currency one unit of ``currency`` is worth from a date on."""

    __tablename__ = "exchange_rates"
    __table_args__ = (
        UniqueConstraint("base_currency", "currency", "valid_from"),
        CheckConstraint("rate > 0", name="rate_positive"),
    )

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    base_currency: Mapped[str] = mapped_column(String(3))
    currency: Mapped[str] = mapped_column(String(3))
    valid_from: Mapped[date]
    rate: Mapped[Decimal] = mapped_column(Numeric(24, 10))


class ForecastSubmission(Base):
    """A rep's or manager's call for a period, with the forecast as it stood (append-only)."""

    __tablename__ = "forecast_submissions"
    __table_args__ = (
        Index("ix_forecast_submissions_user_period", "user_id", "period_start", "id"),
    )

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    period_kind: Mapped[str] = mapped_column(String(10))
    period_start: Mapped[date]
    period_end: Mapped[date]
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    note: Mapped[str | None] = mapped_column(Text)
    # The forecast of the submitter's team when the call was made, money as decimal strings.
    categories: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    weighted: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    quota: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))
    deal_count: Mapped[int]
    unconverted: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument, default=list)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)


class DealForecastMonth(Base):
    """Totals of the deals a forecast counts, per close month, owner (``owner_key`` 0: none),
    forecast category (won deals: ``closed``; lost deals are left out) and currency.

    Kept in step with ``deals`` by database triggers (migration 0004), so that the forecast of
    a quarter reads thousands of rows instead of every deal closing in it.
    """

    __tablename__ = "deal_forecast_months"
    __table_args__ = ({"sqlite_with_rowid": False},)

    close_month: Mapped[date] = mapped_column(primary_key=True)
    owner_key: Mapped[int] = mapped_column(Identifier, primary_key=True, autoincrement=False)
    category: Mapped[str] = mapped_column(String(20), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(30, 4))
    amount_times_probability: Mapped[Decimal] = mapped_column(Numeric(30, 4))
    deal_count: Mapped[int]
