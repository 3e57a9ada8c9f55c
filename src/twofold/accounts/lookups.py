"""Small read helpers for showing accounts next to other records and in form choices."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.store.models import Account
from twofold.store.search import matches_search

CHOICES_LIMIT = 50


def account_names(session: Session, account_ids: Iterable[int | None]) -> dict[int, str]:
    """``{id: name}`` for the given ids (unknown ids and ``None`` are left out)."""
    wanted = {account_id for account_id in account_ids if account_id is not None}
    if not wanted:
        return {}
    rows = session.execute(select(Account.id, Account.name).where(Account.id.in_(wanted)))
    return {row.id: row.name for row in rows}


def account_choices(
    session: Session, *, search: str | None = None, limit: int = CHOICES_LIMIT
) -> list[tuple[int, str]]:
    """``(id, name)`` of the first accounts by name, optionally matching ``search``."""
    query = select(Account.id, Account.name).order_by(Account.name, Account.id).limit(limit)
    if search and search.strip():
        query = query.where(matches_search(session, Account, search))
    return [(row.id, row.name) for row in session.execute(query)]
