"""/api/v1/duplicates (the review queue) and /api/v1/accounts/{id}/merge."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from twofold.accounts.merge import merge_accounts
from twofold.api.dependencies import ApiUser, DbSession
from twofold.api.routes.support import Paging
from twofold.api.schemas.common import ListOut
from twofold.core.inputs import InputModel
from twofold.duplicates import queue

router = APIRouter(tags=["duplicates"])
RecordId = Annotated[int, Path(ge=1, le=2**63 - 1)]
Kind = Literal["persons", "accounts"]


class DuplicateOut(BaseModel):
    """A candidate pair: ``record_id`` and ``other_record_id`` are persons or accounts
    (``kind``); ``score`` 0-100; ``status`` open, merged or dismissed."""

    id: int
    kind: str
    record_id: int
    other_record_id: int
    score: int
    reasons: list[str]
    status: str
    created_at: datetime
    decided_at: datetime | None
    decided_by_id: int | None


class ScanOut(BaseModel):
    """What a scan compared (``records``) and found; ``added`` pairs are new in the queue."""

    kind: str
    records: int
    found: int
    added: int


class ScanRequest(InputModel):
    """Which records to scan."""

    kind: Kind


class AccountMerge(InputModel):
    """Merge ``from_account_id`` into the account of the path (which is kept)."""

    from_account_id: int = Field(ge=1, le=2**63 - 1)
    keep: dict[str, Literal["into", "from"]] = Field(
        default_factory=dict,
        description="per field (name, industry, employees, annual_revenue, country, region, "
        "tier, lifecycle, owner_id, parent_id, external_id, custom.<key>): whose value "
        "survives; by default this account's, with its empty fields filled",
        examples=[{"name": "from"}],
    )


class AccountMergeOut(BaseModel):
    """What the merge moved (counts per kind) and the values taken from the merged account."""

    account_id: int
    merged_account_id: int
    moved: dict[str, int]
    taken: dict[str, Any]


@router.get("/duplicates")
def list_duplicates(
    session: DbSession,
    paging: Paging,
    kind: Annotated[Kind, Query()] = "persons",
    status: Annotated[Literal["open", "merged", "dismissed", "all"], Query()] = "open",
) -> ListOut[DuplicateOut]:
    """Candidate pairs, best score first (default: open persons)."""
    page = queue.list_candidates(
        session, kind=kind, status=None if status == "all" else status, page=paging
    )
    items = [DuplicateOut.model_validate(item, from_attributes=True) for item in page.items]
    return ListOut(items=items, next_cursor=page.next_cursor)


@router.post("/duplicates/scan")
def scan(payload: ScanRequest, session: DbSession, user: ApiUser) -> ScanOut:
    """Compare every person (or account) and queue the pairs never proposed before."""
    report = queue.scan_duplicates(session, actor=user, kind=payload.kind)
    return ScanOut(**report.__dict__)


@router.post("/duplicates/{candidate_id}/dismiss")
def dismiss(candidate_id: RecordId, session: DbSession, user: ApiUser) -> DuplicateOut:
    """Not a duplicate: the pair is closed and never proposed again (409 when not open)."""
    candidate = queue.dismiss_candidate(session, actor=user, candidate_id=candidate_id)
    return DuplicateOut.model_validate(candidate, from_attributes=True)


@router.post("/accounts/{account_id}/merge")
def merge_account(
    account_id: RecordId, payload: AccountMerge, session: DbSession, user: ApiUser
) -> AccountMergeOut:
    """Merge another account into this one; merging an account with itself, or into an
    account below it in its hierarchy, is a 422."""
    report = merge_accounts(
        session,
        actor=user,
        into_id=account_id,
        from_id=payload.from_account_id,
        keep=payload.keep,
    )
    return AccountMergeOut(**report.__dict__)
