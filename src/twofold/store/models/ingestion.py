"""Event sources with their write keys, and the identity graph that maps identifiers to persons."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from twofold.core.time import utcnow
from twofold.store.models.base import Base, Identifier, Timestamped


class Source(Timestamped, Base):
    """Where events come from: a web site, an app, a shop, a bulk import."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="segment")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class SourceKey(Base):
    """A write key of a source: only its SHA-256 is stored; the hint tells keys apart."""

    __tablename__ = "source_keys"

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class IdentityMapping(Base):
    """One version of "this identifier belongs to that person"; rows are only ever added.

    The current owner of an identifier is its highest version. A merge or a re-assignment adds
    a new version with its reason, so every past answer can still be explained. ``person_id`` is
    deliberately not a foreign key: the versions that pointed to a person merged away stay.
    Only deleting or erasing a person removes rows (``identity.mappings.forget_person``).
    """

    __tablename__ = "identity_mappings"
    __table_args__ = (
        UniqueConstraint("kind", "value", "version"),
        Index("ix_identity_mappings_person_id", "person_id"),
    )

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(320))
    version: Mapped[int] = mapped_column(default=1)
    person_id: Mapped[int] = mapped_column(Identifier)
    reason: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id", ondelete="SET NULL"))
    message_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IdentityConflict(Base):
    """An identifier claimed by a second, already identified person: kept for a human to decide."""

    __tablename__ = "identity_conflicts"
    __table_args__ = (Index("ix_identity_conflicts_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(320))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    other_person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(200))
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id", ondelete="SET NULL"))
    message_id: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class AccountGroup(Base):
    """A ``group`` call's groupId (per source) tied to the account it stands for."""

    __tablename__ = "account_groups"
    __table_args__ = (UniqueConstraint("source_id", "group_id"),)

    id: Mapped[int] = mapped_column(Identifier, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    group_id: Mapped[str] = mapped_column(String(200))
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
