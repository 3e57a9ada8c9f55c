"""Flows (issue 7, parts 1-2): definitions checked on save, people entered from events and
segment transitions, steps executed on a controllable clock, each exactly once, exits,
re-entry, A/B splits and hold-outs — against real SQLite/PostgreSQL and DuckDB."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from flows_support import T0, Shop, shop
from twofold.core.errors import ValidationFailed
from twofold.flows.definition import parse_flow
from twofold.flows.engine import advance, definition_of
from twofold.store.models import Flow, FlowRun, FlowStepVisit, OutboxMessage, Person, Segment

__all__ = ["shop"]


def abandoned_cart(template: int) -> dict[str, Any]:
    return {
        "trigger": {
            "type": "event",
            "event": "Checkout Started",
            "where": [{"property": "total", "op": "gte", "value": 20}],
        },
        "start": "wait",
        "steps": [
            {"id": "wait", "type": "delay", "hours": 1, "next": "mail"},
            {"id": "mail", "type": "send_email", "template_id": template, "next": "tag"},
            {
                "id": "tag",
                "type": "update_trait",
                "trait": "cart_reminded",
                "value": True,
                "next": None,
            },
        ],
        "exit": [{"event": "Order Completed"}],
        "reentry": {"mode": "after_days", "days": 7},
    }


def test_abandoned_cart_waits_sends_once_and_exits_on_an_order(shop: Shop) -> None:
    ann, bob, cas = shop.people
    flow = shop.flow(abandoned_cart(shop.template))
    # Events before activation are history: only later ones trigger.
    shop.events(
        T0,
        (ann, "Checkout Started", {"total": 50}),  # enters
        (bob, "Checkout Started", {"total": 10}),  # below the filter
        (cas, "Checkout Started", {"total": 99}),
    )
    assert shop.tick(T0) == (2, 0)  # Ann and Cas enter and start waiting
    assert shop.tick(T0 + timedelta(minutes=30)) == (0, 0)
    shop.events(T0 + timedelta(minutes=40), (cas, "Order Completed", {}))
    entered, executed = shop.tick(T0 + timedelta(hours=1, minutes=1))
    assert (entered, executed) == (0, 3)  # Ann: waited, mail, tag; Cas exits
    runs = {run.person_id: run for run in shop.runs(flow)}
    assert (runs[ann].status, runs[ann].end_reason) == ("active", None) or runs[
        ann
    ].status == "completed"
    assert shop.tick(T0 + timedelta(hours=1, minutes=2)) == (0, 0)
    runs = {run.person_id: run for run in shop.runs(flow)}
    assert runs[ann].status == "completed"
    assert (runs[cas].status, runs[cas].end_reason) == ("exited", "exit event")
    assert [person for person, _key in shop.outbox()] == [ann]
    with shop.database.transaction(write=False) as session:
        assert session.get_one(Person, ann).traits["cart_reminded"] is True
        visits = session.execute(
            select(FlowStepVisit.step_id, func.count()).group_by(FlowStepVisit.step_id)
        ).all()
    assert sorted(visits) == [("mail", 1), ("tag", 1), ("wait", 1)]
    # Re-entry: not within 7 days, then again after.
    shop.events(T0 + timedelta(days=2), (ann, "Checkout Started", {"total": 60}))
    assert shop.tick(T0 + timedelta(days=2))[0] == 0
    shop.events(T0 + timedelta(days=8), (ann, "Checkout Started", {"total": 60}))
    assert shop.tick(T0 + timedelta(days=8))[0] == 1


def test_a_step_interrupted_before_its_commit_runs_once_later(shop: Shop) -> None:
    ann = shop.people[0]
    definition = abandoned_cart(shop.template)
    definition["steps"][0]["hours"] = 0.01
    flow = shop.flow(definition)
    shop.events(T0, (ann, "Checkout Started", {"total": 50}))
    shop.tick(T0)
    later = T0 + timedelta(hours=1)

    class Crash(Exception):
        pass

    # The email step runs inside the transaction, then the process "dies" before the commit.
    def run_then_die() -> None:
        with shop.database.transaction() as session:
            run = session.scalars(select(FlowRun).where(FlowRun.flow_id == flow)).one()
            row = session.get_one(Flow, flow)
            assert advance(session, shop.store, row, definition_of(row), run, now=later) == 3
            assert len(session.scalars(select(OutboxMessage)).all()) == 1
            raise Crash

    with pytest.raises(Crash):
        run_then_die()
    assert shop.outbox() == []  # nothing of it survived
    assert shop.tick(later) == (0, 3)
    assert shop.tick(later + timedelta(minutes=5)) == (0, 0)
    assert len(shop.outbox()) == 1  # sent once, after the restart


def test_conditions_splits_and_holdout_are_stable(shop: Shop) -> None:
    definition = {
        "trigger": {"type": "event", "event": "Signed Up"},
        "start": "vip?",
        "steps": [
            {
                "id": "vip?",
                "type": "condition",
                "rule": {"event": "Product Viewed"},
                "yes": "split",
                "no": None,
            },
            {
                "id": "split",
                "type": "ab_split",
                "holdout": 20,
                "variants": [
                    {"name": "A", "weight": 1, "next": "a"},
                    {"name": "B", "weight": 1, "next": "b"},
                ],
            },
            {"id": "a", "type": "update_trait", "trait": "variant", "value": "A", "next": None},
            {"id": "b", "type": "update_trait", "trait": "variant", "value": "B", "next": None},
        ],
    }
    flow = shop.flow(definition)
    ann, bob, _cas = shop.people
    shop.events(T0 - timedelta(minutes=1), (ann, "Product Viewed", {}))
    shop.events(T0, (ann, "Signed Up", {}), (bob, "Signed Up", {}))
    shop.tick(T0)
    runs = {run.person_id: run for run in shop.runs(flow)}
    assert runs[bob].status == "completed"
    assert runs[bob].variant is None  # "no": straight to the end
    assert runs[ann].status == "completed"
    assert runs[ann].variant in {"A", "B", "holdout"}
    with shop.database.transaction(write=False) as session:
        trait = session.get_one(Person, ann).traits.get("variant")
    assert trait == (None if runs[ann].variant == "holdout" else runs[ann].variant)


def test_segment_entries_start_runs(shop: Shop) -> None:
    with shop.database.transaction() as session:
        segment = Segment(name="VIP", target="persons", rule={"trait": "vip", "op": "exists"})
        session.add(segment)
        session.flush()
        segment_id = segment.id
    flow = shop.flow(
        {
            "trigger": {"type": "segment_entered", "segment_id": segment_id},
            "start": "tag",
            "steps": [{"id": "tag", "type": "update_trait", "trait": "welcomed", "value": 1}],
        }
    )
    with shop.store.writer() as writer:
        for kind, member in (("entered", shop.people[0]), ("exited", shop.people[1])):
            writer.execute(
                "INSERT INTO segment_transitions (segment_id, member_id, kind, happened_at, cause)"
                " VALUES (?, ?, ?, ?, 'test')",
                [segment_id, member, kind, T0.replace(tzinfo=None)],
            )
    assert shop.tick(T0) == (1, 1)
    assert [run.person_id for run in shop.runs(flow)] == [shop.people[0]]


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (
            lambda d: d["steps"].append({"id": "orphan", "type": "delay", "hours": 1}),
            "flow.steps[3]",
        ),
        (lambda d: d["steps"][2].update(next="mail"), "flow.steps"),  # mail → tag → mail
        (lambda d: d["steps"][0].update(next="nowhere"), "flow.steps[0]"),
        (lambda d: d["steps"][0].update(hours=0), "flow.steps[0].hours"),
        (lambda d: d["trigger"].update(type="sometimes"), "flow.trigger.type"),
        (lambda d: d.update(start="missing"), "flow.start"),
        (
            lambda d: d["steps"].append({"id": "c", "type": "condition", "rule": {"all": []}}),
            "flow.steps[3].rule.all",
        ),
        (lambda d: d["steps"][1].update(template_id="x"), "flow.steps[1].template_id"),
        (lambda d: d.update(reentry={"mode": "often"}), "flow.reentry.mode"),
    ],
)
def test_bad_definitions_are_refused_with_their_path(change: Any, path: str) -> None:
    definition = abandoned_cart(1)
    change(definition)
    with pytest.raises(ValidationFailed) as refused:
        parse_flow(definition)
    assert path in {problem.field for problem in refused.value.details}


def test_a_cycle_through_a_delay_is_allowed() -> None:
    definition = abandoned_cart(1)
    definition["steps"][2]["next"] = "wait"  # tag → wait → mail → tag: waits each time
    assert parse_flow(definition).start == "wait"
