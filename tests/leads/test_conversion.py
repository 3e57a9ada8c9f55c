"""Conversion: the person found by email is reused, the account with the lead's domain is
matched (or one is created), a membership and a deal are added, timelines written, and a
second conversion refused with nothing changed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from leads_support import make_user
from sqlalchemy import func, select

from twofold.accounts.actions import create_account
from twofold.accounts.schemas import AccountCreate
from twofold.core.errors import Conflict, PermissionDenied, ValidationFailed
from twofold.leads.actions import LeadCreate, create_lead
from twofold.leads.conversion import DealDraft, LeadConversion, convert_lead
from twofold.persons.actions import create_person
from twofold.persons.schemas import PersonCreate
from twofold.store.database import Database
from twofold.store.models import (
    Account,
    Deal,
    DealStakeholder,
    Lead,
    Membership,
    Person,
    TimelineEntry,
    User,
)


def _count(session: object, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)))  # type: ignore[attr-defined]


def test_existing_person_and_account_are_matched_nothing_duplicated(
    database: Database, admin: User
) -> None:
    with database.transaction() as session:
        actor = session.merge(admin)
        acme = create_account(
            session, actor=actor, data=AccountCreate(name="Acme Corp", domains=["acme.com"])
        )
        known = create_person(
            session,
            actor=actor,
            data=PersonCreate(first_name="Vera", last_name="Vos", emails=["vera@acme.com"]),
        )
        known.lifecycle_stage = "mql"
        lead = create_lead(
            session,
            actor=actor,
            data=LeadCreate(email="VERA@acme.com", first_name="V.", company="ACME", title="CFO"),
        ).lead
        assert lead.person_id == known.id  # matched by email at capture
        persons, accounts = _count(session, Person), _count(session, Account)
        converted = convert_lead(
            session,
            actor=actor,
            lead=lead,
            data=LeadConversion(
                deal=DealDraft(
                    amount="12000", currency="EUR", expected_close_date=date(2027, 3, 31)
                ),
                buying_role="economic_buyer",
            ),
        )
        assert (converted.person.id, converted.account.id) == (known.id, acme.id)
        assert not converted.account_created
        assert (_count(session, Person), _count(session, Account)) == (persons, accounts)
        assert converted.membership.title == "CFO"
        deal = converted.deal
        assert deal is not None
        assert deal.account_id == acme.id
        assert (deal.amount, deal.currency) == (Decimal(12000), "EUR")
        stakeholder = session.scalar(
            select(DealStakeholder).where(DealStakeholder.deal_id == deal.id)
        )
        assert stakeholder is not None
        assert (stakeholder.person_id, stakeholder.buying_role, stakeholder.is_primary) == (
            known.id,
            "economic_buyer",
            True,
        )
        assert known.first_name == "Vera"  # a form never overwrites the CRM's data
        assert known.lifecycle_stage == "opportunity"
        assert (lead.status, lead.converted_account_id, lead.converted_deal_id) == (
            "converted",
            acme.id,
            deal.id,
        )
        converted_entries = {
            (entry.record_type, entry.record_id)
            for entry in session.scalars(
                select(TimelineEntry).where(TimelineEntry.kind == "lead_converted")
            )
        }
        assert converted_entries == {
            ("lead", lead.id),
            ("person", known.id),
            ("account", acme.id),
            ("deal", deal.id),
        }


def test_a_new_account_from_the_domain_and_a_second_conversion_refused(
    database: Database, admin: User
) -> None:
    with database.transaction() as session:
        actor = session.merge(admin)
        lead = create_lead(
            session,
            actor=actor,
            data=LeadCreate(email="tom@newco.io", company="NewCo", country="NL", title="CTO"),
        ).lead
        converted = convert_lead(session, actor=actor, lead=lead, data=LeadConversion())
        account = converted.account
        assert converted.account_created
        assert (account.name, account.domains, account.country) == ("NewCo", ["newco.io"], "NL")
        assert converted.deal is None
        assert converted.person.lifecycle_stage == "sql"
        counts = [_count(session, model) for model in (Account, Membership, Deal, Person)]
        with pytest.raises(Conflict):
            convert_lead(session, actor=actor, lead=lead, data=LeadConversion(deal=DealDraft()))
        assert [_count(session, model) for model in (Account, Membership, Deal, Person)] == counts
    with database.transaction() as session:  # a second lead from the same company: same account
        lead = create_lead(
            session, actor=session.merge(admin), data=LeadCreate(email="ann@newco.io")
        ).lead
        again = convert_lead(session, actor=session.merge(admin), lead=lead, data=LeadConversion())
        assert (again.account.id, again.account_created) == (account.id, False)


def test_conversion_refusals_leave_everything_as_it_was(database: Database, admin: User) -> None:
    with database.transaction() as session:
        actor = session.merge(admin)
        rep = make_user(session, "rep", "rep@example.com")
        free_mail = create_lead(session, actor=actor, data=LeadCreate(email="joe@gmail.com")).lead
        with pytest.raises(ValidationFailed) as raised:
            convert_lead(session, actor=actor, lead=free_mail, data=LeadConversion())
        assert raised.value.details[0].field == "account_id"
        with pytest.raises(ValidationFailed):
            convert_lead(session, actor=actor, lead=free_mail, data=LeadConversion(account_id=999))
        with pytest.raises(PermissionDenied):  # somebody else's lead
            convert_lead(session, actor=rep, lead=free_mail, data=LeadConversion(account_id=None))
        assert session.get_one(Lead, free_mail.id).status == "new"
        assert _count(session, Account) == 0
