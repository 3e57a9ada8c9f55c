"""Messaging: consent, suppressions, templates, the outbox and outgoing webhooks (decision 0017)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from twofold.core.time import utcnow
from twofold.store.models.base import Base, Identifier, JsonDocument, Timestamped


class ConsentState(Base):
    """A person's current consent on one channel; every change is also in ``consent_changes``."""

    __tablename__ = "consent_states"
    __table_args__ = (
        CheckConstraint("channel IN ('email', 'sms', 'push')", name="channel_known"),
        CheckConstraint(
            "status IN ('subscribed', 'unsubscribed', 'never_subscribed', 'pending')",
            name="status_known",
        ),
    )

    person_id: Mapped[int] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True
    )
    channel: Mapped[str] = mapped_column(String(10), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConsentChange(Base):
    """One consent change, kept for ever (the proof of consent): append-only."""

    __tablename__ = "consent_changes"
    __table_args__ = (Index("ix_consent_changes_person_id_id", "person_id", "id"),)

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(100))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class Suppression(Base):
    """An address or number that must not be messaged (``reason`` says for what purposes)."""

    __tablename__ = "suppressions"
    __table_args__ = (
        UniqueConstraint("channel", "address"),
        CheckConstraint(
            "reason IN ('hard_bounce', 'complaint', 'unsubscribe', 'manual')", name="reason_known"
        ),
    )

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))
    address: Mapped[str] = mapped_column(String(320))
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MessageTemplate(Timestamped, Base):
    """A message template: sandboxed Jinja2 for the subject (or push title), HTML and text."""

    __tablename__ = "message_templates"
    __table_args__ = (CheckConstraint("channel IN ('email', 'sms', 'push')", name="channel_known"),)

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(Text, default="")
    html: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class OutboxMessage(Base):
    """One message to one person, from queued to sent (or failed, blocked, dropped).

    ``idempotency_key`` makes enqueueing exactly-once and is the Message-ID / Idempotency-Key
    the message is sent with; ``not_before`` is when the sender may next look at it.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_status_not_before", "status", "not_before"),
        Index("ix_outbox_messages_person_channel_sent", "person_id", "channel", "sent_at"),
        CheckConstraint(
            "status IN ('queued', 'sending', 'sent', 'failed', 'blocked', 'dropped')",
            name="status_known",
        ),
    )

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(10))
    purpose: Mapped[str] = mapped_column(String(20))
    template_id: Mapped[int | None] = mapped_column(
        ForeignKey("message_templates.id", ondelete="SET NULL")
    )
    variables: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    on_limit: Mapped[str] = mapped_column(String(10), default="delay")
    status: Mapped[str] = mapped_column(String(10), default="queued")
    reason: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str | None] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(default=0)
    not_before: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None]
    provider_id: Mapped[str | None] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class WebhookSubscription(Timestamped, Base):
    """Where to post which events; the signing secret is sealed with the installation key."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(Text, default="")
    event_types: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    secret_sealed: Mapped[str] = mapped_column(Text)
    secret_hint: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class WebhookDelivery(Base):
    """One event for one subscription, and how posting it went (the delivery log)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "event_key"),
        Index("ix_webhook_deliveries_subscription_id_id", "subscription_id", "id"),
        Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        CheckConstraint("status IN ('pending', 'succeeded', 'failed')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE")
    )
    event_type: Mapped[str] = mapped_column(String(50))
    event_key: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_status_code: Mapped[int | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]


class FeedCursor(Base):
    """How far the webhook fan-out has read a feed (segment transitions, stage changes...)."""

    __tablename__ = "feed_cursors"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    position: Mapped[int] = mapped_column(Identifier, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
