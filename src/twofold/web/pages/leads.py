"""Leads in the UI: the inbox (filters by status, owner and score; bulk assignment), a
lead's page (what it told us, score reasons, status, rescoring) and its conversion, which
HTMX posts and swaps in place."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from twofold.accounts.lookups import account_names
from twofold.auth.directory import user_names
from twofold.core.enums import LeadStatus, RecordType
from twofold.core.errors import ValidationFailed
from twofold.forms.actions import list_forms
from twofold.leads.actions import LeadUpdate, assign_leads, get_lead, update_lead
from twofold.leads.conversion import DealDraft, LeadConversion, convert_lead
from twofold.leads.matching import account_for_domain
from twofold.leads.queries import LeadFilters, list_leads
from twofold.leads.scoring import rescore_leads
from twofold.persons.actions import display_name, get_person
from twofold.store.listing import PageRequest
from twofold.store.models import Lead
from twofold.web.dependencies import DbSession, SubmittedForm, WebFormUser, WebUser, form_text
from twofold.web.forms import FormProblems, FormView, parse_id, submitted
from twofold.web.pages.shared import RecordId, owner_choices, see_other, timeline_view
from twofold.web.pages.sources import ingestion_of
from twofold.web.templating import render

router = APIRouter()
PAGE_SIZE = 100
STATUSES = [status.value for status in LeadStatus]
TextQuery = Annotated[str, Query(max_length=40)]


@router.get("/leads", include_in_schema=False)
def inbox(
    request: Request,
    session: DbSession,
    _user: WebUser,
    status: TextQuery = "",
    owner: TextQuery = "",
    min_score: TextQuery = "",
    search: Annotated[str, Query(max_length=200)] = "",
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    """The inbox, best score first."""
    problems = FormProblems()
    filters = LeadFilters(search=search or None)
    with problems.capture(session):
        filters = LeadFilters(
            status=_status(status),
            owner_id=parse_id(owner) if owner not in {"", "none"} else None,
            unassigned=owner == "none",
            min_score=_score(min_score),
            search=search or None,
        )
    page = list_leads(session, filters=filters, page=PageRequest(limit=PAGE_SIZE, cursor=cursor))
    query = {"status": status, "owner": owner, "min_score": min_score, "search": search}
    return render(
        request,
        "leads/inbox.html",
        {
            "leads": page.items,
            "next_cursor": page.next_cursor,
            "owners": user_names(session, {lead.owner_id for lead in page.items}),
            "owner_choices": owner_choices(session),
            "statuses": STATUSES,
            "query": query,
            "problem": problems.message,
            "forms": {form.id: form.name for form in list_forms(session)},
        },
        status_code=200 if not problems else 422,
    )


@router.post("/leads/assign", include_in_schema=False)
def assign(
    request: Request, session: DbSession, user: WebFormUser, form: SubmittedForm
) -> Response:
    """Give the ticked leads to one owner."""
    problems = FormProblems()
    with problems.capture(session):
        owner_id = parse_id(form_text(form, "owner_id"))
        if owner_id is None:
            raise ValidationFailed.on("owner_id", "choose who gets the leads")
        lead_ids = [parse_id(value) for value in form.getlist("lead_id") if isinstance(value, str)]
        assign_leads(
            session,
            actor=user,
            lead_ids=[lead_id for lead_id in lead_ids if lead_id is not None],
            owner_id=owner_id,
        )
    if problems:
        return render(
            request,
            "leads/problem.html",
            {"problem": problems.message, "problems": problems.summary()},
            status_code=problems.status,
        )
    return see_other(
        form_text(form, "return_to") if _local(form_text(form, "return_to")) else "/leads"
    )


@router.get("/leads/{lead_id}", include_in_schema=False)
def lead_page(request: Request, session: DbSession, _user: WebUser, lead_id: RecordId) -> Response:
    """One lead."""
    return _lead_page(request, session, get_lead(session, lead_id))


@router.post("/leads/{lead_id}/status", include_in_schema=False)
def change_status(
    request: Request, session: DbSession, user: WebFormUser, form: SubmittedForm, lead_id: RecordId
) -> Response:
    """Move the lead to another status (or give it to someone)."""
    lead = get_lead(session, lead_id)
    problems = FormProblems()
    with problems.capture(session):
        values: dict[str, Any] = {"status": form_text(form, "status") or None}
        if form_text(form, "status") == LeadStatus.DISQUALIFIED:
            values["disqualified_reason"] = form_text(form, "disqualified_reason") or None
        if form_text(form, "owner_id"):
            values["owner_id"] = parse_id(form_text(form, "owner_id"))
        update_lead(session, actor=user, lead=lead, data=LeadUpdate.model_validate(values))
    if problems:
        return _lead_page(request, session, lead, problems=problems)
    return see_other(f"/leads/{lead.id}")


@router.post("/leads/{lead_id}/rescore", include_in_schema=False)
def rescore(request: Request, session: DbSession, user: WebFormUser, lead_id: RecordId) -> Response:
    """Score the lead afresh."""
    del user
    lead = get_lead(session, lead_id)
    rescore_leads(session, ingestion_of(request).store, [lead])
    return see_other(f"/leads/{lead.id}")


@router.post("/leads/{lead_id}/convert", include_in_schema=False)
def convert(
    request: Request, session: DbSession, user: WebFormUser, form: SubmittedForm, lead_id: RecordId
) -> Response:
    """Convert the lead; HTMX swaps the conversion panel with the result (or the problems)."""
    lead = get_lead(session, lead_id)
    problems = FormProblems()
    with problems.capture(session):
        deal = None
        if form_text(form, "create_deal"):
            deal = DealDraft(
                name=form_text(form, "deal_name") or None,
                amount=form_text(form, "amount") or None,
                currency=form_text(form, "currency") or None,
            )
        data = LeadConversion(account_id=parse_id(form_text(form, "account_id")), deal=deal)
        convert_lead(session, actor=user, lead=lead, data=data)
    context = _conversion_context(session, lead, form=submitted(form, problems), problems=problems)
    return render(request, "leads/conversion.html", context, status_code=problems.status)


def _lead_page(
    request: Request, session: Session, lead: Lead, *, problems: FormProblems | None = None
) -> Response:
    person = get_person(session, lead.person_id)
    context = {
        "lead": lead,
        "person": person,
        "person_name": display_name(person),
        "owner_name": user_names(session, [lead.owner_id]).get(lead.owner_id or 0),
        "owner_choices": owner_choices(session),
        "statuses": [s for s in STATUSES if s != LeadStatus.CONVERTED],
        "timeline": timeline_view(session, RecordType.LEAD, lead.id),
        "problem": problems.message if problems else None,
        **_conversion_context(session, lead, form=FormView(values={"currency": "EUR"})),
    }
    return render(
        request, "leads/page.html", context, status_code=problems.status if problems else 200
    )


def _conversion_context(
    session: Session, lead: Lead, *, form: FormView, problems: FormProblems | None = None
) -> dict[str, Any]:
    matched = account_for_domain(session, lead.domain) if lead.domain else None
    names = account_names(session, {lead.converted_account_id} - {None})
    return {
        "lead": lead,
        "form": form,
        "matched_account": matched,
        "converted_account_name": names.get(lead.converted_account_id or 0),
        "conversion_problem": problems.message if problems else None,
    }


def _status(text: str) -> str | None:
    if not text:
        return None
    if text not in STATUSES:
        raise ValidationFailed.on("status", f"one of {', '.join(STATUSES)}")
    return text


def _score(text: str) -> int | None:
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise ValidationFailed.on("min_score", "a whole number") from None


def _local(path: str) -> bool:
    return path.startswith("/leads") and "//" not in path and "\\" not in path
