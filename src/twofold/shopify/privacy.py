"""Shopify's mandatory privacy webhooks, recorded durably for a person to act on.

``customers/data_request`` asks for a customer's data, ``customers/redact`` for its erasure,
``shop/redact`` for the erasure of a whole shop's data (48 hours after uninstalling).
Every request is stored with a ``pending`` status and listed for admins; Shopify gets its 200
at once. ``customers/redact`` is then carried out by the loader thread (``redaction.py``).
"""

from __future__ import annotations

from typing import Any, Final

import orjson

from twofold.core.time import as_utc, utcnow
from twofold.events.store import EventStore
from twofold.shopify.messages import shopify_id

PENDING: Final = {
    "customers/data_request": "export_pending",
    "customers/redact": "erasure_pending",
    "shop/redact": "erasure_pending",
}

_FIELDS: Final = (
    "request_id, source_id, webhook_id, topic, shop_domain, customer_id, email, phone, "
    "order_ids, status, received_at"
)


def record_privacy_request(
    store: EventStore,
    *,
    source_id: int,
    topic: str,
    webhook_id: str,
    shop_domain: str | None,
    payload: dict[str, Any],
) -> bool:
    """Store one request (False when this webhook was stored before)."""
    found = payload.get("customer")
    customer: dict[str, Any] = found if isinstance(found, dict) else {}
    customer_id = shopify_id(customer, "id") if topic != "shop/redact" else None
    orders = payload.get("orders_to_redact") or payload.get("orders_requested") or []
    if not isinstance(orders, list):
        orders = []
    order_ids = [str(item) for item in orders if isinstance(item, int | str)]
    with store.writer() as writer:
        inserted = writer.execute(
            "INSERT INTO privacy_requests (source_id, webhook_id, topic, shop_domain, "
            "customer_id, email, phone, order_ids, payload, status, received_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING request_id",
            [
                source_id,
                webhook_id,
                topic,
                shop_domain or _text(payload.get("shop_domain")),
                customer_id,
                _text(customer.get("email")),
                _text(customer.get("phone")),
                order_ids,
                orjson.dumps(payload).decode(),
                PENDING[topic],
                utcnow().replace(tzinfo=None),
            ],
        ).fetchall()
    return bool(inserted)


def list_privacy_requests(store: EventStore, *, status: str | None = None) -> list[dict[str, Any]]:
    """Recorded requests, newest first (optionally of one status)."""
    where, values = ("WHERE status = ?", [status]) if status else ("", [])
    with store.reader() as reader:
        result = reader.execute(
            f"SELECT {_FIELDS} FROM privacy_requests {where} ORDER BY request_id DESC",  # noqa: S608
            values,
        )
        names = [column[0] for column in result.description or []]
        rows = [dict(zip(names, row, strict=True)) for row in result.fetchall()]
    for row in rows:
        row["received_at"] = as_utc(row["received_at"])
    return rows


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
