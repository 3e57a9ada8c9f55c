"""Times are timezone-aware UTC everywhere they are stored or compared."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def naive_utc(moment: datetime) -> datetime:
    """UTC without a zone, as DuckDB's ``TIMESTAMP`` columns hold it."""
    return as_utc(moment).replace(tzinfo=None)


def as_utc(moment: datetime) -> datetime:
    """Treat naive datetimes (as SQLite returns them) as UTC; convert aware ones to UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
