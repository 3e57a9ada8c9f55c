"""A lead's person merged into another takes its leads and submissions along; an erased
person's leads, their timelines and the form submissions go with them."""

from __future__ import annotations

from pathlib import Path

from leads_support import contact_form, event_store
from sqlalchemy import func, select

from twofold.forms.submissions import Visitor, submit_form
from twofold.leads.person_links import erase_leads
from twofold.persons.actions import create_person
from twofold.persons.merge import merge_person_records
from twofold.persons.schemas import PersonCreate
from twofold.store.database import Database
from twofold.store.models import FormSubmission, Lead, Person, TimelineEntry, User


def test_merge_moves_leads_and_erasure_removes_them(
    database: Database, admin: User, tmp_path: Path
) -> None:
    with event_store(tmp_path) as store, database.transaction() as session:
        actor = session.merge(admin)
        form = contact_form(session, actor)
        submission = submit_form(
            session,
            store,
            form=form,
            submitted={"email": "jo@acme.com", "name": "Jo Jansen"},
            visitor=Visitor(address="203.0.113.9"),
            secret_key="test-secret",
        ).submission
        assert submission is not None
        duplicate = session.get_one(Person, submission.person_id)
        keep = create_person(
            session, actor=actor, data=PersonCreate(first_name="Jo", emails=["jo@home.nl"])
        )
        report = merge_person_records(session, actor=actor, into=keep, duplicate=duplicate)
        assert report.moved["leads"] == 1
        session.flush()
        session.expire_all()  # the moves are bulk updates
        lead = session.scalars(select(Lead)).one()
        assert lead.person_id == keep.id
        assert session.get_one(FormSubmission, submission.id).person_id == keep.id
        assert submission.address_hash != "203.0.113.9"  # no address is kept

        assert erase_leads(session, keep.id) == 1
        assert session.scalar(select(func.count()).select_from(Lead)) == 0
        assert session.scalar(select(func.count()).select_from(FormSubmission)) == 0
        lead_entries = select(func.count()).where(TimelineEntry.record_type == "lead")
        assert session.scalar(lead_entries) == 0
