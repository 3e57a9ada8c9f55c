"""Substring search over the normalised ``search_text`` column."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement

from twofold.core.errors import ValidationFailed
from twofold.core.text import search_needle

MAX_QUERY_LENGTH = 200


def matches_search(column: Any, query: str) -> ColumnElement[bool]:
    """``column`` contains ``query`` (case- and accent-insensitive, wildcards escaped)."""
    if len(query) > MAX_QUERY_LENGTH:
        raise ValidationFailed.on("search", f"at most {MAX_QUERY_LENGTH} characters")
    condition: ColumnElement[bool] = column.like(f"%{search_needle(query)}%", escape="\\")
    return condition
