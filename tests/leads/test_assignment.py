"""Assignment rules: territories in order, round robin with a durable position (fair when
many transactions assign at once), inactive users skipped, the fallback owner."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from leads_support import make_user

from twofold.core.errors import PermissionDenied, ValidationFailed
from twofold.leads.actions import LeadCreate, create_lead
from twofold.leads.assignment import (
    RuleCreate,
    RuleUpdate,
    create_rule,
    set_fallback_owner,
    update_rule,
)
from twofold.store.database import Database
from twofold.store.models import LeadAssignmentRule, User


def _lead(database: Database, admin: User, email: str, country: str | None) -> int | None:
    with database.transaction() as session:
        data = LeadCreate(email=email, country=country)
        return create_lead(session, actor=session.merge(admin), data=data).lead.owner_id


def test_territories_then_round_robin_then_fallback(database: Database, admin: User) -> None:
    with database.transaction() as session:
        actor = session.merge(admin)
        ann, bob, cat, dan, eve = (
            make_user(session, "rep", f"{name}@example.com").id
            for name in ("ann", "bob", "cat", "dan", "eve")
        )
        create_rule(
            session,
            actor=actor,
            data=RuleCreate(name="Benelux", countries=["NL", "be"], user_ids=[ann], position=1),
        )
        create_rule(
            session,
            actor=actor,
            data=RuleCreate(
                name="DACH", countries=["DE", "AT", "CH"], user_ids=[bob, cat], position=2
            ),
        )
        set_fallback_owner(session, actor=actor, user_id=eve)
    owners = [
        _lead(database, admin, f"l{index}@x{index}.com", country)
        for index, country in enumerate(["BE", "DE", "AT", "NL", "CH", "US", None])
    ]
    assert owners == [ann, bob, cat, ann, bob, eve, eve]
    with database.transaction() as session:
        # A catch-all rule after the territories takes what they leave, in turn.
        create_rule(
            session,
            actor=session.merge(admin),
            data=RuleCreate(name="Everyone else", user_ids=[dan, eve], position=9),
        )
    assert [_lead(database, admin, f"m{i}@y{i}.com", "US") for i in range(3)] == [dan, eve, dan]


def test_inactive_users_are_skipped_and_the_position_survives(
    database: Database, admin: User
) -> None:
    with database.transaction() as session:
        ann, bob, cat = (
            make_user(session, "rep", f"{name}@example.com") for name in ("ann", "bob", "cat")
        )
        rule = create_rule(
            session,
            actor=session.merge(admin),
            data=RuleCreate(name="All", user_ids=[ann.id, bob.id, cat.id]),
        )
        bob.is_active = False
        ids = (ann.id, bob.id, cat.id, rule.id)
    ann_id, _bob_id, cat_id, rule_id = ids
    assert [_lead(database, admin, f"a{i}@z{i}.com", None) for i in range(3)] == [
        ann_id,
        cat_id,
        ann_id,
    ]
    with database.transaction() as session:
        assert session.get_one(LeadAssignmentRule, rule_id).next_index == 1  # after ann


def test_round_robin_is_fair_under_concurrency(database: Database, admin: User) -> None:
    with database.transaction() as session:
        reps = [make_user(session, "rep", f"rep{i}@example.com").id for i in range(3)]
        create_rule(session, actor=session.merge(admin), data=RuleCreate(name="All", user_ids=reps))
    owners: list[int | None] = []
    lock = threading.Lock()
    start = threading.Barrier(6)

    def capture(worker: int) -> None:
        start.wait()
        for index in range(5):
            owner = _lead(database, admin, f"w{worker}-{index}@c{worker}{index}.com", None)
            with lock:
                owners.append(owner)

    threads = [threading.Thread(target=capture, args=(worker,)) for worker in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Counter(owners) == dict.fromkeys(reps, 10)  # 30 leads, 10 each, none lost


def test_bad_rules_and_who_may_change_them(database: Database, admin: User) -> None:
    with database.transaction() as session:
        rep = make_user(session, "rep", "rep@example.com")
        actor = session.merge(admin)
        with pytest.raises(ValidationFailed) as raised:
            create_rule(session, actor=actor, data=RuleCreate(name="X", user_ids=[999]))
        assert raised.value.details[0].field == "user_ids"
        with pytest.raises(ValidationFailed) as raised:
            create_rule(
                session, actor=actor, data=RuleCreate(name="X", countries=["XX"], user_ids=[rep.id])
            )
        assert raised.value.details[0].field == "countries[0]"
        with pytest.raises(PermissionDenied):
            create_rule(session, actor=rep, data=RuleCreate(name="Mine", user_ids=[rep.id]))
        rule = create_rule(session, actor=actor, data=RuleCreate(name="R", user_ids=[rep.id]))
        with pytest.raises(ValidationFailed):
            update_rule(
                session, actor=actor, rule=rule, data=RuleUpdate(user_ids=[]), expected_version=None
            )
        with pytest.raises(ValidationFailed):
            set_fallback_owner(session, actor=actor, user_id=424242)
        assert session.query(LeadAssignmentRule).count() == 1
