"""Stored values as JSON values: decimals and times as strings, containers recursively."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from twofold.core.time import as_utc


def to_json_value(value: Any) -> Any:
    """``value`` with every decimal, date and time turned into its string form (ISO-8601)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [to_json_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_json_value(item) for key, item in value.items()}
    return value
