"""/api/v1/leads: the inbox, capture, updates, bulk assignment, scoring (rules and
rescoring), assignment rules, conversion, timeline."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response, status
from pydantic import Field

from twofold.api.dependencies import ApiUser, DbSession, EventIngestion, ExpectedVersion
from twofold.api.routes.support import Paging, set_etag
from twofold.api.schemas.common import ListOut, TimelineEntryOut
from twofold.api.schemas.leads import (
    AssignedOut,
    AssignmentRuleOut,
    ConversionOut,
    FallbackOwnerOut,
    LeadOut,
    RescoredOut,
    ScoringRulesOut,
)
from twofold.auth.permissions import ensure_can_write, ensure_manager
from twofold.core.enums import LeadStatus, RecordType
from twofold.core.inputs import InputModel
from twofold.leads import assignment
from twofold.leads.actions import LeadCreate, LeadUpdate, assign_leads, create_lead, get_lead
from twofold.leads.actions import update_lead as update_lead_action
from twofold.leads.conversion import LeadConversion, convert_lead
from twofold.leads.queries import LeadFilters, list_leads
from twofold.leads.scoring import open_leads, rescore_leads
from twofold.leads.scoring_config import scoring_rules, set_scoring_rules
from twofold.timeline.entries import read_timeline

router = APIRouter(prefix="/leads", tags=["leads"])


class BulkAssign(InputModel):
    """Give these leads to one owner."""

    lead_ids: list[int] = Field(min_length=1, max_length=500)
    owner_id: int


class FallbackOwner(InputModel):
    """Who gets the leads no rule takes (``null``: nobody)."""

    fallback_owner_id: int | None


def _lead_out(lead_out: LeadOut, response: Response) -> LeadOut:
    set_etag(response, lead_out.version)
    return lead_out


@router.get("")
def list_(
    session: DbSession,
    paging: Paging,
    status: LeadStatus | None = None,
    owner_id: int | None = None,
    unassigned: Annotated[bool, Query(description="only leads without an owner")] = False,  # noqa: FBT002
    min_score: Annotated[int | None, Query(ge=-100_000, le=100_000)] = None,
    max_score: Annotated[int | None, Query(ge=-100_000, le=100_000)] = None,
    form_id: int | None = None,
    search: Annotated[str | None, Query(description="a substring of name, email, company")] = None,
) -> ListOut[LeadOut]:
    """The lead inbox, best score first unless ``sort`` says otherwise."""
    filters = LeadFilters(
        status=status.value if status else None,
        owner_id=owner_id,
        unassigned=unassigned,
        min_score=min_score,
        max_score=max_score,
        form_id=form_id,
        search=search,
    )
    page = list_leads(session, filters=filters, page=paging)
    return ListOut(
        items=[LeadOut.model_validate(lead) for lead in page.items], next_cursor=page.next_cursor
    )


@router.post("", status_code=status.HTTP_201_CREATED)
def create(
    data: LeadCreate,
    session: DbSession,
    user: ApiUser,
    ingestion: EventIngestion,
    response: Response,
) -> LeadOut:
    """Capture a lead (its person is found by email, or created); assigned by the rules
    unless ``owner_id`` is given; scored at once."""
    captured = create_lead(session, actor=user, data=data)
    rescore_leads(session, ingestion.store, [captured.lead])
    return _lead_out(LeadOut.model_validate(captured.lead), response)


@router.post("/assign")
def assign(data: BulkAssign, session: DbSession, user: ApiUser) -> AssignedOut:
    """Give many leads to one owner (all or none)."""
    return AssignedOut(
        changed=assign_leads(session, actor=user, lead_ids=data.lead_ids, owner_id=data.owner_id)
    )


@router.post("/rescore")
def rescore_all(session: DbSession, user: ApiUser, ingestion: EventIngestion) -> RescoredOut:
    """Score every open lead afresh (after the rules changed)."""
    ensure_manager(user)
    leads = open_leads(session)
    rescore_leads(session, ingestion.store, leads)
    return RescoredOut(rescored=len(leads))


@router.get("/scoring")
def read_scoring(session: DbSession) -> ScoringRulesOut:
    """The scoring rules in force."""
    return ScoringRulesOut.of(scoring_rules(session))


@router.put("/scoring")
def replace_scoring(
    session: DbSession,
    user: ApiUser,
    document: Annotated[dict[str, Any], Body(examples=[{"fit": [], "engagement": []}])],
) -> ScoringRulesOut:
    """Replace the scoring rules (admins and managers); leads keep their score until rescored."""
    return ScoringRulesOut.of(set_scoring_rules(session, actor=user, document=document))


@router.get("/assignment-rules")
def list_rules(session: DbSession) -> list[AssignmentRuleOut]:
    """The assignment rules in the order they are tried."""
    return [AssignmentRuleOut.model_validate(r) for r in assignment.assignment_rules(session)]


@router.post("/assignment-rules", status_code=status.HTTP_201_CREATED)
def create_rule(
    data: assignment.RuleCreate, session: DbSession, user: ApiUser
) -> AssignmentRuleOut:
    """Add a rule (admins and managers)."""
    return AssignmentRuleOut.model_validate(assignment.create_rule(session, actor=user, data=data))


@router.patch("/assignment-rules/{rule_id}")
def update_rule(
    rule_id: int,
    data: assignment.RuleUpdate,
    session: DbSession,
    user: ApiUser,
    expected_version: ExpectedVersion,
) -> AssignmentRuleOut:
    """Change a rule; a new user list restarts its turn."""
    rule = assignment.get_rule(session, rule_id)
    assignment.update_rule(
        session, actor=user, rule=rule, data=data, expected_version=expected_version
    )
    return AssignmentRuleOut.model_validate(rule)


@router.delete("/assignment-rules/{rule_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_rule(rule_id: int, session: DbSession, user: ApiUser) -> None:
    """Remove a rule."""
    assignment.delete_rule(session, actor=user, rule=assignment.get_rule(session, rule_id))


@router.get("/assignment-fallback")
def read_fallback(session: DbSession) -> FallbackOwnerOut:
    """Who gets the leads no rule takes."""
    return FallbackOwnerOut(fallback_owner_id=assignment.fallback_owner_id(session))


@router.put("/assignment-fallback")
def replace_fallback(data: FallbackOwner, session: DbSession, user: ApiUser) -> FallbackOwnerOut:
    """Set or clear the fallback owner (admins and managers)."""
    owner = assignment.set_fallback_owner(session, actor=user, user_id=data.fallback_owner_id)
    return FallbackOwnerOut(fallback_owner_id=owner)


@router.get("/{lead_id}")
def read(lead_id: int, session: DbSession, response: Response) -> LeadOut:
    """One lead; the ``ETag`` header carries its version."""
    return _lead_out(LeadOut.model_validate(get_lead(session, lead_id)), response)


@router.patch("/{lead_id}")
def update(
    lead_id: int,
    data: LeadUpdate,
    session: DbSession,
    user: ApiUser,
    expected_version: ExpectedVersion,
    response: Response,
) -> LeadOut:
    """Change status, owner or what we know about the lead."""
    lead = get_lead(session, lead_id)
    update_lead_action(session, actor=user, lead=lead, data=data, expected_version=expected_version)
    return _lead_out(LeadOut.model_validate(lead), response)


@router.post("/{lead_id}/rescore")
def rescore(
    lead_id: int, session: DbSession, user: ApiUser, ingestion: EventIngestion, response: Response
) -> LeadOut:
    """Score the lead afresh with the rules and events as they are now."""
    ensure_can_write(user)
    lead = get_lead(session, lead_id)
    rescore_leads(session, ingestion.store, [lead])
    return _lead_out(LeadOut.model_validate(lead), response)


@router.post("/{lead_id}/convert")
def convert(
    lead_id: int,
    data: LeadConversion,
    session: DbSession,
    user: ApiUser,
    expected_version: ExpectedVersion,
) -> ConversionOut:
    """Convert into person + account (+ membership, + deal); a second time answers 409."""
    lead = get_lead(session, lead_id)
    converted = convert_lead(
        session, actor=user, lead=lead, data=data, expected_version=expected_version
    )
    return ConversionOut.of(converted)


@router.get("/{lead_id}/timeline")
def timeline(
    lead_id: int,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before_id: int | None = None,
) -> list[TimelineEntryOut]:
    """The lead's history, newest first."""
    get_lead(session, lead_id)
    entries = read_timeline(
        session, record=(RecordType.LEAD, lead_id), limit=limit, before_id=before_id
    )
    return [TimelineEntryOut.model_validate(entry) for entry in entries]
