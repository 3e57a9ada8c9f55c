"""/api/v1/sources: event sources, their write keys, webhook secrets and recent traffic."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel, Field

from twofold.api.dependencies import ApiUser, AppSettings, DbSession, get_ingestion
from twofold.api.schemas.common import ListOut, OutModel
from twofold.auth.permissions import ensure_admin
from twofold.core.inputs import InputModel
from twofold.events.traffic import SourceTraffic, traffic_by_source
from twofold.ingest import sources
from twofold.shopify import secrets as webhook_secrets
from twofold.shopify.secrets import SecretInfo
from twofold.store.models import Source, SourceKey

router = APIRouter(prefix="/sources", tags=["sources"])


class WriteKeyOut(OutModel):
    """A write key's metadata; the secret is only shown when it is created."""

    id: int
    hint: str
    created_at: datetime
    revoked_at: datetime | None


class WriteKeyCreated(WriteKeyOut):
    """A new write key: store ``write_key`` now, it is never shown again."""

    write_key: str


class SourceOut(OutModel):
    """A source with its keys and its traffic in the last 24 hours."""

    id: int
    name: str
    kind: str
    created_at: datetime
    keys: list[WriteKeyOut]
    events_last_24h: int
    last_received_at: datetime | None


class SourceCreated(SourceOut):
    """A new source and its first write key (shown only now)."""

    write_key: str


class RejectionOut(BaseModel):
    """A message the source sent that was refused: when, why (``code``, the ``field`` at
    fault, ``message``) and the start of what was sent (``payload``, at most 2,000 bytes)."""

    received_at: datetime
    source_id: int
    code: str
    field: str
    message: str
    payload: str


class SourceCreate(InputModel):
    """A new source."""

    name: str = Field(min_length=1, max_length=200, examples=["Web shop"])
    kind: str = Field(default="segment", pattern="^(segment|shopify|import)$")


def _source_out(
    source: Source, keys: list[SourceKey], traffic: SourceTraffic | None
) -> dict[str, object]:
    return {
        "id": source.id,
        "name": source.name,
        "kind": source.kind,
        "created_at": source.created_at,
        "keys": [WriteKeyOut.model_validate(key) for key in keys],
        "events_last_24h": traffic.events_last_24h if traffic else 0,
        "last_received_at": traffic.last_received_at if traffic else None,
    }


@router.get("", response_model=ListOut[SourceOut])
def list_sources(request: Request, session: DbSession, user: ApiUser) -> dict[str, object]:
    """Every source (admins only: the list shows key hints and traffic)."""
    ensure_admin(user)
    traffic = traffic_by_source(get_ingestion(request).store)
    items = [
        _source_out(source, sources.keys_of(session, source.id), traffic.get(source.id))
        for source in sources.list_sources(session)
    ]
    return {"items": items, "next_cursor": None}


@router.post("", status_code=status.HTTP_201_CREATED, response_model=SourceCreated)
def create_source(payload: SourceCreate, session: DbSession, user: ApiUser) -> dict[str, object]:
    """A new source; the answer holds its write key, shown only this once."""
    source, issued = sources.create_source(
        session, actor=user, name=payload.name, kind=payload.kind
    )
    return {**_source_out(source, [issued.record], None), "write_key": issued.secret}


@router.post(
    "/{source_id}/keys", status_code=status.HTTP_201_CREATED, response_model=WriteKeyCreated
)
def create_write_key(source_id: int, session: DbSession, user: ApiUser) -> dict[str, object]:
    """Another write key for the source (rotate: create a new one, then revoke the old)."""
    ensure_admin(user)
    issued = sources.issue_write_key(session, source=sources.get_source(session, source_id))
    return {**WriteKeyOut.model_validate(issued.record).model_dump(), "write_key": issued.secret}


@router.post("/{source_id}/keys/{key_id}/revoke", response_model=WriteKeyOut)
def revoke_write_key(
    source_id: int, key_id: int, request: Request, session: DbSession, user: ApiUser
) -> SourceKey:
    """Stop accepting events sent with this key."""
    sources.get_source(session, source_id)
    key = sources.revoke_write_key(session, actor=user, key_id=key_id, source_id=source_id)
    session.flush()
    get_ingestion(request).write_keys.forget()
    return key


class WebhookSecretSet(InputModel):
    """The secret Shopify signs this source's webhooks with (the app's client secret, or the
    key shown under the shop's notification settings)."""

    secret: str = Field(min_length=8, max_length=512)


class WebhookSecretOut(OutModel):
    """A stored webhook secret: only a hint of it is ever shown."""

    source_id: int
    hint: str
    set_at: datetime


@router.put("/{source_id}/webhook-secret", response_model=WebhookSecretOut)
def set_webhook_secret(
    source_id: int,
    payload: WebhookSecretSet,
    request: Request,
    session: DbSession,
    user: ApiUser,
    settings: AppSettings,
) -> SecretInfo:
    """Store (or replace) the webhook secret of a ``shopify`` source (admins only)."""
    return webhook_secrets.set_webhook_secret(
        session,
        get_ingestion(request).store,
        actor=user,
        source_id=source_id,
        secret=payload.secret,
        installation_key=settings.secret_key,
    )


@router.get("/{source_id}/webhook-secret", response_model=WebhookSecretOut)
def read_webhook_secret(source_id: int, request: Request, user: ApiUser) -> SecretInfo:
    """When the source's webhook secret was set, and its last characters (admins only)."""
    ensure_admin(user)
    return webhook_secrets.secret_info(get_ingestion(request).store, source_id)


@router.delete("/{source_id}/webhook-secret", status_code=status.HTTP_204_NO_CONTENT)
def remove_webhook_secret(source_id: int, request: Request, user: ApiUser) -> None:
    """Forget the secret; the source's webhooks are refused from now on (admins only)."""
    webhook_secrets.remove_webhook_secret(
        get_ingestion(request).store, actor=user, source_id=source_id
    )


@router.get("/{source_id}/rejections", response_model=list[RejectionOut])
def recent_rejections(
    source_id: int,
    request: Request,
    session: DbSession,
    user: ApiUser,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[dict[str, object]]:
    """The source's most recently refused messages, newest first (admins only; kept in
    memory since the server started, at most 200 across all sources)."""
    ensure_admin(user)
    sources.get_source(session, source_id)
    return get_ingestion(request).rejections.latest(source_id=source_id, limit=limit)
