"""Marketing spend per channel and month: what customer acquisition cost is computed from."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from twofold.store.models.base import Base, Identifier, Timestamped


class MarketingSpend(Timestamped, Base):
    """Money spent on one channel in one month (``month`` is its first day), to acquire
    customers (CAC) or to keep them (retention cost)."""

    __tablename__ = "marketing_spend"
    __table_args__ = (
        UniqueConstraint("channel", "month", "currency", "purpose"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("purpose IN ('acquisition', 'retention')", name="purpose_known"),
    )

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    channel: Mapped[str] = mapped_column(String(100))
    month: Mapped[date]
    amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    currency: Mapped[str] = mapped_column(String(3))
    purpose: Mapped[str] = mapped_column(
        String(20), default="acquisition", server_default="acquisition"
    )
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
