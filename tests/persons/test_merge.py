"""Merging person B into person A across both databases: every link moves, history stays."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from b2c_support import TwoAnns, build_two_anns, event_rows, send
from support import PASSWORD
from twofold.auth.users import create_user
from twofold.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from twofold.identity.conflicts import dismiss_conflict
from twofold.ingest.runtime import Ingestion
from twofold.persons.merge import merge_persons
from twofold.store.database import Database
from twofold.store.models import (
    Deal,
    DealStakeholder,
    IdentityConflict,
    IdentityMapping,
    Membership,
    Person,
    TimelineEntry,
    User,
    activity_persons,
)


@pytest.fixture
def anns(database: Database, ingestion: Ingestion, source_id: int, admin: User) -> TwoAnns:
    return build_two_anns(database, ingestion, source_id, admin)


def rows(database: Database, query: Any) -> list[tuple[Any, ...]]:
    with database.transaction(write=False) as session:
        return [tuple(row) for row in session.execute(query).all()]


MAPPINGS = select(
    IdentityMapping.id,
    IdentityMapping.kind,
    IdentityMapping.value,
    IdentityMapping.version,
    IdentityMapping.person_id,
    IdentityMapping.reason,
).order_by(IdentityMapping.id)


def test_merge_moves_every_link_and_keeps_the_mapping_history(
    database: Database, ingestion: Ingestion, admin: User, anns: TwoAnns
) -> None:
    keep, duplicate = anns.keep, anns.duplicate
    history = rows(database, MAPPINGS)
    report = merge_persons(ingestion.person_stores, actor=admin, into_id=keep, from_id=duplicate)

    assert report.moved == {
        "identities": 3,
        "conflicts_closed": 1,
        "conflicts_moved": 0,
        "memberships": 2,
        "deals": 1,
        "deal_stakeholders": 2,
        "contracts": 0,
        "leads": 0,  # tests/leads/test_lead_people.py moves some
        "activities": 2,
        "lists": 0,
        "sequence_enrollments": 0,
        "sequence_enrollments_stopped": 0,
        "flow_runs": 0,
        "flow_runs_ended": 0,
        "timeline_entries": 7,
        "events": 4,
    }
    assert report.folded == {
        "emails": ["annie@home.io"],
        "phones": ["+31201234567"],
        "traits": {"plan": "pro", "city": "Utrecht"},
        "title": "Buyer",
    }
    # Append-only: every earlier row is unchanged; B's identifiers got a version 2 for A.
    after = rows(database, MAPPINGS)
    assert after[: len(history)] == history
    assert sorted(row[1:] for row in after[len(history) :]) == [
        ("anonymous_id", "device-annie", 2, keep, "merge"),
        ("email", "annie@home.io", 2, keep, "merge"),
        ("user_id", "shop-annie", 2, keep, "merge"),
    ]
    with database.transaction(write=False) as session:
        assert session.get(Person, duplicate) is None
        person = session.get(Person, keep)
        assert person is not None
        assert (person.emails, person.phones, person.title, person.primary_email) == (
            ["ann@corp.io", "annie@home.io"],
            ["+31201234567"],
            "Buyer",
            "ann@corp.io",
        )
        assert person.traits == {"email": "ann@corp.io", "plan": "pro", "city": "Utrecht"}
        conflict = session.get(IdentityConflict, anns.conflict)
        assert conflict is not None
        assert (conflict.status, conflict.resolved_by_id) == ("merged", admin.id)
        assert conflict.resolved_at is not None
        memberships = session.execute(
            select(
                Membership.person_id,
                Membership.account_id,
                Membership.title,
                Membership.buying_roles,
                Membership.reports_to_id,
            ).order_by(Membership.account_id, Membership.person_id)
        ).all()
        assert [tuple(row) for row in memberships] == [
            (keep, anns.only_duplicate_account, "Buyer", ["champion"], None),
            (anns.colleague, anns.only_duplicate_account, "Assistant", [], keep),
            (keep, anns.only_keep_account, "CTO", ["decision_maker"], None),
            (keep, anns.shared_account, "Advisor", ["decision_maker", "influencer"], None),
        ]
        b2c = session.get(Deal, anns.b2c_deal)
        assert b2c is not None
        assert (b2c.person_id, b2c.version) == (keep, 2)
        seats = session.execute(
            select(DealStakeholder.person_id, DealStakeholder.buying_role)
            .where(DealStakeholder.deal_id == anns.committee_deal)
            .order_by(DealStakeholder.buying_role)
        ).all()
        assert [tuple(seat) for seat in seats] == [
            (keep, "decision_maker"),
            (keep, "influencer"),
        ]
        links = session.execute(
            select(activity_persons.c.activity_id, activity_persons.c.person_id).order_by(
                activity_persons.c.activity_id, activity_persons.c.person_id
            )
        ).all()
        assert [tuple(link) for link in links] == [
            (anns.own_activity, keep),
            (anns.shared_activity, keep),
            (anns.shared_activity, anns.colleague),
        ]
        timeline = session.scalars(
            select(TimelineEntry)
            .where(TimelineEntry.record_type == "person", TimelineEntry.record_id == keep)
            .order_by(TimelineEntry.id)
        ).all()
        assert [entry.summary for entry in timeline].count("Meeting: Both Anns at the fair") == 1
        assert "Person Annie Archer created" in [entry.summary for entry in timeline]
        merged = timeline[-1]
        assert (merged.kind, merged.actor_id) == ("persons_merged", admin.id)
        assert merged.summary == f"Merged Annie Archer (person {duplicate}) into Ann Archer"
        assert merged.changes["merged_person_id"] == duplicate
        assert merged.changes["emails"] == ["annie@home.io"]
        deal_entry = session.scalars(
            select(TimelineEntry.kind)
            .where(TimelineEntry.record_type == "deal", TimelineEntry.record_id == anns.b2c_deal)
            .order_by(TimelineEntry.id.desc())
        ).first()
        assert deal_entry == "persons_merged"
    # DuckDB: every event of B is A's, and the mirror names A.
    assert {person for _message, person in event_rows(ingestion, "true")} == {keep}
    with ingestion.store.reader() as reader:
        mirror = reader.execute(
            "SELECT kind, value, person_id FROM identity_map ORDER BY kind, value"
        ).fetchall()
    assert mirror == [
        ("anonymous_id", "device-annie", keep),
        ("email", "ann@corp.io", keep),
        ("email", "annie@home.io", keep),
        ("user_id", "crm-ann", keep),
        ("user_id", "shop-annie", keep),
    ]


def test_later_events_of_the_merged_identifiers_go_to_the_survivor(
    database: Database, ingestion: Ingestion, source_id: int, admin: User, anns: TwoAnns
) -> None:
    merge_persons(ingestion.person_stores, actor=admin, into_id=anns.keep, from_id=anns.duplicate)
    send(
        ingestion,
        source_id,
        {"type": "track", "userId": "shop-annie", "event": "Viewed", "messageId": "m-after-1"},
        {"type": "page", "anonymousId": "device-annie", "name": "Cart", "messageId": "m-after-2"},
    )
    assert event_rows(ingestion, "message_id LIKE 'm-after-%'") == [
        ("m-after-1", anns.keep),
        ("m-after-2", anns.keep),
    ]
    with database.transaction(write=False) as session:
        assert session.scalars(select(Person.id).order_by(Person.id)).all() == [
            anns.keep,
            anns.colleague,
        ]


def test_merging_the_other_way_round_keeps_the_duplicate(
    database: Database, ingestion: Ingestion, admin: User, anns: TwoAnns
) -> None:
    merge_persons(ingestion.person_stores, actor=admin, into_id=anns.duplicate, from_id=anns.keep)
    with database.transaction(write=False) as session:
        survivor = session.get(Person, anns.duplicate)
        assert survivor is not None
        assert session.get(Person, anns.keep) is None
        assert survivor.emails == ["annie@home.io", "ann@corp.io"]
        assert survivor.first_name == "Annie"
    assert {person for _message, person in event_rows(ingestion, "true")} == {anns.duplicate}


def test_refused_merges_change_nothing(
    database: Database, ingestion: Ingestion, admin: User, anns: TwoAnns
) -> None:
    stores = ingestion.person_stores
    with database.transaction() as session:
        rep = create_user(
            session, email="rep@example.com", name="Rep", password=PASSWORD, role="rep"
        )
        manager = create_user(
            session, email="boss@example.com", name="Boss", password=PASSWORD, role="manager"
        )
        marketer = create_user(
            session, email="mk@example.com", name="Mk", password=PASSWORD, role="marketer"
        )
    before = rows(database, MAPPINGS)
    with pytest.raises(ValidationFailed, match="merged with itself"):
        merge_persons(stores, actor=admin, into_id=anns.keep, from_id=anns.keep)
    with pytest.raises(NotFound):
        merge_persons(stores, actor=admin, into_id=anns.keep, from_id=999_999)
    with pytest.raises(NotFound):
        merge_persons(stores, actor=admin, into_id=999_999, from_id=anns.keep)
    for user in (rep, manager):
        with pytest.raises(PermissionDenied):
            merge_persons(stores, actor=user, into_id=anns.keep, from_id=anns.duplicate)
    with pytest.raises(ValidationFailed, match="not between these two"):
        merge_persons(
            stores,
            actor=admin,
            into_id=anns.keep,
            from_id=anns.colleague,
            conflict_id=anns.conflict,
        )
    assert rows(database, MAPPINGS) == before
    with database.transaction(write=False) as session:
        assert session.get(Person, anns.colleague) is not None
    # A marketer may; a dismissed conflict cannot be merged through any more.
    with database.transaction() as session:
        dismiss_conflict(session, actor=marketer, conflict_id=anns.conflict)
    with pytest.raises(Conflict, match="already dismissed"):
        merge_persons(
            stores,
            actor=marketer,
            into_id=anns.keep,
            from_id=anns.duplicate,
            conflict_id=anns.conflict,
        )
    merge_persons(stores, actor=marketer, into_id=anns.keep, from_id=anns.duplicate)
    with database.transaction(write=False) as session:
        assert session.get(Person, anns.duplicate) is None
