"""The fact mirror follows the records database: creations, updates, memberships, deals,
deletions and merges, and reports exactly the persons and accounts that changed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from twofold.accounts.actions import create_account, delete_account
from twofold.accounts.memberships import MembershipCreate, add_membership, remove_membership
from twofold.accounts.schemas import AccountCreate
from twofold.deals.actions import create_deal, move_deal_to_stage
from twofold.deals.schemas import DealCreate
from twofold.events.store import EventStore
from twofold.persons.actions import create_person, delete_person, update_person
from twofold.persons.merge import merge_persons
from twofold.persons.schemas import PersonCreate, PersonUpdate
from twofold.persons.stores import PersonStores
from twofold.pipelines.defaults import ensure_default_pipeline
from twofold.segments.facts import sync_facts
from twofold.store.database import Database
from twofold.store.models import Membership, Person, Stage, User


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EventStore]:
    opened = EventStore(tmp_path / "events.duckdb")
    yield opened
    opened.close()


def rows(store: EventStore, sql: str) -> list[tuple[Any, ...]]:
    with store.reader() as reader:
        return reader.execute(sql).fetchall()


def test_the_first_pass_copies_everything(
    database: Database, admin: User, store: EventStore
) -> None:
    with database.transaction() as session:
        ensure_default_pipeline(session)
        ann = create_person(
            session,
            actor=admin,
            data=PersonCreate(
                first_name="Ann", emails=["ann@example.com"], phones=["+31 6 12345678"], custom={}
            ),
        )
        ann.traits = {"country": "NL"}
        acme = create_account(
            session,
            actor=admin,
            data=AccountCreate(
                name="Acme", domains=["acme.io", "acme.com"], industry="Software", employees=50
            ),
        )
        add_membership(
            session, actor=admin, data=MembershipCreate(person_id=ann.id, account_id=acme.id)
        )
        deal = create_deal(
            session,
            actor=admin,
            data=DealCreate(name="Platform", account_id=acme.id, amount="1200.50", currency="EUR"),
        )
        ids = (ann.id, acme.id, deal.id)
    changes = sync_facts(store, database)
    assert changes.full
    assert rows(
        store,
        "SELECT person_id, first_name, email, phone, lifecycle_stage, "
        "traits->>'country' FROM person_facts",
    ) == [(ids[0], "Ann", "ann@example.com", "+31612345678", "lead", "NL")]
    assert rows(
        store, "SELECT account_id, name, domain, industry, employees FROM account_facts"
    ) == [(ids[1], "Acme", "acme.io", "Software", 50)]
    assert rows(
        store, "SELECT deal_id, account_id, stage_kind, amount, currency FROM deal_facts"
    ) == [(ids[2], ids[1], "open", 1200.5, "EUR")]
    assert rows(store, "SELECT person_id, account_id, has_left FROM person_accounts") == [
        (ids[0], ids[1], False)
    ]
    # Nothing changed since: the next pass reports nothing, however often it runs.
    assert not sync_facts(store, database)
    assert not sync_facts(store, database)


def test_changes_deletions_and_merges_are_followed(
    database: Database, admin: User, store: EventStore
) -> None:
    with database.transaction() as session:
        ensure_default_pipeline(session)
        ann = create_person(session, actor=admin, data=PersonCreate(first_name="Ann"))
        bob = create_person(session, actor=admin, data=PersonCreate(first_name="Bob"))
        cem = create_person(session, actor=admin, data=PersonCreate(first_name="Cem"))
        acme = create_account(session, actor=admin, data=AccountCreate(name="Acme"))
        shop = create_account(session, actor=admin, data=AccountCreate(name="Shop"))
        add_membership(
            session, actor=admin, data=MembershipCreate(person_id=bob.id, account_id=acme.id)
        )
        deal = create_deal(
            session,
            actor=admin,
            data=DealCreate(name="D", account_id=acme.id, amount="10", currency="EUR"),
        )
        ann_id, bob_id, cem_id, acme_id, shop_id, deal_id = (
            ann.id,
            bob.id,
            cem.id,
            acme.id,
            shop.id,
            deal.id,
        )
    sync_facts(store, database)

    with database.transaction() as session:
        person = session.get(Person, ann_id)
        assert person is not None
        update_person(session, actor=admin, person=person, data=PersonUpdate(title="CTO"))
    changes = sync_facts(store, database)
    assert (changes.persons, changes.accounts) == ({ann_id}, set())
    assert rows(store, f"SELECT title FROM person_facts WHERE person_id = {ann_id}") == [("CTO",)]

    # A membership added to Cem is a change of Cem (and shows in person_accounts).
    with database.transaction() as session:
        add_membership(
            session, actor=admin, data=MembershipCreate(person_id=cem_id, account_id=shop_id)
        )
    changes = sync_facts(store, database)
    assert changes.persons == {cem_id}
    assert (cem_id, shop_id) in rows(store, "SELECT person_id, account_id FROM person_accounts")

    # Removing it again, and winning the deal: the deal's account and its people change.
    with database.transaction() as session:
        membership = session.scalars(select(Membership).where(Membership.person_id == cem_id)).one()
        remove_membership(session, actor=admin, membership=membership)
        won = session.scalars(select(Stage).where(Stage.kind == "won")).first()
        assert won is not None
        deal_record = session.get(type(deal), deal_id)
        assert deal_record is not None
        move_deal_to_stage(session, actor=admin, deal=deal_record, stage_id=won.id)
    changes = sync_facts(store, database)
    assert cem_id in changes.persons
    assert acme_id in changes.accounts
    assert rows(store, f"SELECT count(*) FROM person_accounts WHERE person_id = {cem_id}") == [(0,)]
    assert rows(store, f"SELECT stage_kind FROM deal_facts WHERE deal_id = {deal_id}") == [("won",)]

    # Deleting a person and an account removes their facts.
    with database.transaction() as session:
        person = session.get(Person, cem_id)
        assert person is not None
        delete_person(session, actor=admin, person=person)
        account = create_account(session, actor=admin, data=AccountCreate(name="Gone"))
        gone_id = account.id
    changes = sync_facts(store, database)
    # A person who left and an account that appeared change every segment's universe.
    assert cem_id in changes.arrived_persons
    assert changes.arrived_accounts == {gone_id}
    with database.transaction() as session:
        account = session.get(type(account), gone_id)
        assert account is not None
        delete_account(session, actor=admin, account=account)
    changes = sync_facts(store, database)
    assert gone_id in changes.accounts
    assert rows(store, f"SELECT count(*) FROM person_facts WHERE person_id = {cem_id}") == [(0,)]
    assert rows(store, f"SELECT count(*) FROM account_facts WHERE account_id = {gone_id}") == [(0,)]

    # A merge: Bob folds into Ann; Bob's facts go, Ann takes over his membership.
    merge_persons(PersonStores(database, store), actor=admin, into_id=ann_id, from_id=bob_id)
    changes = sync_facts(store, database)
    assert {ann_id, bob_id} <= changes.persons
    assert rows(store, f"SELECT count(*) FROM person_facts WHERE person_id = {bob_id}") == [(0,)]
    assert rows(store, "SELECT person_id, account_id FROM person_accounts") == [(ann_id, acme_id)]
