"""Shapes shared by every resource."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from twofold.core.money import format_amount

ItemT = TypeVar("ItemT")


class OutModel(BaseModel):
    """Base of API outputs: built from ORM records by attribute."""

    model_config = ConfigDict(from_attributes=True)


class ListOut(BaseModel, Generic[ItemT]):
    """A page of a list: ``{"items": [...], "next_cursor": ...}``."""

    items: list[ItemT]
    next_cursor: str | None


class RecordOut(OutModel):
    """Fields every stored record has."""

    id: int
    version: int
    created_at: datetime
    updated_at: datetime


class TimelineEntryOut(OutModel):
    """One entry of a record's timeline."""

    id: int
    record_type: str
    record_id: int
    at: datetime
    actor_id: int | None
    kind: str
    summary: str
    changes: dict[str, Any]
    activity_id: int | None


def money(amount: Decimal | None, currency: str | None) -> str | None:
    """A decimal string with the currency's decimals, or ``None``."""
    if amount is None or currency is None:
        return None
    return format_amount(amount, currency)
