"""Web forms, their submissions, leads and lead assignment rules (decision 0020).

A lead is a *person* (lifecycle ``lead``) plus this qualification record: what they told us,
where they came from, its status, owner and score, and what it was converted into.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from twofold.core.time import utcnow
from twofold.store.models.base import Base, Identifier, JsonDocument, Timestamped


class WebForm(Timestamped, Base):
    """A form defined by a user; the public token is the only thing a website needs."""

    __tablename__ = "web_forms"

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    token: Mapped[str] = mapped_column(String(64), unique=True)
    # The fields, as checked by forms.fields (name, label, type, required, options).
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument, default=list)
    redirect_url: Mapped[str | None] = mapped_column(String(2000))
    # When set, the form shows a consent checkbox with this text; ticked → email subscribed.
    consent_text: Mapped[str | None] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(default=True)
    # Flood limits: submissions per hour from one address, and for the whole form.
    limit_per_address: Mapped[int] = mapped_column(default=10)
    limit_per_form: Mapped[int] = mapped_column(default=1000)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class FormSubmission(Base):
    """One accepted submission, append-only; ids increase, so feeds follow it by watermark."""

    __tablename__ = "form_submissions"
    __table_args__ = (Index("ix_form_submissions_form_id_id", "form_id", "id"),)

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("web_forms.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("persons.id", ondelete="SET NULL"), index=True
    )
    lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("leads.id", ondelete="SET NULL"), index=True
    )
    values: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    consent_given: Mapped[bool] = mapped_column(default=False)
    # HMAC of the client address under the installation key: floods can be traced to one
    # sender without keeping anybody's IP address.
    address_hash: Mapped[str] = mapped_column(String(64))
    page_url: Mapped[str | None] = mapped_column(String(2000))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)


class Lead(Timestamped, Base):
    """A person's inquiry being qualified: new → working → qualified / disqualified → converted."""

    __tablename__ = "leads"
    __table_args__ = (
        Index("ix_leads_status_id", "status", "id"),
        Index("ix_leads_score_id", "score", "id"),
        CheckConstraint(
            "status IN ('new', 'working', 'qualified', 'disqualified', 'converted')",
            name="status_known",
        ),
    )

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="new")
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # What the lead told us (the person keeps the canonical contact details).
    name: Mapped[str] = mapped_column(String(300), default="")
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    company: Mapped[str | None] = mapped_column(String(300))
    domain: Mapped[str | None] = mapped_column(String(253), index=True)
    title: Mapped[str | None] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(2))
    source: Mapped[str] = mapped_column(String(100), default="api")
    form_id: Mapped[int | None] = mapped_column(ForeignKey("web_forms.id", ondelete="SET NULL"))
    fields: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    score: Mapped[int] = mapped_column(default=0)
    # Why the score is what it is: one reason per rule that gave points.
    score_reasons: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument, default=list)
    scored_at: Mapped[datetime | None]
    disqualified_reason: Mapped[str | None] = mapped_column(String(500))
    converted_at: Mapped[datetime | None]
    converted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    converted_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL")
    )
    converted_deal_id: Mapped[int | None] = mapped_column(
        ForeignKey("deals.id", ondelete="SET NULL")
    )
    search_text: Mapped[str] = mapped_column(Text, default="")


class LeadAssignmentRule(Timestamped, Base):
    """Who gets new leads: leads from ``countries`` (all, when empty) go to ``user_ids`` in
    turn. ``next_index`` is the round robin's durable position, advanced under a row lock."""

    __tablename__ = "lead_assignment_rules"

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)
    countries: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    user_ids: Mapped[list[int]] = mapped_column(JsonDocument, default=list)
    next_index: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
