"""A live server with a Shopify source whose webhook secret was set through the API."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import httpx
import orjson
import pytest
from fastapi import FastAPI

from support import ApiClient, ThreadedServer
from twofold.api.app import create_app
from twofold.core.settings import Settings
from twofold.ingest.runtime import Ingestion
from twofold.ingest.sources import create_source
from twofold.shopify.signatures import signature_of
from twofold.store.database import Database
from twofold.store.models import User

PAYLOADS = Path(__file__).parent / "payloads"
SECRET = "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"
MILA = "shopify:7300000000001"
ORDER_ID = "5800000000001"


def payload(name: str) -> dict[str, Any]:
    """A hand-written payload in the shape Shopify documents for the topic."""
    return cast(dict[str, Any], orjson.loads((PAYLOADS / f"{name}.json").read_bytes()))


def order_updated() -> dict[str, Any]:
    """The order after an edit: a second pair of socks, 215.00 in all."""
    order = copy.deepcopy(payload("orders_create"))
    order["line_items"][1]["quantity"] = 2
    order.update(
        subtotal_price="208.00", total_price="215.00", updated_at="2026-03-03T09:00:00+01:00"
    )
    return order


def order_cancelled() -> dict[str, Any]:
    """The order as ``orders/updated`` sends it once cancelled."""
    order = order_updated()
    order.update(
        cancelled_at="2026-03-06T11:30:00+01:00",
        cancel_reason="customer",
        financial_status="partially_refunded",
        updated_at="2026-03-06T11:30:01+01:00",
    )
    return order


@dataclass
class Shop:
    """The running app, an admin API client and a Shopify source with its secret."""

    url: str
    app: FastAPI
    api: ApiClient
    source_id: int

    @property
    def ingestion(self) -> Ingestion:
        return cast(Ingestion, self.app.state.ingestion)

    def deliver(
        self,
        topic: str | None,
        body: dict[str, Any] | list[Any] | bytes,
        *,
        webhook_id: str | None = None,
        secret: str = SECRET,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """POST a webhook as Shopify does: raw JSON body, signature and topic headers."""
        raw = body if isinstance(body, bytes) else orjson.dumps(body)
        sent = {
            "Content-Type": "application/json",
            "X-Shopify-Hmac-Sha256": signature or signature_of(raw, secret.encode()),
            "X-Shopify-Shop-Domain": "example-outdoor.myshopify.com",
            "X-Shopify-API-Version": "2026-01",
            "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
            **({"X-Shopify-Topic": topic} if topic else {}),
            **(headers or {}),
        }
        return httpx.post(
            f"{self.url}/webhooks/shopify/{self.source_id}", content=raw, headers=sent, timeout=30
        )

    def loaded(self) -> None:
        """Wait until everything acknowledged is loaded, resolved and derived."""
        self.ingestion.flush()
        assert self.ingestion.last_error is None, self.ingestion.last_error

    def count(self, sql: str, *parameters: object) -> int:
        with self.ingestion.store.reader() as reader:
            row = reader.execute(sql, list(parameters)).fetchone()
        return int(row[0]) if row else 0


@pytest.fixture
def shop(settings: Settings, database: Database, admin: User) -> Iterator[Shop]:
    """A live server and a ``shopify`` source whose secret is set."""
    with database.transaction() as session:
        source, _key = create_source(session, actor=None, name="Example Outdoor", kind="shopify")
        source_id = int(source.id)
    app = create_app(settings, database=database)
    with (
        ThreadedServer(app).running() as url,
        ApiClient.for_user(url, database, admin) as api,
    ):
        answer = api.put(f"/sources/{source_id}/webhook-secret", json={"secret": SECRET})
        assert answer.status_code == 200, answer.text
        yield Shop(url=url, app=app, api=api, source_id=source_id)
