"""The buying committee of a deal (stakeholders) and its channel partners."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from twofold.accounts.actions import get_account
from twofold.auth.permissions import ensure_can_edit
from twofold.core.enums import BuyingRole, RecordType
from twofold.core.errors import Conflict, NotFound, ValidationFailed
from twofold.core.time import utcnow
from twofold.deals.schemas import PartnerCreate, StakeholderCreate, StakeholderUpdate
from twofold.deals.stages import deal_records
from twofold.persons.actions import display_name, get_person
from twofold.store.models import Account, Deal, DealPartner, DealStakeholder, Person, User
from twofold.timeline import kinds
from twofold.timeline.entries import append_to_timelines

# The roles a complete B2B buying committee covers; the map shows the rest only when present.
KEY_ROLES = (
    BuyingRole.DECISION_MAKER,
    BuyingRole.ECONOMIC_BUYER,
    BuyingRole.CHAMPION,
    BuyingRole.TECHNICAL_EVALUATOR,
    BuyingRole.BUSINESS_USER,
    BuyingRole.APPROVER,
    BuyingRole.PROCUREMENT,
    BuyingRole.EXECUTIVE_SPONSOR,
)


def add_stakeholder(
    session: Session, *, actor: User, deal: Deal, data: StakeholderCreate
) -> DealStakeholder:
    """Put a person on the committee in a role; a new primary replaces the old one."""
    ensure_can_edit(actor, deal.owner_id, record="deal")
    try:
        person = get_person(session, data.person_id)
    except NotFound as error:
        raise ValidationFailed.on("person_id", error.message) from None
    duplicate = select(DealStakeholder.id).where(
        DealStakeholder.deal_id == deal.id,
        DealStakeholder.person_id == person.id,
        DealStakeholder.buying_role == data.buying_role.value,
    )
    if session.scalar(duplicate) is not None:
        raise Conflict(f"{display_name(person)} is already {data.buying_role.value} on this deal")
    is_first = session.scalar(select(DealStakeholder.id).where(DealStakeholder.deal_id == deal.id))
    stakeholder = DealStakeholder(
        deal_id=deal.id,
        person_id=person.id,
        buying_role=data.buying_role.value,
        sentiment=data.sentiment.value,
        is_primary=data.is_primary or is_first is None,
    )
    if stakeholder.is_primary:
        _clear_primary(session, deal.id)
    session.add(stakeholder)
    session.flush()
    _touch(deal)
    append_to_timelines(
        session,
        actor=actor,
        records=[*deal_records(deal), (RecordType.PERSON, person.id)],
        kind=kinds.STAKEHOLDER_ADDED,
        summary=f"{display_name(person)} added to {deal.name} as {_role_label(data.buying_role)}",
        changes={"buying_role": data.buying_role.value, "sentiment": data.sentiment.value},
    )
    return stakeholder


def update_stakeholder(
    session: Session, *, actor: User, deal: Deal, stakeholder_id: int, data: StakeholderUpdate
) -> DealStakeholder:
    """Change a stakeholder's sentiment or make them primary."""
    ensure_can_edit(actor, deal.owner_id, record="deal")
    stakeholder = _get_stakeholder(session, deal, stakeholder_id)
    changes: dict[str, dict[str, object]] = {}
    if data.sentiment is not None and data.sentiment.value != stakeholder.sentiment:
        changes["sentiment"] = {"before": stakeholder.sentiment, "after": data.sentiment.value}
        stakeholder.sentiment = data.sentiment.value
    if data.is_primary and not stakeholder.is_primary:
        _clear_primary(session, deal.id)
        stakeholder.is_primary = True
        changes["is_primary"] = {"before": False, "after": True}
    session.flush()
    if changes:
        _touch(deal)
        append_to_timelines(
            session,
            actor=actor,
            records=deal_records(deal),
            kind=kinds.UPDATED,
            summary=f"{deal.name}: stakeholder changed",
            changes=changes,
        )
    return stakeholder


def remove_stakeholder(session: Session, *, actor: User, deal: Deal, stakeholder_id: int) -> None:
    """Take a person off the committee (another becomes primary if needed)."""
    ensure_can_edit(actor, deal.owner_id, record="deal")
    stakeholder = _get_stakeholder(session, deal, stakeholder_id)
    was_primary = stakeholder.is_primary
    session.delete(stakeholder)
    session.flush()
    if was_primary:
        successor = session.scalar(
            select(DealStakeholder)
            .where(DealStakeholder.deal_id == deal.id)
            .order_by(DealStakeholder.id)
        )
        if successor is not None:
            successor.is_primary = True
    _touch(deal)
    append_to_timelines(
        session,
        actor=actor,
        records=deal_records(deal),
        kind=kinds.STAKEHOLDER_REMOVED,
        summary=f"{deal.name}: stakeholder removed",
    )


def add_partner(session: Session, *, actor: User, deal: Deal, data: PartnerCreate) -> DealPartner:
    """Attach a channel partner account in a role."""
    ensure_can_edit(actor, deal.owner_id, record="deal")
    try:
        account = get_account(session, data.account_id)
    except NotFound as error:
        raise ValidationFailed.on("account_id", error.message) from None
    if account.id == deal.account_id:
        raise ValidationFailed.on("account_id", "the customer cannot be its own partner")
    duplicate = select(DealPartner.id).where(
        DealPartner.deal_id == deal.id,
        DealPartner.account_id == account.id,
        DealPartner.role == data.role.value,
    )
    if session.scalar(duplicate) is not None:
        raise Conflict(f"{account.name} is already {data.role.value} on this deal")
    partner = DealPartner(deal_id=deal.id, account_id=account.id, role=data.role.value)
    session.add(partner)
    session.flush()
    _touch(deal)
    append_to_timelines(
        session,
        actor=actor,
        records=[*deal_records(deal), (RecordType.ACCOUNT, account.id)],
        kind=kinds.PARTNER_ADDED,
        summary=f"{account.name} added to {deal.name} as {data.role.value}",
    )
    return partner


def remove_partner(session: Session, *, actor: User, deal: Deal, partner_id: int) -> None:
    """Detach a channel partner."""
    ensure_can_edit(actor, deal.owner_id, record="deal")
    partner = session.get(DealPartner, partner_id)
    if partner is None or partner.deal_id != deal.id:
        raise NotFound(f"no partner {partner_id} on deal {deal.id}")
    session.delete(partner)
    _touch(deal)
    append_to_timelines(
        session,
        actor=actor,
        records=deal_records(deal),
        kind=kinds.PARTNER_REMOVED,
        summary=f"{deal.name}: partner removed",
    )


def deal_stakeholders(session: Session, deal_id: int) -> list[tuple[DealStakeholder, Person]]:
    """The committee with the person records, primary first."""
    query = (
        select(DealStakeholder, Person)
        .join(Person, Person.id == DealStakeholder.person_id)
        .where(DealStakeholder.deal_id == deal_id)
        .order_by(DealStakeholder.is_primary.desc(), DealStakeholder.id)
    )
    return [(row[0], row[1]) for row in session.execute(query)]


def deal_partners(session: Session, deal_id: int) -> list[tuple[DealPartner, Account]]:
    """The partners with their account records."""
    query = (
        select(DealPartner, Account)
        .join(Account, Account.id == DealPartner.account_id)
        .where(DealPartner.deal_id == deal_id)
        .order_by(DealPartner.id)
    )
    return [(row[0], row[1]) for row in session.execute(query)]


@dataclass
class RoleCoverage:
    """One buying role on the committee map: who covers it, or nobody."""

    role: str
    label: str
    key: bool
    people: list[tuple[DealStakeholder, Person]] = field(default_factory=list)

    @property
    def covered(self) -> bool:
        """Whether someone holds this role."""
        return bool(self.people)


def buying_committee(session: Session, deal_id: int) -> list[RoleCoverage]:
    """Every key role (covered or missing) plus any other role someone holds."""
    coverage = {
        role.value: RoleCoverage(role=role.value, label=_role_label(role), key=role in KEY_ROLES)
        for role in BuyingRole
    }
    for stakeholder, person in deal_stakeholders(session, deal_id):
        coverage[stakeholder.buying_role].people.append((stakeholder, person))
    return [item for item in coverage.values() if item.key or item.covered]


def _role_label(role: BuyingRole | str) -> str:
    return BuyingRole(role).value.replace("_", " ").capitalize()


def _get_stakeholder(session: Session, deal: Deal, stakeholder_id: int) -> DealStakeholder:
    stakeholder = session.get(DealStakeholder, stakeholder_id)
    if stakeholder is None or stakeholder.deal_id != deal.id:
        raise NotFound(f"no stakeholder {stakeholder_id} on deal {deal.id}")
    return stakeholder


def _touch(deal: Deal) -> None:
    """A committee or partner change is a change of the deal: new version, new updated_at."""
    deal.updated_at = utcnow()


def _clear_primary(session: Session, deal_id: int) -> None:
    session.execute(
        update(DealStakeholder).where(DealStakeholder.deal_id == deal_id).values(is_primary=False)
    )
