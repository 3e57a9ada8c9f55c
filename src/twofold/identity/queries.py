"""Reading the identity graph: the identifiers a person currently owns."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, aliased

from twofold.store.models import IdentityMapping


def identities_of(session: Session, person_id: int) -> list[dict[str, Any]]:
    """The identifiers whose newest mapping names ``person_id``, oldest first."""
    newer = aliased(IdentityMapping)
    superseded = exists().where(
        newer.kind == IdentityMapping.kind,
        newer.value == IdentityMapping.value,
        newer.version > IdentityMapping.version,
    )
    rows = session.execute(
        select(
            IdentityMapping.kind,
            IdentityMapping.value,
            IdentityMapping.reason,
            IdentityMapping.source_id,
            IdentityMapping.created_at,
        )
        .where(IdentityMapping.person_id == person_id, ~superseded)
        .order_by(IdentityMapping.id)
    ).all()
    return [
        {"kind": kind, "value": value, "reason": reason, "source_id": source, "since": created}
        for kind, value, reason, source, created in rows
    ]
