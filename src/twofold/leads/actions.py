"""The verbs that change leads from the API and the UI: create, update, assign in bulk."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.auth.permissions import ensure_can_assign, ensure_can_edit, ensure_can_write
from twofold.core.enums import LeadStatus, RecordType
from twofold.core.errors import Conflict, NotFound, ValidationFailed
from twofold.core.inputs import InputModel
from twofold.core.places import parse_country, parse_domain
from twofold.core.text import search_text
from twofold.leads.capture import Captured, LeadInput, capture_lead
from twofold.persons.contact_points import normalise_email, normalise_phones
from twofold.store.changes import apply_changes, ensure_version
from twofold.store.models import Lead, User
from twofold.timeline import kinds
from twofold.timeline.entries import append_to_timelines

MAX_BULK = 500


class LeadCreate(InputModel):
    """A lead entered by hand or by an integration (web forms have their own endpoint)."""

    email: str = Field(min_length=3, max_length=320, examples=["jo@acme.com"])
    first_name: str | None = Field(default=None, max_length=200)
    last_name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40, examples=["+31 20 123 4567"])
    company: str | None = Field(default=None, max_length=300)
    title: str | None = Field(default=None, max_length=200)
    country: str | None = Field(default=None, examples=["NL"])
    website: str | None = Field(default=None, max_length=300)
    source: str = Field(default="api", min_length=1, max_length=100)
    owner_id: int | None = Field(default=None, description="else the assignment rules decide")
    fields: dict[str, Any] = Field(default_factory=dict, description="raw values kept as-is")


class LeadUpdate(InputModel):
    """A partial update; ``converted`` is reached only through the conversion."""

    status: LeadStatus | None = None
    owner_id: int | None = None
    disqualified_reason: str | None = Field(default=None, max_length=500)
    company: str | None = Field(default=None, max_length=300)
    title: str | None = Field(default=None, max_length=200)
    country: str | None = None
    domain: str | None = None


def get_lead(session: Session, lead_id: int) -> Lead:
    """The lead with this id, or ``NotFound``."""
    lead = session.get(Lead, lead_id)
    if lead is None:
        raise NotFound(f"no lead {lead_id}")
    return lead


def create_lead(session: Session, *, actor: User, data: LeadCreate) -> Captured:
    """Capture a lead for ``actor`` (an existing person with the email is reused)."""
    ensure_can_write(actor)
    if data.owner_id is not None:
        ensure_can_assign(actor, data.owner_id)
        _ensure_user(session, data.owner_id)
    if len(repr(data.fields)) > 16_000:
        raise ValidationFailed.on("fields", "at most 16,000 characters")
    values = data.model_dump(exclude={"owner_id", "email", "phone", "country", "source"})
    return capture_lead(
        session,
        actor=actor,
        owner_id=data.owner_id,
        data=LeadInput(
            **values,
            email=normalise_email(data.email),
            phone=normalise_phones([data.phone], field="phone")[0] if data.phone else None,
            country=parse_country(data.country) if data.country else None,
            source=data.source,
        ),
    )


def update_lead(
    session: Session,
    *,
    actor: User,
    lead: Lead,
    data: LeadUpdate,
    expected_version: int | None = None,
) -> Lead:
    """Change status, owner or what we know; a converted lead is history and stays as is."""
    ensure_can_edit(actor, lead.owner_id, record="lead")
    ensure_version(lead, expected_version)
    if lead.status == LeadStatus.CONVERTED:
        raise Conflict("the lead was converted; change its person, account or deal instead")
    values: dict[str, Any] = {key: getattr(data, key) for key in data.model_fields_set}
    if "status" in values:
        status = values["status"]
        if status is None or status is LeadStatus.CONVERTED:
            raise ValidationFailed.on("status", "new, working, qualified or disqualified")
        values["status"] = status.value
    if "owner_id" in values and values["owner_id"] is not None:
        ensure_can_assign(actor, values["owner_id"])
        _ensure_user(session, values["owner_id"])
    if values.get("country"):
        values["country"] = parse_country(values["country"])
    if values.get("domain"):
        values["domain"] = parse_domain(values["domain"], field="domain")
    changes = apply_changes(lead, values)
    if changes:
        lead.search_text = search_text(lead.name, lead.email, lead.company, lead.domain)
        session.flush()
        kind = kinds.LEAD_ASSIGNED if set(changes) == {"owner_id"} else kinds.UPDATED
        append_to_timelines(
            session,
            actor=actor,
            records=[(RecordType.LEAD, lead.id)],
            kind=kind,
            summary=f"Changed {', '.join(sorted(changes))}",
            changes=changes,
        )
    return lead


def assign_leads(session: Session, *, actor: User, lead_ids: list[int], owner_id: int) -> int:
    """Give many leads to one owner (admins and managers, or to oneself); all or none."""
    if not 1 <= len(lead_ids) <= MAX_BULK:
        raise ValidationFailed.on("lead_ids", f"choose 1 to {MAX_BULK} leads")
    ensure_can_assign(actor, owner_id)
    _ensure_user(session, owner_id)
    leads = list(session.scalars(select(Lead).where(Lead.id.in_(set(lead_ids)))))
    missing = set(lead_ids) - {lead.id for lead in leads}
    if missing:
        raise ValidationFailed.on("lead_ids", f"no lead {', '.join(map(str, sorted(missing)))}")
    changed = 0
    for lead in leads:
        before = lead.owner_id
        update_lead(session, actor=actor, lead=lead, data=LeadUpdate(owner_id=owner_id))
        changed += before != owner_id
    return changed


def _ensure_user(session: Session, user_id: int) -> None:
    if session.get(User, user_id) is None:
        raise ValidationFailed.on("owner_id", f"no user {user_id}")
