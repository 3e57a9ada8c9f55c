"""Event sources and their write keys (stored as SHA-256, shown once, revocable)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.auth.permissions import ensure_admin
from twofold.auth.tokens import digest, new_secret
from twofold.core.errors import Conflict, NotFound, ValidationFailed
from twofold.core.time import utcnow
from twofold.store.models import Source, SourceKey, User

WRITE_KEY_PREFIX = "wk_"
SOURCE_KINDS = frozenset({"segment", "shopify", "import", "system"})


@dataclass(frozen=True)
class IssuedWriteKey:
    """A new write key: the secret exists only here."""

    record: SourceKey
    secret: str


def create_source(
    session: Session, *, actor: User | None, name: str, kind: str = "segment"
) -> tuple[Source, IssuedWriteKey]:
    """A new source with its first write key. ``actor`` None means the CLI (local admin)."""
    if actor is not None:
        ensure_admin(actor)
    name = name.strip()
    if not name or len(name) > 200:
        raise ValidationFailed.on("name", "a source needs a name of 1-200 characters")
    if kind not in SOURCE_KINDS:
        raise ValidationFailed.on("kind", f"kind must be one of {', '.join(sorted(SOURCE_KINDS))}")
    if session.scalar(select(Source.id).where(Source.name == name)) is not None:
        raise Conflict(f"a source named {name!r} already exists")
    source = Source(name=name, kind=kind, created_by_id=actor.id if actor else None)
    session.add(source)
    session.flush()
    return source, issue_write_key(session, source=source)


def issue_write_key(session: Session, *, source: Source) -> IssuedWriteKey:
    """Another write key for ``source`` (keys are rotated by issuing a new one, then revoking)."""
    secret = new_secret(WRITE_KEY_PREFIX)
    record = SourceKey(source_id=source.id, key_hash=digest(secret), hint=secret[:9])
    session.add(record)
    session.flush()
    return IssuedWriteKey(record=record, secret=secret)


def revoke_write_key(
    session: Session, *, actor: User, key_id: int, source_id: int | None = None
) -> SourceKey:
    """Stop accepting events sent with this key (of ``source_id``, when given)."""
    ensure_admin(actor)
    record = session.get(SourceKey, key_id)
    if record is None or (source_id is not None and record.source_id != source_id):
        raise NotFound(f"no write key {key_id}")
    if record.revoked_at is None:
        record.revoked_at = utcnow()
    return record


def get_source(session: Session, source_id: int) -> Source:
    """One source or NotFound."""
    source = session.get(Source, source_id)
    if source is None:
        raise NotFound(f"no source {source_id}")
    return source


def find_source(session: Session, name: str) -> Source | None:
    """A source by name (the import command reuses one source per name)."""
    return session.scalar(select(Source).where(Source.name == name))


def list_sources(session: Session) -> list[Source]:
    """Every source, by name."""
    return list(session.scalars(select(Source).order_by(Source.name, Source.id)))


def keys_of(session: Session, source_id: int) -> list[SourceKey]:
    """A source's keys, newest first."""
    query = select(SourceKey).where(SourceKey.source_id == source_id)
    return list(session.scalars(query.order_by(SourceKey.id.desc())))


def source_for_write_key(session: Session, secret: str) -> int | None:
    """The source id of an unrevoked write key, or None."""
    row = session.execute(
        select(SourceKey.source_id, SourceKey.revoked_at).where(
            SourceKey.key_hash == digest(secret)
        )
    ).first()
    if row is None or row.revoked_at is not None:
        return None
    return int(row.source_id)
