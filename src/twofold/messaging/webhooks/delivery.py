"""Post due deliveries, signed, with retries and exponential backoff; log every attempt's
outcome on the delivery. A delivery is leased (its next attempt moved past the timeout)
before the POST, so a crash mid-POST retries it later: receivers de-duplicate by the
``X-Twofold-Delivery`` id (at-least-once, like the outbox)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

import httpx
import orjson
from cryptography.fernet import InvalidToken
from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.auth.permissions import ensure_admin
from twofold.core.errors import NotFound
from twofold.core.time import utcnow
from twofold.messaging.outbox import Backoff
from twofold.messaging.webhooks.feeds import Feed, fan_out
from twofold.messaging.webhooks.signatures import HEADER, sign_body
from twofold.messaging.webhooks.subscriptions import unseal_secret
from twofold.store.database import Database
from twofold.store.listing import Page, PageRequest, paginate
from twofold.store.models import User, WebhookDelivery, WebhookSubscription

log = logging.getLogger(__name__)
USER_AGENT: Final = "Twofold-Webhooks/1"


@dataclass(frozen=True)
class Attempt:
    """What one POST came to."""

    ok: bool
    status_code: int | None
    error: str


@dataclass
class WebhookDispatcher:
    """Fans feeds out into deliveries and posts what is due (the webhook worker job)."""

    database: Database
    feeds: list[Feed]
    installation_key: str
    timeout_seconds: float = 10.0
    backoff: Backoff = field(
        default_factory=lambda: Backoff(
            base=timedelta(seconds=10), ceiling=timedelta(hours=6), attempts=10
        )
    )
    clock: Callable[[], datetime] = utcnow
    batch: int = 50

    def __post_init__(self) -> None:
        self.client = httpx.Client(timeout=self.timeout_seconds, follow_redirects=False)

    def recover(self) -> int:
        """Nothing to do at start: leases expire by themselves."""
        return 0

    def run_once(self) -> int:
        """Fan out, then post every due delivery."""
        fan_out(self.database, self.feeds, now=self.clock())
        done = 0
        while batch := self._lease_due():
            for delivery_id in batch:
                self._deliver(delivery_id)
            done += len(batch)
            if len(batch) < self.batch:
                break
        return done

    def _lease_due(self) -> list[int]:
        now = self.clock()
        lease = timedelta(seconds=self.timeout_seconds * 3 + 30)
        any_due = select(WebhookDelivery.id).where(
            WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now
        )
        with self.database.transaction(write=False) as session:  # idle passes never write
            if session.scalar(any_due.limit(1)) is None:
                return []
        with self.database.transaction() as session:
            due = list(
                session.scalars(
                    select(WebhookDelivery)
                    .where(
                        WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now
                    )
                    .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
                    .limit(self.batch)
                    .with_for_update(skip_locked=True)
                )
            )
            for delivery in due:
                delivery.next_attempt_at = now + lease
            return [delivery.id for delivery in due]

    def _deliver(self, delivery_id: int) -> None:
        with self.database.transaction(write=False) as session:
            delivery = session.get(WebhookDelivery, delivery_id)
            subscription = (
                session.get(WebhookSubscription, delivery.subscription_id) if delivery else None
            )
            if delivery is None or subscription is None:
                return
            url, payload = subscription.url, dict(delivery.payload)
            try:
                secret = unseal_secret(subscription, self.installation_key)
            except InvalidToken:
                secret = None
        if secret is None:
            attempt = Attempt(
                ok=False,
                status_code=None,
                error="the secret cannot be unsealed (installation key changed)",
            )
        else:
            attempt = self._post(url, secret, delivery_id, payload)
        self._record(delivery_id, attempt)

    def _post(
        self, url: str, secret: bytes, delivery_id: int, payload: dict[str, object]
    ) -> Attempt:
        body = orjson.dumps(payload)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Twofold-Event": str(payload.get("type", "")),
            "X-Twofold-Delivery": str(delivery_id),
            HEADER: sign_body(secret, body, int(time.time())),
        }
        try:
            response = self.client.post(url, content=body, headers=headers)
        except httpx.TimeoutException:
            return Attempt(
                ok=False, status_code=None, error=f"timed out after {self.timeout_seconds:g} s"
            )
        except httpx.HTTPError as error:
            return Attempt(
                ok=False, status_code=None, error=f"{type(error).__name__}: {error}"[:2000]
            )
        if response.is_success:
            return Attempt(ok=True, status_code=response.status_code, error="")
        return Attempt(
            ok=False,
            status_code=response.status_code,
            error=f"answered {response.status_code}: {response.text[:500]}",
        )

    def _record(self, delivery_id: int, attempt: Attempt) -> None:
        now = self.clock()
        with self.database.transaction() as session:
            delivery = session.get(WebhookDelivery, delivery_id)
            if delivery is None:
                return
            delivery.attempts += 1
            delivery.last_status_code = attempt.status_code
            delivery.last_error = attempt.error
            if attempt.ok:
                delivery.status, delivery.delivered_at = "succeeded", now
            elif delivery.attempts >= self.backoff.attempts:
                delivery.status = "failed"
                log.warning("webhook delivery %s failed for good: %s", delivery_id, attempt.error)
            else:
                delivery.next_attempt_at = now + self.backoff.delay(delivery.attempts)


def retry_delivery(
    session: Session, *, actor: User, subscription_id: int, delivery_id: int
) -> WebhookDelivery:
    """Try a delivery again now, with a fresh set of attempts."""
    ensure_admin(actor)
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.subscription_id != subscription_id:
        raise NotFound(f"no delivery {delivery_id} of webhook {subscription_id}")
    delivery.status, delivery.attempts, delivery.next_attempt_at = "pending", 0, utcnow()
    return delivery


def list_deliveries(
    session: Session, *, actor: User, subscription_id: int, status: str | None, page: PageRequest
) -> Page[WebhookDelivery]:
    """A subscription's delivery log, newest first."""
    ensure_admin(actor)
    query = select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    return paginate(
        session,
        query,
        page=page,
        sortable={"id": WebhookDelivery.id},
        default_sort="-id",
        id_column=WebhookDelivery.id,
    )
