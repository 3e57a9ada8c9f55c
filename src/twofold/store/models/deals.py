"""Deals with their stakeholders, partners and stage history."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from twofold.core.time import utcnow
from twofold.store.models.base import Base, Identifier, JsonDocument, Timestamped


class Deal(Timestamped, Base):
    """An opportunity on an account (B2B) or a person (B2C high-touch)."""

    __tablename__ = "deals"
    __table_args__ = (
        Index("ix_deals_external_id", "external_id", unique=True),
        Index("ix_deals_stage_close", "stage_id", "expected_close_date"),
        Index("ix_deals_updated_at_id", "updated_at", "id"),
        # Covers the forecast's aggregate: a period's deals are read from the index alone.
        Index(
            "ix_deals_forecast",
            "expected_close_date",
            "owner_id",
            "stage_id",
            "forecast_category",
            "currency",
            "probability",
            "amount",
        ),
        # Covers the pipeline analytics of the deals closed in a period (decision 0012).
        Index(
            "ix_deals_closed",
            "closed_at",
            "stage_id",
            "pipeline_id",
            "owner_id",
            "account_id",
            "currency",
            "amount",
            "created_at",
        ),
    )

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    # The id in the system a record was imported from (CSV import upserts by it).
    external_id: Mapped[str | None] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    pipeline_id: Mapped[int] = mapped_column(ForeignKey("pipelines.id"), index=True)
    stage_id: Mapped[int] = mapped_column(ForeignKey("stages.id"))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))
    currency: Mapped[str] = mapped_column(String(3))
    expected_close_date: Mapped[date | None]
    # Stored effective values: the stage's unless the *_overridden flag is set.
    probability: Mapped[int]
    probability_overridden: Mapped[bool] = mapped_column(default=False)
    forecast_category: Mapped[str] = mapped_column(String(20))
    forecast_category_overridden: Mapped[bool] = mapped_column(default=False)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    source: Mapped[str | None] = mapped_column(String(100))
    next_step: Mapped[str | None] = mapped_column(Text)
    lost_reason: Mapped[str | None] = mapped_column(Text)
    competitors: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    custom: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    stage_entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    search_text: Mapped[str] = mapped_column(Text, default="")


class DealStakeholder(Base):
    """A person on a deal's buying committee, in one buying role, with their sentiment."""

    __tablename__ = "deal_stakeholders"
    __table_args__ = (UniqueConstraint("deal_id", "person_id", "buying_role"),)

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    buying_role: Mapped[str] = mapped_column(String(30))
    sentiment: Mapped[str] = mapped_column(String(20), default="unknown")
    is_primary: Mapped[bool] = mapped_column(default=False)


class DealPartner(Base):
    """A channel partner account on a deal (reseller, VAR, installer...)."""

    __tablename__ = "deal_partners"
    __table_args__ = (UniqueConstraint("deal_id", "account_id", "role"),)

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(20))


class DealStageVisit(Base):
    """One stay of a deal in a stage: when it entered and left, and who moved it."""

    __tablename__ = "deal_stage_history"
    __table_args__ = (
        # A deal's stays, and (covering) what the funnel reads of them (decision 0012).
        Index("ix_deal_stage_history_deal_stays", "deal_id", "stage_id", "entered_at", "left_at"),
    )

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"))
    stage_id: Mapped[int] = mapped_column(ForeignKey("stages.id"))
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    left_at: Mapped[datetime | None]
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    left_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
