"""The demo's leads: a "Contact sales" web form, assignment rules per sales region, scoring
rules, and a few dozen submissions — from people at demo accounts (their domain matches)
and at companies the CRM does not know yet — new, worked on, qualified, disqualified.

Written through the domain functions (a few dozen rows), after the bulk load.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from twofold.core.enums import LeadStatus
from twofold.demo.countries import COUNTRIES
from twofold.demo.world import World
from twofold.forms.actions import create_form
from twofold.forms.schemas import FormCreate
from twofold.forms.submissions import Visitor, submit_form
from twofold.leads.actions import LeadUpdate, update_lead
from twofold.leads.assignment import RuleCreate, create_rule, set_fallback_owner
from twofold.leads.scoring_config import set_scoring_rules
from twofold.store.database import Database
from twofold.store.models import Account, Lead, TimelineEntry, User

LEADS = 40
FIRST = ("Ava", "Ben", "Chloé", "Daan", "Elif", "Finn", "Grace", "Hugo", "Ines", "Jonas")
LAST = ("Bakker", "Smith", "Müller", "Rossi", "Tanaka", "Silva", "Dubois", "Novak", "Kim")
TITLES = (
    "VP Operations",
    "Head of IT",
    "Procurement Manager",
    "CTO",
    "Analyst",
    "VP Sales",
    "Student",
    "Office Manager",
    "Director of Finance",
)
NEW_COMPANIES = ("Brightwave", "Nordlicht", "Kumo Labs", "Solace Foods", "Ferrovia", "Pinecrest")
DEMO_SCORING = {
    "fit": [
        {"field": "title", "op": "contains", "value": "VP", "points": 20},
        {"field": "title", "op": "contains", "value": "Head", "points": 10},
        {"field": "title", "op": "contains", "value": "Student", "points": -20},
        {"field": "account.employees", "op": "gte", "value": 200, "points": 15},
        {"field": "fields.seats", "op": "gte", "value": 100, "points": 10},
    ],
    "engagement": [
        {"event": "Email Opened", "within_days": 30, "points": 2, "max_points": 10},
        {"event": "Email Clicked", "within_days": 30, "points": 5, "max_points": 15},
        {"type": "page", "within_days": 14, "points": 1, "max_points": 10},
    ],
}


STATUS_BY_REMAINDER = {
    1: (LeadStatus.WORKING, None),
    2: (LeadStatus.QUALIFIED, None),
    3: (LeadStatus.DISQUALIFIED, "Student project"),
}


@dataclass(frozen=True)
class LeadPlan:
    """What the demo's lead phase wrote."""

    forms: int
    leads: int
    rules: int
    timeline_entries: int


def add_leads(database: Database, world: World) -> LeadPlan:
    """The demo form, rules and leads (fit scores only: the event store is not open yet)."""
    rng = world.rng("leads")
    with database.transaction() as session:
        entries_before = session.scalar(select(func.count()).select_from(TimelineEntry)) or 0
        manager = session.get_one(User, world.team.managers[0])
        set_scoring_rules(session, actor=manager, document=DEMO_SCORING)
        rules = 0
        for position, (region, reps) in enumerate(sorted(world.team.reps_by_region.items())):
            countries = [c.code for c in COUNTRIES if c.region == region]
            if reps and countries:
                data = RuleCreate(
                    name=f"{region} territory",
                    countries=countries,
                    user_ids=reps,
                    position=position,
                )
                create_rule(session, actor=manager, data=data)
                rules += 1
        set_fallback_owner(session, actor=manager, user_id=world.team.reps[0])
        form = create_form(
            session,
            actor=manager,
            data=FormCreate(
                name="Contact sales",
                description="The form on the pricing page",
                consent_text="Send me product news (unsubscribe at any time)",
                fields=[
                    {"name": "email", "label": "Work email", "type": "email"},
                    {"name": "name", "label": "Name", "type": "text", "required": True},
                    {"name": "company", "label": "Company", "type": "text"},
                    {"name": "title", "label": "Job title", "type": "text"},
                    {"name": "country", "label": "Country", "type": "country"},
                    {"name": "seats", "label": "Seats", "type": "number"},
                    {"name": "message", "label": "How can we help?", "type": "textarea"},
                ],
            ),
        )
        known = [
            (name, domains[0], country)
            for name, domains, country in session.execute(
                select(Account.name, Account.domains, Account.country)
                .order_by(Account.id)
                .limit(200)
            )
            if domains
        ]
        leads = []
        for index in range(LEADS):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            if known and rng.random() < 0.5:
                company, domain, country = rng.choice(known)
            else:
                company = rng.choice(NEW_COMPANIES)
                domain = company.lower().replace(" ", "") + ".example"
                country = rng.choice(COUNTRIES).code
            local = f"{first[0]}.{last}{index}".lower().replace("ü", "u")
            values = {
                "email": f"{local}@{domain}",
                "name": f"{first} {last}",
                "company": company,
                "title": rng.choice(TITLES),
                "country": country or "US",
                "seats": str(rng.choice((5, 20, 50, 120, 400))),
                "consent": "on" if rng.random() < 0.6 else "",
            }
            submitted = submit_form(
                session,
                None,
                form=form,
                submitted=values,
                visitor=Visitor(address=f"198.51.100.{index}"),
                secret_key="demo",  # noqa: S106 - hashes invented documentation addresses
                now=world.clock.now - timedelta(hours=index * 7),
            ).submission
            if submitted is not None and submitted.lead_id is not None:
                leads.append(submitted.lead_id)
        _vary_statuses(session, manager, leads)
        session.flush()
        entries = (
            session.scalar(select(func.count()).select_from(TimelineEntry)) or 0
        ) - entries_before
    return LeadPlan(forms=1, leads=len(leads), rules=rules, timeline_entries=entries)


def _vary_statuses(session: Session, manager: User, lead_ids: list[int]) -> None:
    """Some leads worked on, qualified and disqualified, like a real inbox. None is
    converted: that is the button to try (and the demo's org charts stay as generated)."""
    for position, lead_id in enumerate(lead_ids):
        if position % 5 in STATUS_BY_REMAINDER:
            status, reason = STATUS_BY_REMAINDER[position % 5]
            data = LeadUpdate(status=status, disqualified_reason=reason)
            update_lead(session, actor=manager, lead=session.get_one(Lead, lead_id), data=data)
