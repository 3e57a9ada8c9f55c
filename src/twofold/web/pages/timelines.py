"""Older timeline entries of an account, person, deal or lead ("Show older entries" on their pages).

HTMX gets the next entries as ``<li>`` elements that replace the link; without JavaScript the
link opens a page of them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from twofold.accounts.actions import get_account
from twofold.core.enums import RecordType
from twofold.deals.actions import get_deal
from twofold.leads.actions import get_lead
from twofold.persons.actions import display_name, get_person
from twofold.web.dependencies import DbSession, WebUser, is_htmx
from twofold.web.forms import MAX_ID
from twofold.web.pages.shared import RecordId, timeline_view
from twofold.web.templating import render

router = APIRouter()


class PagedRecord(StrEnum):
    """The records whose pages show a timeline."""

    ACCOUNT = RecordType.ACCOUNT.value
    PERSON = RecordType.PERSON.value
    DEAL = RecordType.DEAL.value
    LEAD = RecordType.LEAD.value


@router.get("/timeline/{record_type}/{record_id}", include_in_schema=False)
def older_timeline_entries(
    request: Request,
    session: DbSession,
    _user: WebUser,
    record_type: PagedRecord,
    record_id: RecordId,
    before: Annotated[int, Query(ge=1, le=MAX_ID)],
) -> Response:
    """The entries of a record's timeline older than entry ``before``."""
    name, path = _record(session, record_type, record_id)
    timeline = timeline_view(session, RecordType(record_type.value), record_id, before_id=before)
    if is_htmx(request):
        return render(request, "timeline/_entries.html", {"timeline": timeline})
    context = {"timeline": timeline, "record_name": name, "record_path": path}
    return render(request, "timeline/page.html", context)


def _record(session: Session, record_type: PagedRecord, record_id: int) -> tuple[str, str]:
    """The record's name and page (``NotFound`` when it does not exist)."""
    if record_type == PagedRecord.ACCOUNT:
        return get_account(session, record_id).name, f"/accounts/{record_id}"
    if record_type == PagedRecord.PERSON:
        return display_name(get_person(session, record_id)), f"/people/{record_id}"
    if record_type == PagedRecord.LEAD:
        lead = get_lead(session, record_id)
        return lead.name or lead.email or f"Lead {lead.id}", f"/leads/{record_id}"
    return get_deal(session, record_id).name, f"/deals/{record_id}"
