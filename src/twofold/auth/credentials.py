"""API keys and web sessions: random secrets whose digests are stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from twofold.auth.tokens import API_KEY_PREFIX, digest, new_secret
from twofold.core.errors import NotAuthenticated, NotFound
from twofold.core.time import utcnow
from twofold.store.models import ApiKey, User, WebSession

SESSION_LIFETIME = timedelta(days=14)
KEY_USE_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedKey:
    """A newly created API key: the secret is only ever available here."""

    record: ApiKey
    secret: str


def create_api_key(session: Session, *, user: User, name: str = "default") -> IssuedKey:
    """Issue an API key for ``user``; the caller shows the secret once."""
    secret = new_secret(API_KEY_PREFIX)
    record = ApiKey(user_id=user.id, name=name, prefix=secret[:10], key_hash=digest(secret))
    session.add(record)
    session.flush()
    return IssuedKey(record=record, secret=secret)


def revoke_api_key(session: Session, *, user: User, key_id: int) -> ApiKey:
    """Revoke one of ``user``'s keys (admins may revoke anyone's)."""
    record = session.get(ApiKey, key_id)
    if record is None or (record.user_id != user.id and user.role != "admin"):
        raise NotFound(f"no API key {key_id}")
    if record.revoked_at is None:
        record.revoked_at = utcnow()
    return record


def user_for_api_key(session: Session, secret: str) -> tuple[ApiKey, User]:
    """The unrevoked key and its active user, or ``NotAuthenticated``. Reads only."""
    record = session.scalar(select(ApiKey).where(ApiKey.key_hash == digest(secret)))
    if record is None or record.revoked_at is not None:
        raise NotAuthenticated("unknown or revoked API key")
    user = session.get(User, record.user_id)
    if user is None or not user.is_active:
        raise NotAuthenticated("the API key's user is deactivated")
    return record, user


def key_use_is_stale(key: ApiKey) -> bool:
    """Whether ``last_used_at`` is worth updating (at most once a minute per key)."""
    return key.last_used_at is None or utcnow() - key.last_used_at > KEY_USE_RESOLUTION


def record_api_key_use(session: Session, key_id: int) -> None:
    """Note that a key was used now."""
    session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=utcnow()))


@dataclass(frozen=True)
class StartedSession:
    """A new browser session: the cookie value and the CSRF token for its forms."""

    token: str
    csrf_token: str


def start_web_session(session: Session, *, user: User) -> StartedSession:
    """Log a browser in; the token goes into an HttpOnly cookie."""
    token = new_secret()
    csrf_token = new_secret()
    session.add(
        WebSession(
            user_id=user.id,
            token_hash=digest(token),
            csrf_token=csrf_token,
            expires_at=utcnow() + SESSION_LIFETIME,
        )
    )
    session.flush()
    return StartedSession(token=token, csrf_token=csrf_token)


def web_session_for_token(session: Session, token: str) -> tuple[WebSession, User] | None:
    """The live session and its user for a cookie value, or ``None``."""
    record = session.scalar(select(WebSession).where(WebSession.token_hash == digest(token)))
    if record is None or record.expires_at < utcnow():
        return None
    user = session.get(User, record.user_id)
    if user is None or not user.is_active:
        return None
    return record, user


def end_web_session(session: Session, token: str) -> None:
    """Log a browser out (delete its session row)."""
    record = session.scalar(select(WebSession).where(WebSession.token_hash == digest(token)))
    if record is not None:
        session.delete(record)
