"""Merging account B into account A: every link moves, field choices apply, the merge is on
the timeline, and bad merges (itself, into its own subtree) are refused with nothing changed."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from twofold.accounts.actions import create_account
from twofold.accounts.memberships import MembershipCreate, add_membership
from twofold.accounts.merge import merge_accounts
from twofold.accounts.schemas import AccountCreate
from twofold.auth.users import create_user
from twofold.contracts.actions import create_contract
from twofold.contracts.schemas import ContractCreate
from twofold.core.errors import NotFound, PermissionDenied, ValidationFailed
from twofold.deals.actions import create_deal
from twofold.deals.schemas import DealCreate
from twofold.persons.actions import create_person
from twofold.persons.merge import merge_person_records
from twofold.persons.schemas import PersonCreate
from twofold.store.database import Database
from twofold.store.models import (
    Account,
    Contract,
    Deal,
    DuplicateCandidate,
    Membership,
    Person,
    TimelineEntry,
    User,
)


def build(database: Database, admin: User) -> dict[str, int]:
    """A (acme.com, industry Software) and B (acme.io, 500 employees, child C, a deal, Ada
    at both, Bob at B only), and an open duplicate pair A-B."""
    with database.transaction() as session:
        actor = session.get_one(User, admin.id)
        a = create_account(
            session,
            actor=actor,
            data=AccountCreate(name="Acme", domains=["acme.com"], industry="Software"),
        )
        b = create_account(
            session,
            actor=actor,
            data=AccountCreate(
                name="ACME Inc", domains=["acme.io", "acme.com"], employees=500, country="NL"
            ),
        )
        c = create_account(session, actor=actor, data=AccountCreate(name="Acme UK", parent_id=b.id))
        ada = create_person(session, actor=actor, data=PersonCreate(first_name="Ada")).id
        bob = create_person(session, actor=actor, data=PersonCreate(first_name="Bob")).id
        add_membership(session, actor=actor, data=MembershipCreate(person_id=ada, account_id=a.id))
        add_membership(
            session,
            actor=actor,
            data=MembershipCreate(person_id=ada, account_id=b.id, title="CTO"),
        )
        add_membership(session, actor=actor, data=MembershipCreate(person_id=bob, account_id=b.id))
        deal = create_deal(session, actor=actor, data=DealCreate(name="Seats", account_id=b.id))
        session.add(
            DuplicateCandidate(
                kind="accounts", record_id=a.id, other_record_id=b.id, score=100, reasons=["x"]
            )
        )
        session.flush()
        return {"a": a.id, "b": b.id, "c": c.id, "ada": ada, "bob": bob, "deal": deal.id}


def merge(database: Database, admin: User, ids: dict[str, int], **kwargs: Any) -> Any:
    with database.transaction() as session:
        actor = session.get_one(User, admin.id)
        return merge_accounts(session, actor=actor, **kwargs)


def test_merge_moves_links_applies_choices_and_records_it(database: Database, admin: User) -> None:
    ids = build(database, admin)
    report = merge(database, admin, ids, into_id=ids["a"], from_id=ids["b"], keep={"name": "from"})
    assert report.moved == {
        "memberships": 2,
        "deals": 1,
        "partner_seats": 0,
        "activities": 0,
        "subsidiaries": 1,
        "contracts": 0,
        "source_groups": 0,
        "timeline_entries": 4,  # B created, Ada and Bob added, the deal created
    }
    assert report.taken == {
        "name": "ACME Inc",
        "employees": 500,
        "country": "NL",
        "domains": ["acme.io"],
    }
    with database.transaction(write=False) as session:
        a = session.get_one(Account, ids["a"])
        assert (a.name, a.industry, a.employees, a.domains) == (
            "ACME Inc",
            "Software",
            500,
            ["acme.com", "acme.io"],
        )
        assert session.get(Account, ids["b"]) is None
        assert session.get_one(Account, ids["c"]).parent_id == ids["a"]
        assert session.get_one(Deal, ids["deal"]).account_id == ids["a"]
        members = session.execute(
            select(Membership.person_id, Membership.title)
            .where(Membership.account_id == ids["a"])
            .order_by(Membership.person_id)
        ).all()
        assert [tuple(m) for m in members] == [(ids["ada"], "CTO"), (ids["bob"], None)]
        entry = session.scalars(
            select(TimelineEntry).where(TimelineEntry.kind == "accounts_merged")
        ).all()
        assert {(e.record_type, e.record_id) for e in entry} == {
            ("account", ids["a"]),
            ("deal", ids["deal"]),
        }
        assert entry[0].summary == f"Merged ACME Inc (account {ids['b']}) into ACME Inc"
        left = session.scalar(
            select(func.count())
            .select_from(TimelineEntry)
            .where(TimelineEntry.record_type == "account", TimelineEntry.record_id == ids["b"])
        )
        assert left == 0
        assert session.scalars(select(DuplicateCandidate.status)).all() == ["merged"]


def _snapshot(database: Database) -> list[tuple[Any, ...]]:
    with database.transaction(write=False) as session:
        rows = session.execute(select(Account.id, Account.parent_id, Account.version)).all()
        return sorted(tuple(row) for row in rows)


@pytest.mark.parametrize(
    ("into", "source", "error", "message"),
    [
        ("a", "a", ValidationFailed, "an account cannot be merged with itself"),
        ("c", "b", ValidationFailed, "is inside the hierarchy of account"),
    ],
)
def test_bad_merges_are_refused_and_change_nothing(
    database: Database, admin: User, into: str, source: str, error: type[Exception], message: str
) -> None:
    ids = build(database, admin)
    before = _snapshot(database)
    with pytest.raises(error) as refused:
        merge(database, admin, ids, into_id=ids[into], from_id=ids[source])
    assert message in str(refused.value.details[0].message)  # type: ignore[attr-defined]
    assert _snapshot(database) == before


def test_unknown_accounts_fields_and_viewers_are_refused(database: Database, admin: User) -> None:
    ids = build(database, admin)
    with pytest.raises(NotFound):
        merge(database, admin, ids, into_id=ids["a"], from_id=999_999)
    with pytest.raises(ValidationFailed):
        merge(database, admin, ids, into_id=ids["a"], from_id=ids["b"], keep={"domains": "from"})
    with pytest.raises(ValidationFailed):
        merge(database, admin, ids, into_id=ids["a"], from_id=ids["b"], keep={"name": "both"})
    with database.transaction() as session:
        viewer = create_user(
            session, email="v@example.com", name="V", password="a-long-password", role="viewer"
        )
    with pytest.raises(PermissionDenied):
        merge(database, viewer, ids, into_id=ids["a"], from_id=ids["b"])


def test_contracts_follow_merged_accounts_and_persons(database: Database, admin: User) -> None:
    with database.transaction() as session:
        actor = session.get_one(User, admin.id)
        keep = create_account(session, actor=actor, data=AccountCreate(name="Keep"))
        gone = create_account(session, actor=actor, data=AccountCreate(name="Gone"))
        ann = create_person(session, actor=actor, data=PersonCreate(first_name="Ann"))
        annie = create_person(session, actor=actor, data=PersonCreate(first_name="Annie"))
        terms = {
            "start_date": date(2026, 1, 1),
            "end_date": date(2026, 12, 31),
            "mrr": "100.00",
            "currency": "EUR",
        }
        on_account = create_contract(
            session, actor=actor, data=ContractCreate(name="B2B", account_id=gone.id, **terms)
        )
        on_person = create_contract(
            session, actor=actor, data=ContractCreate(name="B2C", person_id=annie.id, **terms)
        )
        ids = (keep.id, gone.id, ann.id, annie.id, on_account.id, on_person.id)
    with database.transaction() as session:
        report = merge_accounts(
            session, actor=session.get_one(User, admin.id), into_id=ids[0], from_id=ids[1]
        )
        assert report.moved["contracts"] == 1
        merged = merge_person_records(
            session,
            actor=session.get_one(User, admin.id),
            into=session.get_one(Person, ids[2]),
            duplicate=session.get_one(Person, ids[3]),
        )
        assert merged.moved["contracts"] == 1
    with database.transaction(write=False) as session:
        assert session.get_one(Contract, ids[4]).account_id == ids[0]
        assert session.get_one(Contract, ids[5]).person_id == ids[2]
