"""Shopify webhook payloads → Segment-shaped messages for the journal.

Orders become the Segment ecommerce events (``Order Completed`` / ``Updated`` / ``Cancelled`` /
``Refunded``) so that they go through the same identity resolution, orders and computed
traits as live events. Who bought is told with an ``identify`` beside each order: the customer
as user id ``shopify:<customer id>`` with email, phone and name, and the order's own
anonymous id ``shopify-order:<order id>``, which is what a refund (its payload names only the
order) carries. A guest checkout is identified by its email or phone alone.

The webhook id is the messageId, so a webhook Shopify delivers twice is stored once.
Amounts stay the decimal strings Shopify sends; the few it sends as JSON numbers are turned
into decimal strings from their shortest representation.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Final

ORDER_TOPICS: Final = frozenset({"orders/create", "orders/updated", "refunds/create"})
CUSTOMER_TOPICS: Final = frozenset({"customers/create"})
PRIVACY_TOPICS: Final = frozenset({"customers/data_request", "customers/redact", "shop/redact"})
LIBRARY: Final = {"name": "twofold-shopify", "version": "1"}


class PayloadRejected(ValueError):
    """A webhook payload that cannot be turned into messages; ``field`` names the culprit."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def messages_for(
    topic: str, payload: dict[str, Any], *, webhook_id: str, shop_domain: str | None
) -> list[dict[str, Any]]:
    """The Segment messages one webhook of an order or customer topic stands for."""
    context: dict[str, Any] = {"library": LIBRARY}
    if shop_domain:
        context["shopify"] = {"shop_domain": shop_domain}
    if topic == "customers/create":
        return [_customer_identify(payload, webhook_id, context)]
    if topic == "refunds/create":
        return [_refund_track(payload, webhook_id, context)]
    if topic in {"orders/create", "orders/updated"}:
        return _order_messages(topic, payload, webhook_id, context)
    raise PayloadRejected("topic", f"topic {topic!r} is not converted to messages")


def shopify_id(payload: dict[str, Any], field: str) -> str:
    """A Shopify id (a positive integer, or a non-empty string) as text; else rejected."""
    value = payload.get(field)
    if isinstance(value, bool) or value is None:
        raise PayloadRejected(field, f"{field} is required")
    if isinstance(value, int) and value > 0:
        return str(value)
    if isinstance(value, str) and value.strip() and len(value) <= 100:
        return value.strip()
    raise PayloadRejected(field, f"{field} must be a Shopify id")


# -- customers -------------------------------------------------------------------------------


def _customer_identify(
    customer: dict[str, Any], webhook_id: str, context: dict[str, Any]
) -> dict[str, Any]:
    return {
        "type": "identify",
        "messageId": webhook_id,
        "userId": f"shopify:{shopify_id(customer, 'id')}",
        "timestamp": _text(customer.get("created_at")),
        "traits": _customer_traits(customer),
        "context": context,
    }


def _customer_traits(
    customer: dict[str, Any], fallback: dict[str, Any] | None = None
) -> dict[str, Any]:
    fallback = fallback or {}
    return _without_none(
        {
            "email": _text(customer.get("email")) or _text(fallback.get("email")),
            "phone": _text(customer.get("phone")) or _text(fallback.get("phone")),
            "firstName": _text(customer.get("first_name")),
            "lastName": _text(customer.get("last_name")),
            "createdAt": _text(customer.get("created_at")),
        }
    )


# -- orders ----------------------------------------------------------------------------------


def _order_messages(
    topic: str, order: dict[str, Any], webhook_id: str, context: dict[str, Any]
) -> list[dict[str, Any]]:
    order_id = shopify_id(order, "id")
    cancelled = topic == "orders/updated" and order.get("cancelled_at") is not None
    if topic == "orders/create":
        event, moment = "Order Completed", order.get("created_at")
    elif cancelled:
        event, moment = "Order Cancelled", order.get("cancelled_at")
    else:
        event, moment = "Order Updated", order.get("updated_at")
    anonymous_id = f"shopify-order:{order_id}"
    customer = order.get("customer") if isinstance(order.get("customer"), dict) else None
    user_id = f"shopify:{shopify_id(customer, 'id')}" if customer and customer.get("id") else None
    traits = _customer_traits(customer or {}, fallback=order)
    track = {
        "type": "track",
        "event": event,
        "messageId": webhook_id,
        "anonymousId": anonymous_id,
        "timestamp": _text(moment),
        "properties": _order_properties(order, order_id),
        "context": {**context, "traits": traits},
    }
    if user_id:
        track["userId"] = user_id
    messages = [track]
    if user_id or traits.get("email") or traits.get("phone"):
        messages.insert(
            0,
            _without_none(
                {
                    "type": "identify",
                    "messageId": f"{webhook_id}:identify",
                    "userId": user_id,
                    "anonymousId": anonymous_id,
                    "timestamp": _text(moment),
                    "traits": traits,
                    "context": context,
                }
            ),
        )
    return messages


def _order_properties(order: dict[str, Any], order_id: str) -> dict[str, Any]:
    line_items = order.get("line_items")
    if line_items is not None and not isinstance(line_items, list):
        raise PayloadRejected("line_items", "line_items must be a list")
    return _without_none(
        {
            "order_id": order_id,
            "checkout_id": _id_text(order.get("checkout_id")),
            "order_number": order.get("order_number"),
            "name": _text(order.get("name")),
            "total": _money(order.get("total_price")),
            "revenue": _money(order.get("subtotal_price")),
            "subtotal": _money(order.get("subtotal_price")),
            "tax": _money(order.get("total_tax")),
            "discount": _money(order.get("total_discounts")),
            "shipping": _money(_shop_money(order.get("total_shipping_price_set"))),
            "currency": _text(order.get("currency")),
            "channel": _text(order.get("source_name")),
            "financial_status": _text(order.get("financial_status")),
            "fulfillment_status": _text(order.get("fulfillment_status")),
            "cancel_reason": _text(order.get("cancel_reason")),
            "test": order.get("test") if isinstance(order.get("test"), bool) else None,
            "products": [_product(item) for item in line_items or [] if isinstance(item, dict)],
        }
    )


def _product(item: dict[str, Any]) -> dict[str, Any]:
    quantity = item.get("quantity")
    return _without_none(
        {
            "product_id": _id_text(item.get("product_id")),
            "variant_id": _id_text(item.get("variant_id")),
            "sku": _text(item.get("sku")),
            "name": _text(item.get("title")) or _text(item.get("name")),
            "variant": _text(item.get("variant_title")),
            "brand": _text(item.get("vendor")),
            "price": _money(item.get("price")),
            "quantity": quantity if isinstance(quantity, int) and quantity >= 0 else None,
        }
    )


# -- refunds ---------------------------------------------------------------------------------


def _refund_track(
    refund: dict[str, Any], webhook_id: str, context: dict[str, Any]
) -> dict[str, Any]:
    order_id = shopify_id(refund, "order_id")
    refund_lines = [line for line in _list(refund, "refund_line_items") if isinstance(line, dict)]
    amount, currency = _refunded_amount(refund, refund_lines)
    return {
        "type": "track",
        "event": "Order Refunded",
        "messageId": webhook_id,
        "anonymousId": f"shopify-order:{order_id}",
        "timestamp": _text(refund.get("processed_at")) or _text(refund.get("created_at")),
        "properties": _without_none(
            {
                "order_id": order_id,
                "refund_id": _id_text(refund.get("id")),
                "total": str(amount),
                "currency": currency,
                "note": _text(refund.get("note")),
                "products": [_refunded_product(line) for line in refund_lines],
            }
        ),
        "context": context,
    }


def _refunded_amount(
    refund: dict[str, Any], refund_lines: list[dict[str, Any]]
) -> tuple[Decimal, str | None]:
    """What went back to the customer: the successful refund transactions; without them,
    the refunded lines (with tax) and order adjustments (shipping refunds)."""
    transactions = [
        item
        for item in _list(refund, "transactions")
        if isinstance(item, dict)
        and item.get("kind") == "refund"
        and item.get("status") == "success"
    ]
    currencies = [_text(item.get("currency")) for item in transactions]
    currency = next((code for code in currencies if code), None)
    if transactions:
        return sum((_decimal(item.get("amount")) for item in transactions), Decimal(0)), currency
    lines = sum(
        (_decimal(line.get("subtotal")) + _decimal(line.get("total_tax")) for line in refund_lines),
        Decimal(0),
    )
    adjustments = sum(
        (
            abs(_decimal(item.get("amount")))
            for item in _list(refund, "order_adjustments")
            if isinstance(item, dict)
        ),
        Decimal(0),
    )
    return lines + adjustments, currency


def _refunded_product(line: dict[str, Any]) -> dict[str, Any]:
    item = line.get("line_item")
    product = _product(item if isinstance(item, dict) else {})
    quantity = line.get("quantity")
    if isinstance(quantity, int) and quantity >= 0:
        product["quantity"] = quantity
    return product


# -- small readers ---------------------------------------------------------------------------


def _list(payload: dict[str, Any], field: str) -> list[Any]:
    value = payload.get(field)
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadRejected(field, f"{field} must be a list")
    return value


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _id_text(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _text(value)


def _decimal(value: Any) -> Decimal:
    """An amount as Decimal (a JSON number through its shortest text); junk counts as 0."""
    if isinstance(value, bool) or value is None:
        return Decimal(0)
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        return Decimal(0)
    return amount if amount.is_finite() else Decimal(0)


def _money(value: Any) -> str | None:
    """A decimal string for an amount Shopify sent as a string or a number."""
    if value is None or isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise PayloadRejected("amount", f"{str(value)[:40]!r} is not an amount") from None
    if not amount.is_finite():
        raise PayloadRejected("amount", "amounts must be finite")
    return str(amount)


def _shop_money(price_set: Any) -> Any:
    if isinstance(price_set, dict) and isinstance(price_set.get("shop_money"), dict):
        return price_set["shop_money"].get("amount")
    return None


def _without_none(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}
