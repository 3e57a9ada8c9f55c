"""Converting a lead: its person (found by email when the lead was captured, so never a
second one) at an account (the one given, else the one with the lead's domain, else a new
one), optionally with a deal — all in the caller's transaction, or nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.accounts.actions import create_account, get_account
from twofold.accounts.memberships import MembershipCreate, add_membership
from twofold.accounts.schemas import AccountCreate
from twofold.auth.permissions import EDIT_EVERYTHING, ensure_can_edit
from twofold.core.enums import BuyingRole, LeadStatus, LifecycleStage, RecordType
from twofold.core.errors import Conflict, NotFound, ValidationFailed
from twofold.core.inputs import InputModel
from twofold.core.time import utcnow
from twofold.deals.actions import create_deal
from twofold.deals.committee import add_stakeholder
from twofold.deals.schemas import DealCreate, StakeholderCreate
from twofold.leads.matching import account_for_domain
from twofold.persons.actions import display_name, get_person
from twofold.store.changes import ensure_version
from twofold.store.models import Account, Deal, Lead, Membership, Person, User
from twofold.timeline import kinds
from twofold.timeline.entries import RecordRef, append_to_timelines

# A person still in these stages moves on when their lead converts; a customer stays one.
EARLY_STAGES = frozenset(
    {LifecycleStage.SUBSCRIBER, LifecycleStage.LEAD, LifecycleStage.MQL, LifecycleStage.SQL}
)


class DealDraft(InputModel):
    """The deal a conversion opens (the pipeline's first stage)."""

    name: str | None = Field(default=None, min_length=1, max_length=300)
    pipeline_id: int | None = Field(default=None, description="else the default pipeline")
    amount: str | None = Field(default=None, examples=["25000.00"])
    currency: str | None = Field(default=None, examples=["EUR"])
    expected_close_date: date | None = None


class LeadConversion(InputModel):
    """Where the lead goes: an account (else matched by domain, else created), a deal."""

    account_id: int | None = None
    deal: DealDraft | None = None
    buying_role: BuyingRole = BuyingRole.OTHER


@dataclass(frozen=True)
class Converted:
    """What the conversion produced or found."""

    lead: Lead
    person: Person
    account: Account
    account_created: bool
    membership: Membership
    deal: Deal | None


def convert_lead(
    session: Session,
    *,
    actor: User,
    lead: Lead,
    data: LeadConversion,
    expected_version: int | None = None,
) -> Converted:
    """Convert ``lead``; a second conversion is refused (409)."""
    ensure_can_edit(actor, lead.owner_id, record="lead")
    session.refresh(lead, with_for_update=True)  # two converting at once: one waits, then 409
    ensure_version(lead, expected_version)
    if lead.status == LeadStatus.CONVERTED:
        raise Conflict(f"lead {lead.id} was converted already")
    person = get_person(session, lead.person_id)
    account, created = _account_for(session, actor=actor, lead=lead, account_id=data.account_id)
    membership = _membership(session, actor=actor, person=person, account=account, lead=lead)
    deal = (
        _open_deal(session, actor=actor, lead=lead, person=person, account=account, data=data)
        if data.deal
        else None
    )
    _advance_lifecycle(person, has_deal=deal is not None)
    lead.status = LeadStatus.CONVERTED.value
    lead.converted_at = utcnow()
    lead.converted_by_id = actor.id
    lead.converted_account_id = account.id
    lead.converted_deal_id = deal.id if deal else None
    session.flush()
    records: list[RecordRef] = [
        (RecordType.LEAD, lead.id),
        (RecordType.PERSON, person.id),
        (RecordType.ACCOUNT, account.id),
    ]
    if deal is not None:
        records.append((RecordType.DEAL, deal.id))
    append_to_timelines(
        session,
        actor=actor,
        records=records,
        kind=kinds.LEAD_CONVERTED,
        summary=f"Lead {lead.name or lead.email} converted: {display_name(person)} at "
        f"{account.name}" + (f", deal {deal.name}" if deal else ""),
        changes={
            "lead_id": lead.id,
            "person_id": person.id,
            "account_id": account.id,
            "account_created": created,
            "deal_id": deal.id if deal else None,
        },
    )
    return Converted(lead, person, account, created, membership, deal)


def _account_for(
    session: Session, *, actor: User, lead: Lead, account_id: int | None
) -> tuple[Account, bool]:
    if account_id is not None:
        try:
            return get_account(session, account_id), False
        except NotFound as error:
            raise ValidationFailed.on("account_id", error.message) from None
    if lead.domain:
        found = account_for_domain(session, lead.domain)
        if found is not None:
            return found, False
    name = lead.company or lead.domain
    if not name:
        raise ValidationFailed.on(
            "account_id", "the lead names no company and no domain: choose the account"
        )
    data = AccountCreate(
        name=name[:300],
        domains=[lead.domain] if lead.domain else [],
        country=lead.country,
        owner_id=lead.owner_id or actor.id,
    )
    return create_account(session, actor=actor, data=data), True


def _membership(
    session: Session, *, actor: User, person: Person, account: Account, lead: Lead
) -> Membership:
    existing = session.scalar(
        select(Membership).where(
            Membership.person_id == person.id, Membership.account_id == account.id
        )
    )
    if existing is not None:
        return existing
    if account.owner_id in (None, actor.id) or actor.role in EDIT_EVERYTHING:
        data = MembershipCreate(person_id=person.id, account_id=account.id, title=lead.title)
        return add_membership(session, actor=actor, data=data)
    # The lead's owner may put its person at the matched account even when a colleague owns
    # the account (matching by domain is the point of converting); the colleague sees it on
    # the account's timeline.
    membership = Membership(
        person_id=person.id, account_id=account.id, title=lead.title, buying_roles=[]
    )
    session.add(membership)
    session.flush()
    append_to_timelines(
        session,
        actor=actor,
        records=[(RecordType.ACCOUNT, account.id), (RecordType.PERSON, person.id)],
        kind=kinds.MEMBERSHIP_ADDED,
        summary=f"{display_name(person)} joined {account.name} (lead converted)",
        changes={"title": membership.title, "department": None},
    )
    return membership


def _open_deal(
    session: Session,
    *,
    actor: User,
    lead: Lead,
    person: Person,
    account: Account,
    data: LeadConversion,
) -> Deal:
    draft = data.deal or DealDraft()
    deal = create_deal(
        session,
        actor=actor,
        data=DealCreate(
            name=draft.name or f"{account.name} - {display_name(person)}"[:300],
            account_id=account.id,
            pipeline_id=draft.pipeline_id,
            amount=draft.amount,
            currency=draft.currency,
            expected_close_date=draft.expected_close_date,
            owner_id=lead.owner_id or actor.id,
            source=f"lead: {lead.source}"[:100],
        ),
    )
    session.flush()
    stakeholder = StakeholderCreate(
        person_id=person.id, buying_role=data.buying_role, is_primary=True
    )
    add_stakeholder(session, actor=actor, deal=deal, data=stakeholder)
    return deal


def _advance_lifecycle(person: Person, *, has_deal: bool) -> None:
    if LifecycleStage(person.lifecycle_stage) in EARLY_STAGES:
        person.lifecycle_stage = (
            LifecycleStage.OPPORTUNITY.value if has_deal else LifecycleStage.SQL.value
        )
