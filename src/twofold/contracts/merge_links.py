"""Contracts follow their customer when two accounts or two persons are merged: without this
the database's ``ON DELETE CASCADE`` would delete the duplicate's contracts with it."""

from __future__ import annotations

from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from twofold.core.time import utcnow
from twofold.store.models import Contract
from twofold.store.statements import affected_rows


def move_contracts(
    session: Session, *, customer: Literal["account", "person"], into_id: int, from_id: int
) -> list[int]:
    """Contracts of ``from_id`` (an account or a person) belong to ``into_id``; their ids."""
    column = Contract.account_id if customer == "account" else Contract.person_id
    contract_ids = list(session.scalars(select(Contract.id).where(column == from_id)))
    if contract_ids:
        values = {column.key: into_id}
        affected_rows(
            session,
            update(Contract)
            .where(Contract.id.in_(contract_ids))
            .values(**values, version=Contract.version + 1, updated_at=utcnow()),
        )
    return contract_ids
