"""The steps that erase a person from the records database, in order.

Each step removes (or anonymises) one kind of data and answers how many rows it touched;
the counts become the erasure report. To erase one more kind of data (orders, consents...),
write a function ``(session, subject) -> int`` and add an :class:`ErasureStep` to
:data:`RECORD_STEPS` before ``person`` (the last step deletes the person row itself).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from twofold.core.enums import RecordType
from twofold.identity.mappings import forget_person
from twofold.leads.person_links import erase_leads
from twofold.persons.actions import display_name
from twofold.store.models import (
    Activity,
    Deal,
    DealStakeholder,
    IdentityConflict,
    Membership,
    Person,
    TimelineEntry,
    activity_accounts,
    activity_deals,
    activity_persons,
)
from twofold.store.statements import affected_rows

ERASED_MENTION = "[erased person]"
MIN_MENTION_LENGTH = 4  # shorter names ("Al") would also scrub unrelated words


@dataclass(frozen=True)
class ErasureSubject:
    """The person being erased, and what was gathered before any row was removed."""

    person_id: int
    mentions: tuple[str, ...]  # their name, emails and phones as they appear in text
    linked: tuple[tuple[RecordType, int], ...]  # accounts, deals and activities they are on


@dataclass(frozen=True)
class ErasureStep:
    """One kind of data and the function that removes it."""

    kind: str
    run: Callable[[Session, ErasureSubject], int]


def subject_of(session: Session, person: Person) -> ErasureSubject:
    """What the steps need to know about ``person`` before the first one runs."""
    name = display_name(person)
    mentions = [name] if len(name) >= MIN_MENTION_LENGTH and name != f"Person {person.id}" else []
    mentions += [*person.emails, *person.phones]
    accounts = session.scalars(
        select(Membership.account_id).where(Membership.person_id == person.id)
    )
    seats = session.scalars(
        select(DealStakeholder.deal_id).where(DealStakeholder.person_id == person.id)
    )
    deals = session.scalars(select(Deal.id).where(Deal.person_id == person.id))
    activities = session.scalars(
        select(activity_persons.c.activity_id).where(activity_persons.c.person_id == person.id)
    )
    linked = [
        *((RecordType.ACCOUNT, account_id) for account_id in accounts),
        *((RecordType.DEAL, deal_id) for deal_id in {*seats, *deals}),
        *((RecordType.ACTIVITY, activity_id) for activity_id in activities),
    ]
    return ErasureSubject(
        person_id=person.id,
        mentions=tuple(dict.fromkeys(mentions)),
        linked=tuple(dict.fromkeys(linked)),
    )


def scrub_mentions(session: Session, subject: ErasureSubject) -> int:
    """Replace the person's name, emails and phones in the timelines of the records they
    were linked to and in the subject and notes of activities about them."""
    if not subject.mentions or not subject.linked:
        return 0
    scrubbed = 0
    for record_type in {record_type for record_type, _ in subject.linked}:
        ids = [record_id for kind, record_id in subject.linked if kind == record_type]
        entries = session.scalars(
            select(TimelineEntry).where(
                TimelineEntry.record_type == record_type.value,
                TimelineEntry.record_id.in_(ids),
                or_(*(TimelineEntry.summary.contains(text) for text in subject.mentions)),
            )
        )
        for entry in entries:
            entry.summary = _without(entry.summary, subject.mentions)
            scrubbed += 1
    activity_ids = [record_id for kind, record_id in subject.linked if kind == RecordType.ACTIVITY]
    for activity in session.scalars(select(Activity).where(Activity.id.in_(activity_ids))):
        subject_text, body = activity.subject, activity.body
        activity.subject = _without(subject_text, subject.mentions)
        activity.body = _without(body, subject.mentions) if body else body
        scrubbed += (activity.subject != subject_text) + (activity.body != body)
    session.flush()
    return scrubbed


def _without(text: str, mentions: tuple[str, ...]) -> str:
    for mention in mentions:
        text = text.replace(mention, ERASED_MENTION)
    return text


def erase_conflicts(session: Session, subject: ErasureSubject) -> int:
    """Identity conflicts the person is on either side of."""
    person = subject.person_id
    return affected_rows(
        session,
        delete(IdentityConflict).where(
            or_(IdentityConflict.person_id == person, IdentityConflict.other_person_id == person)
        ),
    )


def erase_identities(session: Session, subject: ErasureSubject) -> int:
    """Every mapping version of what they own, and the older rows naming them."""
    return forget_person(session, subject.person_id)


def erase_stakeholder_seats(session: Session, subject: ErasureSubject) -> int:
    """Their seats on buying committees."""
    return affected_rows(
        session, delete(DealStakeholder).where(DealStakeholder.person_id == subject.person_id)
    )


def erase_personal_deals(session: Session, subject: ErasureSubject) -> int:
    """Deals with them as the customer and no account (B2C deals are about the person);
    with their own timelines."""
    ids = list(
        session.scalars(
            select(Deal.id).where(Deal.person_id == subject.person_id, Deal.account_id.is_(None))
        )
    )
    if not ids:
        return 0
    affected_rows(
        session,
        delete(TimelineEntry).where(
            TimelineEntry.record_type == RecordType.DEAL.value, TimelineEntry.record_id.in_(ids)
        ),
    )
    return affected_rows(session, delete(Deal).where(Deal.id.in_(ids)))


def detach_account_deals(session: Session, subject: ErasureSubject) -> int:
    """Deals on an account keep existing (they are the account's) without the person."""
    return affected_rows(
        session,
        update(Deal)
        .where(Deal.person_id == subject.person_id)
        .values(person_id=None, version=Deal.version + 1),
    )


def erase_own_activities(session: Session, subject: ErasureSubject) -> int:
    """Activities about nobody and nothing else (a call with them, a note on them)."""
    mine = select(activity_persons.c.activity_id).where(
        activity_persons.c.person_id == subject.person_id
    )
    shared = (
        select(activity_persons.c.activity_id)
        .where(activity_persons.c.person_id != subject.person_id)
        .union(select(activity_accounts.c.activity_id), select(activity_deals.c.activity_id))
    )
    ids = list(
        session.scalars(
            select(Activity.id).where(Activity.id.in_(mine), Activity.id.not_in(shared))
        )
    )
    if not ids:
        return 0
    affected_rows(
        session,
        delete(TimelineEntry).where(
            or_(
                TimelineEntry.activity_id.in_(ids),
                (TimelineEntry.record_type == RecordType.ACTIVITY.value)
                & TimelineEntry.record_id.in_(ids),
            )
        ),
    )
    return affected_rows(session, delete(Activity).where(Activity.id.in_(ids)))


def erase_activity_links(session: Session, subject: ErasureSubject) -> int:
    """Their links to activities that are also about others (the activities stay)."""
    table = activity_persons
    return affected_rows(session, delete(table).where(table.c.person_id == subject.person_id))


def erase_memberships(session: Session, subject: ErasureSubject) -> int:
    """Their memberships of accounts."""
    return affected_rows(
        session, delete(Membership).where(Membership.person_id == subject.person_id)
    )


def erase_reporting_lines(session: Session, subject: ErasureSubject) -> int:
    """Other people's memberships stop reporting to them."""
    return affected_rows(
        session,
        update(Membership)
        .where(Membership.reports_to_id == subject.person_id)
        .values(reports_to_id=None, version=Membership.version + 1),
    )


def erase_timeline(session: Session, subject: ErasureSubject) -> int:
    """Their own timeline."""
    return affected_rows(
        session,
        delete(TimelineEntry).where(
            TimelineEntry.record_type == RecordType.PERSON.value,
            TimelineEntry.record_id == subject.person_id,
        ),
    )


def erase_leads_of(session: Session, subject: ErasureSubject) -> int:
    """Their leads (with the leads' timelines) and web form submissions."""
    return erase_leads(session, subject.person_id)


def erase_person_row(session: Session, subject: ErasureSubject) -> int:
    """The person record itself (profile, traits, emails, phones, custom fields)."""
    return affected_rows(session, delete(Person).where(Person.id == subject.person_id))


RECORD_STEPS: tuple[ErasureStep, ...] = (
    ErasureStep("timeline_mentions", scrub_mentions),
    ErasureStep("identity_conflicts", erase_conflicts),
    ErasureStep("identities", erase_identities),
    ErasureStep("deal_stakeholders", erase_stakeholder_seats),
    ErasureStep("deals", erase_personal_deals),
    ErasureStep("deals_detached", detach_account_deals),
    ErasureStep("activities", erase_own_activities),
    ErasureStep("activity_links", erase_activity_links),
    ErasureStep("memberships", erase_memberships),
    ErasureStep("reporting_lines", erase_reporting_lines),
    ErasureStep("timeline_entries", erase_timeline),
    ErasureStep("leads", erase_leads_of),
    ErasureStep("person", erase_person_row),
)
