"""Lead scores on hand-made facts: fit rules over the lead and its matched account,
engagement over its person's events, with the reasons; bad rules refused whole."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from leads_support import add_event, event_store

from twofold.accounts.actions import create_account
from twofold.accounts.schemas import AccountCreate
from twofold.core.errors import ValidationFailed
from twofold.core.time import utcnow
from twofold.leads.actions import LeadCreate, create_lead
from twofold.leads.scoring import rescore_leads
from twofold.leads.scoring_config import DEFAULT_RULES, scoring_rules, set_scoring_rules
from twofold.leads.scoring_rules import Op, compare, parse_rules
from twofold.store.database import Database
from twofold.store.models import User

RULES = {
    "fit": [
        {"field": "title", "op": "contains", "value": "VP", "points": 10},
        {"field": "country", "op": "in", "value": ["NL", "BE"], "points": 5},
        {"field": "account.employees", "op": "gte", "value": 200, "points": 15},
        {"field": "fields.seats", "op": "gt", "value": 50, "points": 7},
        {"field": "title", "op": "contains", "value": "student", "points": -20},
    ],
    "engagement": [
        {"event": "Email Opened", "within_days": 30, "points": 2, "max_points": 10},
        {"event": "Email Clicked", "within_days": 30, "points": 5},
        {"type": "page", "within_days": 14, "points": 1, "max_points": 3},
    ],
}


def test_fit_and_engagement_add_up_with_reasons(
    database: Database, admin: User, tmp_path: Path
) -> None:
    now = utcnow()
    with event_store(tmp_path) as store, database.transaction() as session:
        actor = session.merge(admin)
        set_scoring_rules(session, actor=actor, document=RULES)
        create_account(
            session,
            actor=actor,
            data=AccountCreate(name="Acme", domains=["acme.com"], employees=250),
        )
        lead = create_lead(
            session,
            actor=actor,
            data=LeadCreate(
                email="Vera@Acme.com",
                first_name="Vera",
                title="VP Sales",
                country="nl",
                fields={"seats": 80},
            ),
        ).lead
        person = lead.person_id
        for days in (1, 2, 3, 4, 5, 6, 40):  # 6 opens inside 30 days: 12 points, capped at 10
            add_event(store, person, now - timedelta(days=days), name="Email Opened")
        add_event(store, person, now - timedelta(days=2), name="Email Clicked")
        for days in (1, 2, 3, 4, 20):  # 4 page views inside 14 days: 4 points, capped at 3
            add_event(store, person, now - timedelta(days=days), name="Pricing", kind="page")
        add_event(store, person + 1, now, name="Email Clicked")  # somebody else's
        rescore_leads(session, store, [lead], now=now)
        # 10 (VP) + 5 (NL) + 15 (250 employees) + 7 (80 seats) + 10 + 5 + 3 = 55
        assert lead.score == 55
        assert [(r["kind"], r["rule"], r["points"]) for r in lead.score_reasons] == [
            ("fit", "title contains VP", 10),
            ("fit", "country in NL, BE", 5),
            ("fit", "account.employees gte 200", 15),
            ("fit", "fields.seats gt 50", 7),
            ("engagement", "Email Opened in the last 30 days", 10),
            ("engagement", "Email Clicked in the last 30 days", 5),
            ("engagement", "page views in the last 14 days", 3),
        ]


def test_a_lead_without_account_or_events_scores_only_what_fits(
    database: Database, admin: User, tmp_path: Path
) -> None:
    with event_store(tmp_path) as store, database.transaction() as session:
        actor = session.merge(admin)
        set_scoring_rules(session, actor=actor, document=RULES)
        lead = create_lead(
            session,
            actor=actor,
            data=LeadCreate(email="sam@gmail.com", title="Student", country="DE"),
        ).lead
        rescore_leads(session, store, [lead])
        assert lead.domain is None  # a free mail provider names no company
        assert lead.score == -20
        assert lead.score_reasons == [
            {"kind": "fit", "rule": "title contains student", "points": -20, "detail": ""}
        ]


def test_defaults_until_rules_are_stored(database: Database) -> None:
    with database.transaction() as session:
        assert scoring_rules(session).as_dict()["fit"][0] == DEFAULT_RULES["fit"][0]


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"fit": [{"field": "salary", "op": "eq", "value": 1, "points": 1}]}, "fit[0].field"),
        ({"fit": [{"field": "title", "op": "like", "value": "x", "points": 1}]}, "fit[0].op"),
        ({"fit": [{"field": "title", "op": "in", "value": "NL", "points": 1}]}, "fit[0].value"),
        ({"fit": [{"field": "title", "op": "eq", "value": "x", "points": 1.5}]}, "fit[0].points"),
        ({"engagement": [{"within_days": 3, "points": 1}]}, "engagement[0].event"),
        (
            {"engagement": [{"event": "x", "within_days": 0, "points": 1}]},
            "engagement[0].within_days",
        ),
        ({"engagement": [{"type": "click", "within_days": 3, "points": 1}]}, "engagement[0].type"),
        ({"weights": []}, "rules"),
    ],
)
def test_bad_rules_are_refused_whole(
    database: Database, admin: User, document: dict[str, object], field: str
) -> None:
    with database.transaction() as session:
        with pytest.raises(ValidationFailed) as raised:
            set_scoring_rules(session, actor=session.merge(admin), document=document)
        assert raised.value.details[0].field == field
        assert scoring_rules(session).as_dict()["fit"][0] == DEFAULT_RULES["fit"][0]


def test_comparisons_ignore_case_and_treat_missing_values_like_segments() -> None:
    assert compare(Op.CONTAINS, "Senior VP, Sales", "vp")
    assert compare(Op.IN, "nl", ["NL", "BE"])
    assert not compare(Op.GTE, None, 200)
    assert compare(Op.NOT_IN, None, ["NL"])
    assert compare(Op.NOT_EXISTS, "", None)
    assert not compare(Op.GT, "many", 3)
    assert parse_rules({}).fit == ()
