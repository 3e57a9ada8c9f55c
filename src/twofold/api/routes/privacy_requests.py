"""/api/v1/privacy-requests: data and erasure requests received from Shopify (admins only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel

from twofold.api.dependencies import ApiUser
from twofold.auth.permissions import ensure_admin
from twofold.ingest.runtime import Ingestion
from twofold.shopify.privacy import list_privacy_requests

router = APIRouter(prefix="/privacy-requests", tags=["privacy"])


class PrivacyRequestOut(BaseModel):
    """A request to act on: export (``customers/data_request``) or erase (the redact topics)."""

    request_id: int
    source_id: int
    webhook_id: str
    topic: str
    shop_domain: str | None
    customer_id: str | None
    email: str | None
    phone: str | None
    order_ids: list[str] | None
    status: str
    received_at: datetime


class PrivacyRequestList(BaseModel):
    """Every recorded request, newest first."""

    items: list[PrivacyRequestOut]
    next_cursor: str | None


@router.get("", response_model=PrivacyRequestList)
def get_privacy_requests(
    request: Request,
    user: ApiUser,
    status: Literal["export_pending", "erasure_pending"] | None = None,
) -> dict[str, Any]:
    """The recorded privacy requests (they hold personal data: admins only)."""
    ensure_admin(user)
    ingestion: Ingestion = request.app.state.ingestion
    return {"items": list_privacy_requests(ingestion.store, status=status), "next_cursor": None}
