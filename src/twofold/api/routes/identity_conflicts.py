"""/api/v1/identity-conflicts: identifiers claimed by two persons, for review.

Listing and dismissing run in the request's transaction; merging spans both databases and
lives in ``person_data.py`` (it opens its own transactions).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from twofold.api.dependencies import ApiUser, DbSession
from twofold.api.routes.support import Paging
from twofold.api.schemas.common import ListOut, OutModel
from twofold.identity import conflicts

router = APIRouter(prefix="/identity-conflicts", tags=["identity"])
ConflictId = Annotated[int, Path(ge=1, le=2**63 - 1)]


class ConflictOut(OutModel):
    """An identifier (``kind``, ``value``) owned by ``person_id`` and claimed by
    ``other_person_id``; ``status`` is ``open``, ``merged`` or ``dismissed``."""

    id: int
    kind: str
    value: str
    person_id: int
    other_person_id: int
    reason: str
    source_id: int | None
    message_id: str | None
    status: str
    created_at: datetime
    resolved_at: datetime | None
    resolved_by_id: int | None


@router.get("", response_model=ListOut[ConflictOut])
def list_conflicts(
    session: DbSession,
    paging: Paging,
    status: Annotated[
        Literal["open", "merged", "dismissed", "all"], Query(description="default: open")
    ] = "open",
) -> dict[str, object]:
    """Conflicts, newest first; open ones unless ``status`` says otherwise."""
    page = conflicts.list_conflicts(
        session, status=None if status == "all" else status, page=paging
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get("/{conflict_id}", response_model=ConflictOut)
def read_conflict(conflict_id: ConflictId, session: DbSession) -> object:
    """One conflict."""
    return conflicts.get_conflict(session, conflict_id)


@router.post("/{conflict_id}/dismiss", response_model=ConflictOut)
def dismiss(conflict_id: ConflictId, session: DbSession, user: ApiUser) -> object:
    """They are different people: close the conflict (admins and marketers)."""
    return conflicts.dismiss_conflict(session, actor=user, conflict_id=conflict_id)
