"""/api/v1/orders: orders derived from ecommerce events and Shopify webhooks."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel

from twofold.api.dependencies import ApiUser, get_ingestion
from twofold.orders.queries import OrderFilters, get_order, list_orders
from twofold.store.listing import DEFAULT_LIMIT, MAX_LIMIT

router = APIRouter(prefix="/orders", tags=["orders"])

OrderStatus = Literal["completed", "updated", "refunded", "cancelled"]


class OrderOut(BaseModel):
    """An order: amounts are decimal strings in ``currency``; ``net`` is total - refunded
    (0 when cancelled)."""

    source_id: int
    order_id: str
    person_id: int | None
    status: OrderStatus
    currency: str
    total: str | None
    revenue: str | None
    refunded: str
    net: str
    channel: str | None
    placed_at: datetime
    updated_at: datetime


class OrderLineOut(BaseModel):
    """One line of an order as last placed or updated."""

    line_number: int
    product_id: str | None
    sku: str | None
    name: str | None
    category: str | None
    brand: str | None
    variant: str | None
    price: str | None
    quantity: int
    line_total: str | None


class OrderDetailOut(OrderOut):
    """An order with its lines."""

    lines: list[OrderLineOut]


class OrderPage(BaseModel):
    """A page of orders, newest placed first."""

    items: list[OrderOut]
    next_cursor: str | None


@router.get("", response_model=OrderPage)
def get_orders(
    request: Request,
    _user: ApiUser,
    person_id: Annotated[int | None, Query(ge=1)] = None,
    source_id: Annotated[int | None, Query(ge=1)] = None,
    status: OrderStatus | None = None,
    since: Annotated[datetime | None, Query(description="placed at or after (ISO-8601)")] = None,
    until: Annotated[datetime | None, Query(description="placed before (ISO-8601)")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query()] = None,
) -> dict[str, Any]:
    """Orders, newest placed first, filtered by person, source, status and time placed."""
    filters = OrderFilters(person_id, source_id, status, since, until)
    items, next_cursor = list_orders(
        get_ingestion(request).store, filters, limit=limit, cursor=cursor
    )
    return {"items": items, "next_cursor": next_cursor}


@router.get("/{source_id}/{order_id:path}", response_model=OrderDetailOut)
def get_one_order(
    request: Request,
    _user: ApiUser,
    source_id: Annotated[int, Path(ge=1)],
    order_id: Annotated[str, Path(min_length=1, max_length=200)],
) -> dict[str, Any]:
    """One order, named by its source and the order id the source gave it, with its lines."""
    return get_order(get_ingestion(request).store, source_id=source_id, order_id=order_id)
