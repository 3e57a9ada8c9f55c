"""Erasing a person: the report, nothing of them left in either database, no re-creation
from events still in the journal, crash recovery; and the export of everything about them."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from sqlalchemy import MetaData, select

from b2c_support import TwoAnns, build_two_anns, event_rows, journal, send
from support import PASSWORD
from twofold.auth.users import create_user
from twofold.core.errors import NotFound, PermissionDenied
from twofold.events.person_events import begin_erasure, identifier_digest, pending_erasures
from twofold.ingest.runtime import Ingestion
from twofold.persons.actions import get_person
from twofold.persons.erasure import erase_person, erase_person_records, settle_pending_erasures
from twofold.persons.export import EXPORT_FORMAT, export_person
from twofold.store.database import Database
from twofold.store.models import Person, TimelineEntry, User

# What identifies Annie (the duplicate) anywhere.
ANNIE = ("Annie", "annie@home.io", "shop-annie", "device-annie", "+31201234567", "Utrecht")


@pytest.fixture
def anns(database: Database, ingestion: Ingestion, source_id: int, admin: User) -> TwoAnns:
    return build_two_anns(database, ingestion, source_id, admin)


def records_text(database: Database) -> str:
    """Every row of every records table, as one text (to look for what must be gone)."""
    metadata = MetaData()
    metadata.reflect(database.engine)
    with database.engine.connect() as connection:
        return "\n".join(
            repr(row)
            for name, table in sorted(metadata.tables.items())
            if not name.endswith(
                (
                    "_search",
                    "_search_data",
                    "_search_idx",
                    "_search_config",
                    "_search_docsize",
                    "_search_content",
                )
            )
            for row in connection.execute(table.select())
        )


def events_text(ingestion: Ingestion) -> str:
    with ingestion.store.reader() as reader:
        tables = ("events", "identity_map", "erasures", "suppressed_identifiers", "loads")
        return "\n".join(
            repr(reader.execute(f"SELECT * FROM {table}").fetchall()) for table in tables
        )


def test_erasure_removes_the_person_everywhere_and_reports_it(
    database: Database, ingestion: Ingestion, admin: User, anns: TwoAnns
) -> None:
    report = erase_person(ingestion.person_stores, actor=admin, person_id=anns.duplicate)

    assert report.person_id == anns.duplicate
    assert report.removed == {
        "timeline_mentions": 8,
        "identity_conflicts": 1,
        "identities": 3,
        "deal_stakeholders": 2,
        "deals": 1,
        "deals_detached": 0,
        "activities": 1,
        "activity_links": 1,
        "memberships": 2,
        "reporting_lines": 1,
        "timeline_entries": 7,
        "leads": 0,  # tests/leads/test_lead_people.py erases some
        "person": 1,
        "events": 4,
        "identity_map": 3,
        "orders": 0,  # the order event has no order_id, so no order was derived from it
        # person_stats 1 + person_event_counts 3 (identify, page, Order Completed)
        "computed_traits": 4,
        "recent_rejections": 0,
    }
    assert report.suppressed_identifiers == 4
    assert not any(text in records_text(database) for text in ANNIE)
    assert not any(text in events_text(ingestion) for text in ANNIE)
    # What stays: Ann's own data, and one audit entry that names no one.
    assert [row[0] for row in event_rows(ingestion, "true")] == ["m-keep-identify"]
    with database.transaction(write=False) as session:
        assert session.get(Person, anns.duplicate) is None
        assert session.get(Person, anns.keep) is not None
        audit = session.scalars(
            select(TimelineEntry).where(
                TimelineEntry.record_type == "person", TimelineEntry.record_id == anns.duplicate
            )
        ).one()
    assert (audit.kind, audit.actor_id) == ("person_erased", admin.id)
    assert audit.summary == f"Personal data of person {anns.duplicate} erased on request"
    assert audit.changes["removed"]["person"] == 1
    with ingestion.store.reader() as reader:
        found = reader.execute("SELECT digest FROM suppressed_identifiers").fetchall()
        erasure = reader.execute("SELECT completed_at, pending_values FROM erasures").fetchall()
    assert {row[0] for row in found} == {
        identifier_digest(value)
        for value in ("shop-annie", "device-annie", "annie@home.io", "+31201234567")
    }
    assert erasure[0][0] is not None
    assert erasure[0][1] is None


def test_events_still_in_the_journal_do_not_bring_the_person_back(
    database: Database, ingestion: Ingestion, source_id: int, admin: User, anns: TwoAnns
) -> None:
    # Sent before the erasure, loaded after it (the journal segment is still open).
    journal(
        ingestion,
        source_id,
        {
            "type": "identify",
            "userId": "shop-annie",
            "traits": {"firstName": "Annie"},
            "messageId": "m-late-1",
        },
        {"type": "page", "anonymousId": "device-annie", "messageId": "m-late-2"},
        {
            "type": "identify",
            "userId": "new-user",
            "traits": {"email": "ANNIE@home.io "},
            "messageId": "m-late-3",
        },
        {
            "type": "identify",
            "userId": "other",
            "traits": {"phone": "+31 20 123 4567"},
            "messageId": "m-late-4",
        },
        {"type": "track", "userId": "crm-ann", "event": "Still here", "messageId": "m-late-5"},
    )
    erase_person(ingestion.person_stores, actor=admin, person_id=anns.duplicate)
    send(ingestion, source_id, {"type": "page", "anonymousId": "device-annie", "messageId": "m-8"})
    assert event_rows(ingestion, "message_id LIKE 'm-late-%' OR message_id = 'm-8'") == [
        ("m-late-5", anns.keep)
    ]
    with database.transaction(write=False) as session:
        assert session.scalars(select(Person.id).order_by(Person.id)).all() == [
            anns.keep,
            anns.colleague,
        ]
    assert not any(text in records_text(database) for text in ANNIE)


def test_a_crash_between_the_two_halves_is_settled_on_the_next_start(
    database: Database, ingestion: Ingestion, admin: User, anns: TwoAnns
) -> None:
    stores = ingestion.person_stores
    begin_erasure(stores.events, person_id=anns.duplicate, identifiers=[("user_id", "shop-annie")])
    with database.transaction() as session:
        erase_person_records(session, actor=admin, person=get_person(session, anns.duplicate))
    # ... and the process died here. Another erasure only began, its records untouched:
    begin_erasure(stores.events, person_id=anns.keep, identifiers=[("user_id", "crm-ann")])
    assert pending_erasures(stores.events) == [anns.keep, anns.duplicate]

    assert settle_pending_erasures(stores) == [anns.keep, anns.duplicate]
    assert pending_erasures(stores.events) == []
    assert [row[0] for row in event_rows(ingestion, "true")] == ["m-keep-identify"]
    with ingestion.store.reader() as reader:
        kinds = reader.execute("SELECT kind, person_id FROM suppressed_identifiers").fetchall()
    assert kinds == [("user_id", anns.duplicate)]  # Ann's half-begun erasure was undone


def test_erasure_is_refused_to_everyone_but_admins_and_for_unknown_persons(
    database: Database, ingestion: Ingestion, admin: User, anns: TwoAnns
) -> None:
    with database.transaction() as session:
        marketer = create_user(
            session, email="mk@example.com", name="Mk", password=PASSWORD, role="marketer"
        )
    before = records_text(database), events_text(ingestion)
    with pytest.raises(PermissionDenied):
        erase_person(ingestion.person_stores, actor=marketer, person_id=anns.duplicate)
    with pytest.raises(NotFound):
        erase_person(ingestion.person_stores, actor=admin, person_id=999_999)
    assert (records_text(database), events_text(ingestion)) == before


def test_the_export_holds_everything_about_the_person(
    database: Database, ingestion: Ingestion, admin: User, anns: TwoAnns
) -> None:
    document = export_person(ingestion.person_stores, actor=admin, person_id=anns.duplicate)
    orjson.dumps(document)  # plain JSON values only

    assert document["format"] == EXPORT_FORMAT
    assert set(document) == {
        "format",
        "exported_at",
        "person_id",
        "person",
        "traits",
        "identities",
        "identity_conflicts",
        "memberships",
        "deals",
        "activities",
        "timeline",
        "events",
        "orders",
    }
    person: dict[str, Any] = document["person"]
    assert (person["id"], person["first_name"], person["emails"], person["phones"]) == (
        anns.duplicate,
        "Annie",
        ["annie@home.io"],
        ["+31201234567"],
    )
    assert document["traits"]["plan"] == "pro"
    assert sorted((i["kind"], i["value"]) for i in document["identities"]) == [
        ("anonymous_id", "device-annie"),
        ("email", "annie@home.io"),
        ("user_id", "shop-annie"),
    ]
    assert [c["id"] for c in document["identity_conflicts"]] == [anns.conflict]
    assert sorted(m["account_name"] for m in document["memberships"]) == ["Both Inc", "Dupe Ltd"]
    deals = {d["name"]: d for d in document["deals"]}
    assert deals["Kitchen for Annie"]["is_customer"] is True
    assert sorted(r["buying_role"] for r in deals["Both Inc platform"]["roles"]) == [
        "decision_maker",
        "influencer",
    ]
    assert sorted(a["subject"] for a in document["activities"]) == [
        "Both Anns at the fair",
        "Call with Annie Archer",
    ]
    assert "Person Annie Archer created" in [t["summary"] for t in document["timeline"]]
    assert sorted(e["message_id"] for e in document["events"]) == [
        "m-conflict",
        "m-dup-identify",
        "m-dup-order",
        "m-dup-page",
    ]
    order = next(e for e in document["events"] if e["message_id"] == "m-dup-order")
    assert (order["name"], order["revenue"], order["properties"]) == (
        "Order Completed",
        "42.0000",
        {"revenue": 42},
    )
    with database.transaction() as session:
        viewer = create_user(
            session, email="v@example.com", name="V", password=PASSWORD, role="viewer"
        )
    with pytest.raises(PermissionDenied):
        export_person(ingestion.person_stores, actor=viewer, person_id=anns.duplicate)
