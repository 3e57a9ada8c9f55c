"""B2B account value (decision 0021): each active contract's renewal probability, reasons
and expected value, each account's totals and expansion history, and the renewal-rate fits
they were computed from. Computed in bulk (the account jobs thread, on demand) so the
account page only reads."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from twofold.core.time import utcnow
from twofold.store.models.base import Base, Identifier, JsonDocument


class ContractValue(Base):
    """The renewal outlook of an active contract's current term and its expected value."""

    __tablename__ = "contract_values"
    __table_args__ = (Index("ix_contract_values_account", "account_id", "renewal_probability"),)

    contract_id: Mapped[int] = mapped_column(
        ForeignKey("contracts.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    term_end: Mapped[date]
    renewal_probability: Mapped[float] = mapped_column(Float)  # a fraction, 0..1
    # False: the probability is the uninformed prior (no term has reached its end yet).
    learned: Mapped[bool]
    reasons: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    expected_value: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    currency: Mapped[str] = mapped_column(String(3))
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class AccountValue(Base):
    """An account's expected contract value per currency and its expansion history."""

    __tablename__ = "account_values"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    expected_values: Mapped[dict[str, str]] = mapped_column(JsonDocument, default=dict)
    arr: Mapped[dict[str, str]] = mapped_column(JsonDocument, default=dict)
    expansion: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument, default=list)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class RenewalRateFit(Base):
    """One fit of the renewal rates: the settings, the terms seen and the rate per segment."""

    __tablename__ = "renewal_rate_fits"

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    terms: Mapped[int]
    renewed: Mapped[int]
    segments: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument, default=list)
