"""Contracts (recurring revenue), their product lines and the renewal deals made for them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from twofold.core.time import utcnow
from twofold.store.models.base import Base, Identifier, Timestamped


class Contract(Timestamped, Base):
    """A subscription term on an account or a person: MRR/ARR from ``start_date`` to
    ``end_date`` (both inclusive)."""

    __tablename__ = "contracts"
    __table_args__ = (
        CheckConstraint("end_date > start_date", name="ends_after_start"),
        CheckConstraint("account_id IS NOT NULL OR person_id IS NOT NULL", name="has_customer"),
        Index("ix_contracts_end_date_id", "end_date", "id"),
        Index("ix_contracts_start_date_id", "start_date", "id"),
        Index("ix_contracts_updated_at_id", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), index=True)
    start_date: Mapped[date]
    end_date: Mapped[date]
    auto_renew: Mapped[bool] = mapped_column(default=False)
    billing_period: Mapped[str] = mapped_column(String(20))
    mrr: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    arr: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    currency: Mapped[str] = mapped_column(String(3))
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    won_deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id", ondelete="SET NULL"))
    renewal_lead_days: Mapped[int | None]
    notes: Mapped[str | None] = mapped_column(Text)
    search_text: Mapped[str] = mapped_column(Text, default="")


class ContractLine(Base):
    """A product line of a contract: free text until products exist, with its yearly amount."""

    __tablename__ = "contract_lines"
    __table_args__ = (
        UniqueConstraint("contract_id", "position"),
        Index("ix_contract_lines_product", "product", "contract_id"),
    )

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))
    position: Mapped[int]
    description: Mapped[str] = mapped_column(String(300))
    # The lower-cased, accent-folded description: whitespace compares products by it.
    product: Mapped[str] = mapped_column(String(300))
    amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))


class ContractRenewal(Base):
    """The renewal deal made for one term of a contract. The unique key is what keeps two
    runs (even concurrent ones) from making a second deal for the same term."""

    __tablename__ = "contract_renewals"
    __table_args__ = (UniqueConstraint("contract_id", "term_end"),)

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))
    term_end: Mapped[date]
    # Kept when the deal is deleted: the term had its renewal deal and gets no second one.
    deal_id: Mapped[int | None] = mapped_column(
        ForeignKey("deals.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
