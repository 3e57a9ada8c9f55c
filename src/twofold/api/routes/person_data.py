"""Routes over both databases: merging persons, erasing and exporting a person's data.

They authenticate in a transaction of their own and call one domain function that opens its
own transactions (see ``get_api_user_in_own_transaction``). Decision record:
docs/decisions/0009-merge-and-privacy.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from twofold.api.dependencies import OwnTransactionApiUser, get_database
from twofold.core.inputs import InputModel
from twofold.identity.conflicts import open_conflict
from twofold.ingest.runtime import Ingestion
from twofold.persons.erasure import erase_person
from twofold.persons.export import export_person
from twofold.persons.merge import MergeReport, merge_persons
from twofold.persons.stores import PersonStores

router = APIRouter(tags=["person data"])
RecordId = Annotated[int, Path(ge=1, le=2**63 - 1)]


class PersonMerge(InputModel):
    """Merge ``from_person_id`` into the person of the path (who is kept)."""

    from_person_id: int = Field(ge=1, le=2**63 - 1)
    keep: dict[str, Literal["into", "from"]] = Field(
        default_factory=dict,
        description="per field (first_name, last_name, title, owner_id, lifecycle_stage, "
        "custom.<key>): whose value survives; by default this person's, empty fields filled",
        examples=[{"title": "from"}],
    )


class ConflictMerge(InputModel):
    """Which of the conflict's two persons is kept; the other is merged into it.
    Default: the identifier's owner (``person_id`` of the conflict)."""

    into_person_id: int | None = Field(default=None, ge=1, le=2**63 - 1)


class MergeOut(BaseModel):
    """What a merge moved to ``person_id`` (counts per kind) and what it took over from the
    merged person's profile (emails, phones, traits, custom fields, empty fields)."""

    person_id: int
    merged_person_id: int
    moved: dict[str, int]
    folded: dict[str, Any]


class ErasureOut(BaseModel):
    """What an erasure removed, per kind, and how many identifiers are now suppressed (events
    carrying them are no longer stored)."""

    person_id: int
    erased_at: datetime
    removed: dict[str, int]
    suppressed_identifiers: int


def person_stores(request: Request) -> PersonStores:
    """The records database and event store of the running app."""
    ingestion: Ingestion = request.app.state.ingestion
    return ingestion.person_stores


def _merge_out(report: MergeReport) -> MergeOut:
    return MergeOut(
        person_id=report.person_id,
        merged_person_id=report.merged_person_id,
        moved=report.moved,
        folded=report.folded,
    )


@router.post("/persons/{person_id}/merge", response_model=MergeOut)
def merge_into_person(
    person_id: RecordId, payload: PersonMerge, request: Request, user: OwnTransactionApiUser
) -> MergeOut:
    """Merge another person into this one (admins and marketers); merging a person with
    itself is a 422."""
    report = merge_persons(
        person_stores(request),
        actor=user,
        into_id=person_id,
        from_id=payload.from_person_id,
        keep=payload.keep,
    )
    return _merge_out(report)


@router.post("/identity-conflicts/{conflict_id}/merge", response_model=MergeOut)
def merge_conflict(
    conflict_id: RecordId,
    request: Request,
    user: OwnTransactionApiUser,
    payload: ConflictMerge | None = None,
) -> MergeOut:
    """Settle an open conflict by merging its two persons (409 when already settled)."""
    with get_database(request).transaction(write=False) as session:
        conflict = open_conflict(session, conflict_id)
        pair = (conflict.person_id, conflict.other_person_id)
    into = payload.into_person_id if payload and payload.into_person_id else pair[0]
    other = pair[1] if into == pair[0] else pair[0]
    report = merge_persons(
        person_stores(request), actor=user, into_id=into, from_id=other, conflict_id=conflict_id
    )
    return _merge_out(report)


@router.post("/persons/{person_id}/erase", response_model=ErasureOut)
def erase(person_id: RecordId, request: Request, user: OwnTransactionApiUser) -> ErasureOut:
    """Erase everything about the person from both databases (admins only; cannot be undone)
    and suppress their identifiers so that later events do not re-create them."""
    report = erase_person(person_stores(request), actor=user, person_id=person_id)
    return ErasureOut(
        person_id=report.person_id,
        erased_at=report.erased_at,
        removed=report.removed,
        suppressed_identifiers=report.suppressed_identifiers,
    )


@router.get(
    "/persons/{person_id}/export",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}, "description": "the export"}},
)
def export(person_id: RecordId, request: Request, user: OwnTransactionApiUser) -> Response:
    """Everything about the person as one JSON document: the person record and traits,
    identities, conflicts, memberships, deals, activities, timeline and all events."""
    document = export_person(person_stores(request), actor=user, person_id=person_id)
    return Response(orjson.dumps(document), media_type="application/json")
