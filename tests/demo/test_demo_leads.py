"""The demo company's leads: a web form, territory rules, scored leads in every status,
some at accounts the CRM knows (matched by domain)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import select

from twofold.demo.generator import build_demo_company
from twofold.demo.sizes import DemoSize
from twofold.leads.matching import account_for_domain
from twofold.store.database import Database
from twofold.store.models import FormSubmission, Lead, LeadAssignmentRule, WebForm

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def test_demo_leads_are_scored_assigned_and_varied(database: Database) -> None:
    summary = build_demo_company(database, size=DemoSize.parse("small"), seed=7, now=NOW)
    with database.transaction(write=False) as session:
        leads = list(session.scalars(select(Lead)))
        assert summary.leads == len(leads) > 20
        assert session.scalars(select(WebForm)).one().name == "Contact sales"
        assert len(list(session.scalars(select(FormSubmission)))) == 40
        assert len(list(session.scalars(select(LeadAssignmentRule)))) >= 2
        statuses = Counter(lead.status for lead in leads)
        assert set(statuses) == {"new", "working", "qualified", "disqualified"}
        assert all(lead.owner_id is not None for lead in leads)
        assert len({lead.score for lead in leads}) > 3  # scores differ, with reasons
        assert any(reason["kind"] == "fit" for lead in leads for reason in lead.score_reasons)
        matched = [lead for lead in leads if account_for_domain(session, lead.domain or "-")]
        assert 0 < len(matched) < len(leads)  # some at demo accounts: converting joins them
