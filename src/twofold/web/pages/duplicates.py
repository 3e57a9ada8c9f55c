"""Duplicate review: the queue, a pair side by side with a choice per field, merge or
"not a duplicate"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.accounts import merge as account_merge
from twofold.accounts.merge import merge_accounts
from twofold.api.dependencies import get_database
from twofold.core.errors import ValidationFailed
from twofold.duplicates import queue
from twofold.persons import merge as person_merge
from twofold.persons.merge import merge_persons
from twofold.store.listing import PageRequest
from twofold.store.models import Account, Person
from twofold.web.dependencies import (
    DbSession,
    OwnTransactionFormUser,
    SubmittedForm,
    WebFormUser,
    WebUser,
    form_text,
)
from twofold.web.pages.shared import PAGE_SIZE, RecordId, as_text, see_other
from twofold.web.pages.sources import ingestion_of
from twofold.web.templating import render

router = APIRouter()
Kind = Literal["persons", "accounts"]
Status = Literal["open", "merged", "dismissed", "all"]
PERSON_FIELDS = ("emails", "phones", *person_merge.CHOOSABLE_FIELDS)
ACCOUNT_FIELDS = ("domains", "external_id", *account_merge.CHOOSABLE_FIELDS)
# Lists are always combined; these rows are shown but offer no choice.
COMBINED = frozenset({"emails", "phones", "domains"})


@dataclass(frozen=True)
class FieldRow:
    """One field of the pair: both values and whether the reviewer picks one."""

    name: str
    values: tuple[str, str]
    choosable: bool


def _records(session: Session, kind: Kind, ids: set[int]) -> dict[int, Any]:
    if kind == "persons":
        return {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(ids)))}
    return {a.id: a for a in session.scalars(select(Account).where(Account.id.in_(ids)))}


def _label(kind: Kind, record: Any) -> str:
    if kind == "accounts":
        return str(record.name)
    name = f"{record.first_name} {record.last_name}".strip()
    return name or record.primary_email or f"Person {record.id}"


@router.get("/duplicates", include_in_schema=False)
def duplicate_list(
    request: Request,
    session: DbSession,
    _user: WebUser,
    kind: Annotated[Kind, Query()] = "persons",
    status: Annotated[Status, Query()] = "open",
    cursor: str | None = None,
) -> Response:
    """The review queue of one kind, best score first."""
    page = queue.list_candidates(
        session,
        kind=kind,
        status=None if status == "all" else status,
        page=PageRequest(limit=PAGE_SIZE, cursor=cursor or None),
    )
    ids = {i for c in page.items for i in (c.record_id, c.other_record_id)}
    records = _records(session, kind, ids)
    labels = {record_id: _label(kind, record) for record_id, record in records.items()}
    context = {"page": page, "labels": labels, "kind": kind, "status": status}
    return render(request, "duplicates/list.html", context)


@router.post("/duplicates/scan", include_in_schema=False)
def scan_from_list(session: DbSession, user: WebFormUser, form: SubmittedForm) -> Response:
    """Scan now (fine up to a few hundred thousand records; the CLI shows progress)."""
    kind = queue.check_kind(form_text(form, "kind"))
    queue.scan_duplicates(session, actor=user, kind=kind)
    return see_other(f"/duplicates?kind={kind}")


@router.get("/duplicates/{candidate_id}", include_in_schema=False)
def duplicate_review(
    request: Request, session: DbSession, _user: WebUser, candidate_id: RecordId
) -> Response:
    """The pair side by side: which record to keep, and per field whose value."""
    candidate = queue.get_candidate(session, candidate_id)
    kind: Kind = "persons" if candidate.kind == "persons" else "accounts"
    records = _records(session, kind, {candidate.record_id, candidate.other_record_id})
    pair = [records.get(candidate.record_id), records.get(candidate.other_record_id)]
    fields = PERSON_FIELDS if kind == "persons" else ACCOUNT_FIELDS
    rows = []
    if pair[0] is not None and pair[1] is not None:
        for name in fields:
            values = (as_text(getattr(pair[0], name)), as_text(getattr(pair[1], name)))
            rows.append(FieldRow(name, values, name not in COMBINED and values[0] != values[1]))
    context = {
        "candidate": candidate,
        "kind": kind,
        "pair": pair,
        "labels": [_label(kind, r) if r is not None else "(gone)" for r in pair],
        "rows": rows,
    }
    return render(request, "duplicates/review.html", context)


@router.post("/duplicates/{candidate_id}/merge", include_in_schema=False)
def merge_from_review(
    request: Request, user: OwnTransactionFormUser, form: SubmittedForm, candidate_id: RecordId
) -> Response:
    """Merge the pair into the record chosen to be kept, with the values chosen per field."""
    database = get_database(request)
    with database.transaction(write=False) as session:
        candidate = queue.get_candidate(session, candidate_id)
        kind, pair = candidate.kind, (candidate.record_id, candidate.other_record_id)
    into = int(form_text(form, "into") or pair[0])
    if into not in pair:
        raise ValidationFailed.on("into", "must be one of the pair")
    other = pair[1] if into == pair[0] else pair[0]
    keep: dict[str, Literal["into", "from"]] = {}
    for name, value in form.items():
        if name.startswith("field:") and value:
            keep[name.removeprefix("field:")] = "into" if str(value) == str(into) else "from"
    if kind == "persons":
        stores = ingestion_of(request).person_stores
        merge_persons(stores, actor=user, into_id=into, from_id=other, keep=keep)
        return see_other(f"/people/{into}")
    with database.transaction() as session:
        merge_accounts(session, actor=user, into_id=into, from_id=other, keep=keep)
    return see_other(f"/accounts/{into}")


@router.post("/duplicates/{candidate_id}/dismiss", include_in_schema=False)
def dismiss_from_review(session: DbSession, user: WebFormUser, candidate_id: RecordId) -> Response:
    """Not a duplicate: close the pair and go back to the queue."""
    candidate = queue.dismiss_candidate(session, actor=user, candidate_id=candidate_id)
    return see_other(f"/duplicates?kind={candidate.kind}")
