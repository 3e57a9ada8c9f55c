"""Named JSON settings changed at run time (``config_entries``): read with a default, write."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from twofold.store.models import ConfigEntry


def read_config(session: Session, key: str, default: Any) -> Any:
    """The stored value of ``key``, or ``default`` when nothing was stored."""
    entry = session.get(ConfigEntry, key)
    return default if entry is None else entry.value


def write_config(session: Session, key: str, value: Any) -> None:
    """Store ``value`` under ``key`` (replacing what was there)."""
    entry = session.get(ConfigEntry, key)
    if entry is None:
        session.add(ConfigEntry(key=key, value=value))
    else:
        entry.value = value
    session.flush()
