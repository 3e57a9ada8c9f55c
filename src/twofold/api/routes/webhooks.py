"""/api/v1/webhooks: outgoing webhook subscriptions (admins), the secret shown once, and
each subscription's delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response, status
from pydantic import Field

from twofold.api.dependencies import ApiUser, AppSettings, DbSession, ExpectedVersion
from twofold.api.routes.support import Paging, set_etag
from twofold.api.schemas.common import ListOut, OutModel, RecordOut
from twofold.auth.permissions import ensure_admin
from twofold.core.inputs import InputModel
from twofold.messaging.webhooks import delivery, subscriptions

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


class WebhookCreate(InputModel):
    """Where to post which events (``segment.entered``, ``segment.exited``,
    ``deal.stage_changed``, ``order.created``, ``form.submitted``)."""

    url: str = Field(min_length=1, max_length=2000, examples=["https://example.com/hooks"])
    event_types: list[str] = Field(min_length=1, max_length=20)
    description: str = Field(default="", max_length=2000)


class WebhookUpdate(InputModel):
    """Changes to a subscription."""

    url: str | None = Field(default=None, min_length=1, max_length=2000)
    event_types: list[str] | None = Field(default=None, min_length=1, max_length=20)
    description: str | None = Field(default=None, max_length=2000)
    active: bool | None = None


class WebhookOut(RecordOut):
    """A subscription; the secret is only shown when it is created (``secret_hint`` after)."""

    url: str
    event_types: list[str]
    description: str
    secret_hint: str
    active: bool


class WebhookCreated(WebhookOut):
    """A new subscription: store ``secret`` now, it is never shown again. Verify each
    delivery's ``X-Twofold-Signature: t=..., v1=...`` with it (see decision 0017)."""

    secret: str


class DeliveryOut(OutModel):
    """One event for the subscription and how posting it went."""

    id: int
    event_type: str
    event_key: str
    payload: dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: datetime
    last_status_code: int | None
    last_error: str
    created_at: datetime
    delivered_at: datetime | None


@router.get("")
def list_webhooks(session: DbSession, user: ApiUser) -> ListOut[WebhookOut]:
    """Every subscription."""
    items = subscriptions.list_subscriptions(session, actor=user)
    return ListOut(items=[WebhookOut.model_validate(item) for item in items], next_cursor=None)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_webhook(
    data: WebhookCreate, session: DbSession, user: ApiUser, settings: AppSettings
) -> WebhookCreated:
    """A new subscription and its signing secret (shown only in this answer)."""
    subscription, secret = subscriptions.create_subscription(
        session,
        actor=user,
        url=data.url,
        event_types=data.event_types,
        description=data.description,
        installation_key=settings.secret_key,
    )
    return WebhookCreated(**WebhookOut.model_validate(subscription).model_dump(), secret=secret)


@router.get("/{webhook_id}")
def read_webhook(
    webhook_id: int, session: DbSession, user: ApiUser, response: Response
) -> WebhookOut:
    """One subscription."""
    ensure_admin(user)
    subscription = subscriptions.get_subscription(session, webhook_id)
    set_etag(response, subscription.version)
    return WebhookOut.model_validate(subscription)


@router.patch("/{webhook_id}")
def update_webhook(
    webhook_id: int,
    data: WebhookUpdate,
    session: DbSession,
    user: ApiUser,
    expected: ExpectedVersion,
    response: Response,
) -> WebhookOut:
    """Change the URL, the event types, the description, or pause it (``active: false``)."""
    subscription = subscriptions.update_subscription(
        session,
        actor=user,
        subscription_id=webhook_id,
        expected_version=expected,
        url=data.url,
        event_types=data.event_types,
        description=data.description,
        active=data.active,
    )
    session.flush()
    set_etag(response, subscription.version)
    return WebhookOut.model_validate(subscription)


@router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_webhook(webhook_id: int, session: DbSession, user: ApiUser) -> None:
    """Remove a subscription and its delivery log."""
    subscriptions.delete_subscription(session, actor=user, subscription_id=webhook_id)


@router.get("/{webhook_id}/deliveries")
def list_deliveries(
    webhook_id: int,
    session: DbSession,
    user: ApiUser,
    paging: Paging,
    status_: Annotated[
        Literal["pending", "succeeded", "failed"] | None, Query(alias="status")
    ] = None,
) -> ListOut[DeliveryOut]:
    """The delivery log, newest first."""
    subscriptions.get_subscription(session, webhook_id)
    page = delivery.list_deliveries(
        session, actor=user, subscription_id=webhook_id, status=status_, page=paging
    )
    return ListOut(
        items=[DeliveryOut.model_validate(item) for item in page.items],
        next_cursor=page.next_cursor,
    )


@router.post("/{webhook_id}/deliveries/{delivery_id}/retry")
def retry_delivery(
    webhook_id: int, delivery_id: int, session: DbSession, user: ApiUser
) -> DeliveryOut:
    """Post a delivery again now (after fixing the receiver)."""
    found = delivery.retry_delivery(
        session, actor=user, subscription_id=webhook_id, delivery_id=delivery_id
    )
    return DeliveryOut.model_validate(found)
