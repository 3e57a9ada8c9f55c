"""Looking users up for display: names for owners and timeline actors, choices for forms."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.store.models import User


def user_names(session: Session, user_ids: Iterable[int | None]) -> dict[int, str]:
    """``{id: name}`` for the given ids (unknown ids and ``None`` are left out)."""
    wanted = {user_id for user_id in user_ids if user_id is not None}
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.name).where(User.id.in_(wanted)))
    return {row.id: row.name for row in rows}


def active_users(session: Session) -> list[User]:
    """Everyone who can log in, by name (the choices of an owner field)."""
    return list(session.scalars(select(User).where(User.is_active.is_(True)).order_by(User.name)))
