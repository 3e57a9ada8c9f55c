"""``POST /webhooks/shopify/{source_id}``: Shopify-format webhooks, verified by HMAC.

Checks, in order: the signature of the raw body with the source's secret (401 when missing or
wrong, or when the source has no secret: nothing says which), the topic and webhook id
headers (400), the JSON body (400), then the topic: order and customer topics become Segment
messages appended to the journal (200 once on disk), privacy topics are recorded (200), other
topics are acknowledged and ignored (202, so that Shopify does not retry them for two days).
"""

from __future__ import annotations

from typing import Any, Final

import orjson
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from twofold.core.settings import Settings
from twofold.core.time import utcnow
from twofold.ingest.journal import JournalClosed
from twofold.ingest.messages import MessageRejected, Receipt, journal_line
from twofold.ingest.runtime import Ingestion
from twofold.shopify.messages import (
    CUSTOMER_TOPICS,
    ORDER_TOPICS,
    PRIVACY_TOPICS,
    PayloadRejected,
    messages_for,
)
from twofold.shopify.privacy import record_privacy_request
from twofold.shopify.secrets import webhook_secret
from twofold.shopify.signatures import signature_matches

router = APIRouter(prefix="/webhooks", tags=["webhooks"])

MAX_WEBHOOK_ID: Final = 150  # room for the ":identify" suffix within a 200-character messageId


class WebhookRefused(Exception):
    """A webhook refused whole: status, code and message for the sender."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _answer(status: int, body: dict[str, Any]) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


@router.post("/shopify/{source_id}", summary="Receive a Shopify webhook")
async def shopify_webhook(source_id: int, request: Request) -> Response:
    """One Shopify webhook (topic in ``X-Shopify-Topic``), signed with the source's secret."""
    try:
        return await _receive(source_id, request)
    except WebhookRefused as refused:
        error = {"code": refused.code, "message": refused.message}
        return _answer(refused.status, {"error": error})


async def _receive(source_id: int, request: Request) -> Response:
    ingestion: Ingestion = request.app.state.ingestion
    settings: Settings = request.app.state.settings
    body = await request.body()
    secret = await run_in_threadpool(
        webhook_secret, ingestion.store, source_id, settings.secret_key
    )
    if secret is None or not signature_matches(
        body, secret, request.headers.get("x-shopify-hmac-sha256")
    ):
        raise WebhookRefused(401, "invalid_signature", "missing or wrong X-Shopify-Hmac-Sha256")
    topic = _header(request, "x-shopify-topic", limit=100)
    webhook_id = _header(request, "x-shopify-webhook-id", limit=MAX_WEBHOOK_ID)
    shop_domain = request.headers.get("x-shopify-shop-domain", "")[:255] or None
    payload = _parse(body)
    if topic in PRIVACY_TOPICS:
        try:
            stored = await run_in_threadpool(
                lambda: record_privacy_request(
                    ingestion.store,
                    source_id=source_id,
                    topic=topic,
                    webhook_id=webhook_id,
                    shop_domain=shop_domain,
                    payload=payload,
                )
            )
        except PayloadRejected as rejected:
            raise WebhookRefused(400, "invalid_payload", rejected.message) from None
        return _answer(200, {"success": True, "recorded": stored})
    if topic not in ORDER_TOPICS | CUSTOMER_TOPICS:
        return _answer(202, {"success": True, "ignored": True, "topic": topic})
    lines = _journal_lines(
        topic, payload, source_id=source_id, webhook_id=webhook_id, shop_domain=shop_domain
    )
    try:
        await ingestion.journal.append(b"".join(lines))
    except JournalClosed as error:
        raise WebhookRefused(503, "unavailable", str(error)) from None
    return _answer(200, {"success": True})


def _header(request: Request, name: str, *, limit: int) -> str:
    value = request.headers.get(name, "").strip()
    if not value:
        raise WebhookRefused(400, "missing_header", f"send the {name} header")
    if len(value) > limit or not value.isprintable():
        raise WebhookRefused(400, "invalid_header", f"{name} must be up to {limit} characters")
    return value


def _parse(body: bytes) -> dict[str, Any]:
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise WebhookRefused(400, "invalid_json", f"the body is not JSON: {error}") from None
    if not isinstance(payload, dict):
        raise WebhookRefused(400, "invalid_payload", "the body must be a JSON object")
    return payload


def _journal_lines(
    topic: str,
    payload: dict[str, Any],
    *,
    source_id: int,
    webhook_id: str,
    shop_domain: str | None,
) -> list[bytes]:
    receipt = Receipt(source_id=source_id, received_at=utcnow())
    try:
        messages = messages_for(topic, payload, webhook_id=webhook_id, shop_domain=shop_domain)
        return [journal_line(message, receipt) for message in messages]
    except PayloadRejected as rejected:
        raise WebhookRefused(400, "invalid_payload", rejected.message) from None
    except MessageRejected as rejected:
        raise WebhookRefused(400, rejected.code, rejected.message) from None
