"""Capturing a lead: find the person by email (never a second person for one address) or
create one with lifecycle ``lead``; add to their open lead or open a new one, assigned by
the rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.core.enums import LeadStatus, LifecycleStage, RecordType
from twofold.core.text import search_text
from twofold.core.time import utcnow
from twofold.leads.assignment import choose_owner
from twofold.leads.matching import lead_domain, person_for_email
from twofold.persons.actions import display_name, refresh_derived_fields
from twofold.store.models import Lead, Person, User
from twofold.timeline import kinds
from twofold.timeline.entries import append_to_timelines

OPEN_STATUSES = (LeadStatus.NEW.value, LeadStatus.WORKING.value, LeadStatus.QUALIFIED.value)


@dataclass(frozen=True)
class LeadInput:
    """What is known about a lead; ``email`` is validated and lower-cased already."""

    email: str
    source: str
    first_name: str | None = None
    last_name: str | None = None
    name: str | None = None
    phone: str | None = None
    company: str | None = None
    title: str | None = None
    country: str | None = None
    website: str | None = None
    form_id: int | None = None
    fields: dict[str, Any] = field(default_factory=dict)

    def full_name(self) -> str:
        """The name as given, or first and last name together."""
        joined = " ".join(part for part in (self.first_name, self.last_name) if part)
        return (self.name or joined).strip()

    def name_parts(self) -> tuple[str, str]:
        """First and last name; a single ``name`` is split at its last space."""
        if self.first_name or self.last_name:
            return self.first_name or "", self.last_name or ""
        first, _, last = (self.name or "").strip().rpartition(" ")
        return (first, last) if first else (last, "")


@dataclass(frozen=True)
class Captured:
    """The lead and its person, and which of them are new."""

    lead: Lead
    person: Person
    new_person: bool
    new_lead: bool


def capture_lead(
    session: Session,
    *,
    actor: User | None,
    data: LeadInput,
    owner_id: int | None = None,
    now: datetime | None = None,
) -> Captured:
    """Record ``data`` as a lead (``owner_id`` overrides the assignment rules; ``now`` is
    when it came in)."""
    now = now or utcnow()
    person = person_for_email(session, data.email)
    lead = None if person is None else _open_lead(session, person.id)
    owner = None
    if lead is None:  # a new lead is assigned (its new person gets the same owner)
        owner = owner_id if owner_id is not None else choose_owner(session, data.country)
    new_person = person is None
    if person is None:
        person = _new_person(session, actor=actor, data=data, owner_id=owner, now=now)
    else:
        _fill_person(person, data)
    new_lead = lead is None
    if lead is None:
        lead = Lead(
            person_id=person.id,
            status=LeadStatus.NEW.value,
            owner_id=owner,
            score=0,
            score_reasons=[],
            created_at=now,
            updated_at=now,
        )
        _fill_lead(lead, data, replace=True)
        session.add(lead)
        session.flush()
        _log_new_lead(session, actor, lead, person, now)
    else:
        _fill_lead(lead, data, replace=False)
    session.flush()
    return Captured(lead=lead, person=person, new_person=new_person, new_lead=new_lead)


def _open_lead(session: Session, person_id: int) -> Lead | None:
    return session.scalar(
        select(Lead)
        .where(Lead.person_id == person_id, Lead.status.in_(OPEN_STATUSES))
        .order_by(Lead.id.desc())
        .limit(1)
    )


def _new_person(
    session: Session, *, actor: User | None, data: LeadInput, owner_id: int | None, now: datetime
) -> Person:
    first, last = data.name_parts()
    person = Person(
        first_name=first[:200],
        last_name=last[:200],
        emails=[data.email],
        phones=[data.phone] if data.phone else [],
        title=data.title,
        owner_id=owner_id,
        lifecycle_stage=LifecycleStage.LEAD.value,
        traits={"country": data.country} if data.country else {},
        custom={},
        created_at=now,
        updated_at=now,
    )
    refresh_derived_fields(person)
    session.add(person)
    session.flush()
    append_to_timelines(
        session,
        actor=actor,
        records=[(RecordType.PERSON, person.id)],
        kind=kinds.CREATED,
        summary=f"Person {display_name(person)} created from a lead ({data.source})",
        at=now,
    )
    return person


def _fill_person(person: Person, data: LeadInput) -> None:
    """Complete an existing person, never overwrite them: the CRM's data was checked by a
    colleague, a web form's by nobody."""
    first, last = data.name_parts()
    if not person.first_name and not person.last_name and (first or last):
        person.first_name, person.last_name = first[:200], last[:200]
    if data.phone and not person.phones:
        person.phones = [data.phone]
    if data.title and not person.title:
        person.title = data.title
    refresh_derived_fields(person)


def _fill_lead(lead: Lead, data: LeadInput, *, replace: bool) -> None:
    """A new lead takes everything; a repeat submission updates what it brings."""
    given = {
        "name": data.full_name() or None,
        "email": data.email,
        "phone": data.phone,
        "company": data.company,
        "title": data.title,
        "country": data.country,
        "domain": lead_domain(email=data.email, website=data.website),
    }
    for key, value in given.items():
        if value is not None or replace:
            setattr(lead, key, value if value is not None else ("" if key == "name" else None))
    lead.source = data.source if replace else lead.source
    lead.form_id = data.form_id if replace or data.form_id else lead.form_id
    lead.fields = {**(lead.fields or {}), **data.fields}
    lead.search_text = search_text(lead.name, lead.email, lead.company, lead.domain)


def _log_new_lead(
    session: Session, actor: User | None, lead: Lead, person: Person, now: datetime
) -> None:
    summary = f"Lead {lead.name or lead.email} created ({lead.source})"
    changes = {"lead_id": lead.id, "owner_id": lead.owner_id}
    for record, kind in ((RecordType.LEAD, kinds.CREATED), (RecordType.PERSON, kinds.LEAD_CREATED)):
        append_to_timelines(
            session,
            actor=actor,
            records=[(record, lead.id if record is RecordType.LEAD else person.id)],
            kind=kind,
            summary=summary,
            changes=changes,
            at=now,
        )
