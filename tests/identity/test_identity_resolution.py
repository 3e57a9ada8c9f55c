"""Identity resolution over real loads: SQLite/PostgreSQL records, DuckDB events, the journal."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from twofold.core.time import utcnow
from twofold.ingest.messages import Receipt, journal_line
from twofold.ingest.runtime import Ingestion
from twofold.ingest.sources import create_source
from twofold.store.database import Database
from twofold.store.models import Account, IdentityConflict, IdentityMapping, Membership, Person


@pytest.fixture
def ingestion(database: Database, tmp_path: Path) -> Iterator[Ingestion]:
    running = Ingestion(tmp_path / "home", database)
    running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def source_id(database: Database) -> int:
    with database.transaction() as session:
        source, _key = create_source(session, actor=None, name="Web")
        return source.id


def send(ingestion: Ingestion, source_id: int, *messages: dict[str, Any]) -> None:
    """Journal the messages as one request would, then wait until they are loaded."""
    receipt = Receipt(source_id=source_id, received_at=utcnow())
    ingestion.journal.append_blocking(
        b"".join(journal_line(message, receipt) for message in messages)
    )
    ingestion.flush()


def persons_of(ingestion: Ingestion, **where: str) -> list[int | None]:
    column, value = next(iter(where.items()))
    with ingestion.store.reader() as reader:
        rows = reader.execute(
            f"SELECT person_id FROM events WHERE {column} = ? ORDER BY event_id", [value]
        ).fetchall()
    return [row[0] for row in rows]


def count_persons(database: Database) -> int:
    with database.transaction(write=False) as session:
        return int(session.scalar(select(func.count()).select_from(Person)) or 0)


def test_identify_attaches_the_anonymous_history(
    ingestion: Ingestion, source_id: int, database: Database
) -> None:
    send(ingestion, source_id, {"type": "page", "anonymousId": "dev-1", "name": "Home"})
    assert persons_of(ingestion, anonymous_id="dev-1") == [None]
    assert count_persons(database) == 0

    send(
        ingestion,
        source_id,
        {
            "type": "identify",
            "userId": "u-1",
            "anonymousId": "dev-1",
            "traits": {"email": "Ann@Example.com", "firstName": "Ann", "plan": "pro"},
        },
    )
    owners = set(persons_of(ingestion, anonymous_id="dev-1"))
    assert len(owners) == 1
    (person_id,) = owners
    assert person_id is not None
    with database.transaction(write=False) as session:
        person = session.get(Person, person_id)
        assert person is not None
        assert (person.first_name, person.primary_email) == ("Ann", "ann@example.com")
        assert person.traits["plan"] == "pro"
        kinds = session.execute(
            select(IdentityMapping.kind, IdentityMapping.value).where(
                IdentityMapping.person_id == person_id
            )
        ).all()
    assert sorted(kinds) == [
        ("anonymous_id", "dev-1"),
        ("email", "ann@example.com"),
        ("user_id", "u-1"),
    ]


def test_events_of_an_unknown_user_create_one_person(
    ingestion: Ingestion, source_id: int, database: Database
) -> None:
    send(
        ingestion,
        source_id,
        *({"type": "track", "userId": "u-7", "event": "Product Viewed"} for _ in range(3)),
    )
    send(ingestion, source_id, {"type": "track", "userId": "u-7", "event": "Cart Viewed"})
    owners = persons_of(ingestion, user_id="u-7")
    assert len(owners) == 4
    assert len(set(owners)) == 1
    assert owners[0] is not None
    assert count_persons(database) == 1


def test_two_identified_people_on_one_device_are_not_merged(
    ingestion: Ingestion, source_id: int, database: Database
) -> None:
    send(ingestion, source_id, {"type": "identify", "userId": "u-1", "anonymousId": "shared"})
    send(ingestion, source_id, {"type": "identify", "userId": "u-2", "anonymousId": "shared"})
    assert count_persons(database) == 2
    first, second = persons_of(ingestion, type="identify")
    assert first != second
    with database.transaction(write=False) as session:
        conflict = session.scalars(select(IdentityConflict)).one()
    assert (conflict.kind, conflict.value, conflict.status) == ("anonymous_id", "shared", "open")
    assert (conflict.person_id, conflict.other_person_id) == (first, second)
    # The device keeps its first owner: its later anonymous events are not handed over.
    send(ingestion, source_id, {"type": "track", "anonymousId": "shared", "event": "Opened"})
    assert persons_of(ingestion, name="Opened") == [first]


def test_a_second_user_id_sharing_an_email_is_a_new_person_and_a_conflict(
    ingestion: Ingestion, source_id: int, database: Database
) -> None:
    send(ingestion, source_id, {"type": "identify", "userId": "u-1", "traits": {"email": "a@x.io"}})
    send(ingestion, source_id, {"type": "identify", "userId": "u-2", "traits": {"email": "a@x.io"}})
    assert count_persons(database) == 2
    with database.transaction(write=False) as session:
        conflict = session.scalars(select(IdentityConflict)).one()
    assert (conflict.kind, conflict.value) == ("email", "a@x.io")


def test_an_email_finds_the_contact_entered_in_the_crm(
    ingestion: Ingestion, source_id: int, database: Database
) -> None:
    with database.transaction() as session:
        contact = Person(
            first_name="Bea", last_name="Buyer", emails=["bea@corp.io"], primary_email="bea@corp.io"
        )
        session.add(contact)
        session.flush()
        contact_id = contact.id
    send(
        ingestion,
        source_id,
        {"type": "identify", "userId": "b-1", "traits": {"email": "BEA@corp.io"}},
    )
    assert persons_of(ingestion, user_id="b-1") == [contact_id]
    assert count_persons(database) == 1


def test_alias_joins_a_device_to_the_user(
    ingestion: Ingestion, source_id: int, database: Database
) -> None:
    send(ingestion, source_id, {"type": "track", "anonymousId": "dev-9", "event": "Signed Up"})
    send(ingestion, source_id, {"type": "alias", "previousId": "dev-9", "userId": "u-9"})
    (person_id,) = set(persons_of(ingestion, anonymous_id="dev-9"))
    assert person_id is not None
    assert persons_of(ingestion, type="alias") == [person_id]


def test_the_latest_trait_wins_even_when_it_arrives_first(
    ingestion: Ingestion, source_id: int, database: Database
) -> None:
    now = datetime.now(UTC)
    newer = (now - timedelta(hours=1)).isoformat()
    older = (now - timedelta(days=2)).isoformat()
    send(
        ingestion,
        source_id,
        {"type": "identify", "userId": "u-3", "timestamp": newer, "traits": {"plan": "pro"}},
    )
    send(
        ingestion,
        source_id,
        {
            "type": "identify",
            "userId": "u-3",
            "timestamp": older,
            "traits": {"plan": "free", "city": "Utrecht"},
        },
    )
    with database.transaction(write=False) as session:
        person = session.scalars(select(Person)).one()
    assert person.traits == {"plan": "pro", "city": "Utrecht"}


def test_an_interrupted_resolution_is_finished_on_the_next_start(
    database: Database, source_id: int, tmp_path: Path
) -> None:
    home = tmp_path / "restart"
    first = Ingestion(home, database)
    first.start()
    send(first, source_id, {"type": "identify", "userId": "u-5", "traits": {"plan": "gold"}})
    with first.store.writer() as writer:  # as if the process died before step 2
        writer.execute("UPDATE loads SET identities_done = false")
        writer.execute("DELETE FROM identity_map")
        writer.execute("UPDATE events SET person_id = NULL")
    first.stop()
    second = Ingestion(home, database)
    second.start()
    try:
        second.flush()
        deadline = utcnow() + timedelta(seconds=10)
        while persons_of(second, user_id="u-5") == [None] and utcnow() < deadline:
            second.flush()
        assert persons_of(second, user_id="u-5") != [None]
        assert count_persons(database) == 1
    finally:
        second.stop()


def test_group_calls_tie_people_to_accounts(
    ingestion: Ingestion, source_id: int, database: Database
) -> None:
    with database.transaction() as session:
        known = Account(name="Globex", domains=["globex.example"], custom={})
        known.search_text = "globex globex.example"
        session.add(known)
        session.flush()
        known_id = known.id
    send(
        ingestion,
        source_id,
        {"type": "identify", "userId": "g-1", "traits": {"email": "g1@globex.example"}},
        {"type": "identify", "userId": "g-2"},
        {"type": "identify", "userId": "g-3"},
    )
    send(
        ingestion,
        source_id,
        {
            "type": "group",
            "userId": "g-1",
            "groupId": "org-9",
            "traits": {"name": "Globex Corp", "website": "https://www.globex.example/"},
        },
        {"type": "group", "userId": "g-2", "groupId": "org-9", "traits": {}},
        {
            "type": "group",
            "userId": "g-3",
            "groupId": "org-10",
            "traits": {"name": "Initech", "industry": "Software", "employees": 40},
        },
        {"type": "group", "userId": "g-3", "groupId": "org-10", "traits": {}},
    )
    with database.transaction(write=False) as session:
        rows = session.execute(
            select(Membership.person_id, Membership.account_id).order_by(Membership.person_id)
        ).all()
        initech = session.scalars(select(Account).where(Account.name == "Initech")).one()
        assert (initech.industry, initech.employees) == ("Software", 40)
    first, second, third = (account for _, account in rows)
    assert first == second == known_id  # matched by the website's domain, then remembered
    assert third == initech.id
    assert len(rows) == 3  # a repeated group call adds no second membership
