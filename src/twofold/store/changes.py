"""Applying validated changes to a record and enforcing optimistic concurrency."""

from __future__ import annotations

from typing import Any

from twofold.core.errors import PreconditionFailed
from twofold.store.models import Base


def ensure_version(record: Base, expected_version: int | None) -> None:
    """Refuse a write based on an older version of the record (a stale ``If-Match``)."""
    current = getattr(record, "version", None)
    if expected_version is not None and expected_version != current:
        raise PreconditionFailed(
            f"the record changed since you read it (your version {expected_version}, "
            f"current {current}); reload and try again"
        )


def apply_changes(record: Base, values: dict[str, Any]) -> dict[str, Any]:
    """Set each attribute and return ``{field: {"before", "after"}}`` for those that changed."""
    changed: dict[str, Any] = {}
    for key, value in values.items():
        before = getattr(record, key)
        if before != value:
            changed[key] = {"before": before, "after": value}
            setattr(record, key, value)
    return changed
