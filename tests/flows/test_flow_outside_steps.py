"""Webhook and static-list steps (issue 7, part 1): a webhook step only queues a signed
delivery, so a slow or failing receiver is retried and logged by the webhook thread and never
holds up runs; list steps add and remove people once — real SQLite/PostgreSQL, a real local
HTTP server."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from flows_support import T0, Shop, shop
from messaging_support import http_server
from twofold.core.errors import ValidationFailed
from twofold.flows.actions import FlowCreate, create_flow
from twofold.flows.definition import parse_flow
from twofold.lists.actions import ListCreate, add_people, create_list, get_list
from twofold.messaging.outbox import Backoff
from twofold.messaging.webhooks.delivery import WebhookDispatcher
from twofold.messaging.webhooks.signatures import verify_signature
from twofold.messaging.webhooks.subscriptions import create_subscription
from twofold.store.models import (
    FlowRun,
    Person,
    StaticListMember,
    TimelineEntry,
    User,
    WebhookDelivery,
)

__all__ = ["shop"]
KEY = "test-secret"


def subscription(shop: Shop, url: str, event_types: list[str]) -> tuple[int, str]:
    with shop.database.transaction() as session:
        created, secret = create_subscription(
            session,
            actor=session.get_one(User, shop.admin.id),
            url=url,
            event_types=event_types,
            description="CRM sync",
            installation_key=KEY,
        )
        return created.id, secret


def webhook_flow(webhook_id: int, list_id: int) -> dict[str, Any]:
    return {
        "trigger": {"type": "event", "event": "Signed Up"},
        "start": "hook",
        "steps": [
            {
                "id": "hook",
                "type": "webhook",
                "webhook_id": webhook_id,
                "data": {"campaign": "welcome"},
                "next": "listed",
            },
            {"id": "listed", "type": "add_to_list", "list_id": list_id, "next": "wait"},
            {"id": "wait", "type": "delay", "hours": 1, "next": "unlisted"},
            {"id": "unlisted", "type": "remove_from_list", "list_id": list_id},
        ],
    }


def make_list(shop: Shop, name: str = "Welcomed") -> int:
    with shop.database.transaction() as session:
        actor = session.get_one(User, shop.admin.id)
        return create_list(session, actor=actor, data=ListCreate(name=name)).id


def members(shop: Shop, list_id: int) -> list[int]:
    with shop.database.transaction(write=False) as session:
        return sorted(
            session.scalars(
                select(StaticListMember.person_id).where(StaticListMember.list_id == list_id)
            )
        )


def test_a_slow_then_failing_receiver_is_retried_and_never_holds_up_runs(shop: Shop) -> None:
    ann, bob, cas = shop.people
    list_id = make_list(shop)
    with http_server() as target:
        webhook_id, secret = subscription(shop, f"{target.url}/crm", ["flow.webhook"])
        flow_id = shop.flow(webhook_flow(webhook_id, list_id))
        target.answers = [(200, 3.0, b"{}"), (500, 0.0, b"busy"), (200, 0.0, b"{}")]
        shop.events(T0, (ann, "Signed Up", {}), (bob, "Signed Up", {}))
        started = time.monotonic()
        assert shop.tick(T0) == (2, 4)  # hook and listed for both; their waits start
        assert time.monotonic() - started < 2.5  # the engine posted nothing itself
        assert members(shop, list_id) == [ann, bob]
        clock = {"now": T0}
        dispatcher = WebhookDispatcher(
            database=shop.database,
            feeds=[],
            installation_key=KEY,
            timeout_seconds=0.5,
            clock=lambda: clock["now"],
            backoff=Backoff(base=timedelta(seconds=10), ceiling=timedelta(minutes=5), attempts=5),
        )
        assert dispatcher.run_once() == 2  # the first times out, the second gets a 500
        with shop.database.transaction(write=False) as session:
            log = list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))
        assert [(d.status, d.attempts) for d in log] == [("pending", 1), ("pending", 1)]
        assert sorted(d.last_error.split(":")[0] for d in log) == [
            "answered 500",
            "timed out after 0.5 s",
        ]
        # Runs go on meanwhile: Cas signs up and is listed, the others finish their wait.
        shop.events(T0 + timedelta(minutes=1), (cas, "Signed Up", {}))
        assert shop.tick(T0 + timedelta(hours=1, minutes=1)) == (1, 6)
        assert members(shop, list_id) == [cas]
        clock["now"] = T0 + timedelta(hours=2)
        assert dispatcher.run_once() == 3
        received = target.wait_for(5)
    with shop.database.transaction(write=False) as session:
        log = list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))
        runs = list(session.scalars(select(FlowRun).where(FlowRun.flow_id == flow_id)))
    assert [d.status for d in log] == ["succeeded"] * 3
    assert [d.event_type for d in log] == ["flow.webhook"] * 3
    assert {run.status for run in runs} == {"completed", "active"}
    last = received[-1]
    assert verify_signature(
        secret.encode(), last.headers["X-Twofold-Signature"], last.body, now=time.time()
    )
    payload = orjson.loads(last.body)
    assert payload["type"] == "flow.webhook"
    assert payload["data"]["flow_id"] == flow_id
    assert payload["data"]["step"] == "hook"
    assert payload["data"]["step_data"] == {"campaign": "welcome"}
    assert payload["data"]["person"]["email"] in {
        "ann@example.com",
        "bob@example.com",
        "cas@example.com",
    }


def test_list_steps_keep_hand_made_memberships_and_write_the_timeline(shop: Shop) -> None:
    ann = shop.people[0]
    list_id = make_list(shop, "VIP")
    with shop.database.transaction() as session:  # added by hand first
        add_people(
            session, actor=None, found=get_list(session, list_id), person_ids=[ann], source="hand"
        )
    definition = {
        "trigger": {"type": "event", "event": "Signed Up"},
        "start": "listed",
        "steps": [{"id": "listed", "type": "add_to_list", "list_id": list_id}],
    }
    shop.flow(definition, name="VIP")
    shop.events(T0, (ann, "Signed Up", {}))
    assert shop.tick(T0) == (1, 1)
    with shop.database.transaction(write=False) as session:
        member = session.scalars(select(StaticListMember)).one()
        outcome = [run.end_reason for run in session.scalars(select(FlowRun))]
        notes = session.scalars(
            select(TimelineEntry.summary).where(
                TimelineEntry.record_type == "person", TimelineEntry.record_id == ann
            )
        ).all()
    assert (member.person_id, member.source) == (ann, "hand")  # kept as it was
    assert outcome == ["reached the end"]
    assert notes.count("added to list VIP") == 1


def test_webhook_and_list_steps_are_checked(shop: Shop) -> None:
    list_id = make_list(shop)
    orders_only, _secret = subscription(shop, "https://crm.example.com/hook", ["order.created"])
    for step, path in [
        ({"type": "webhook"}, "flow.steps[0].webhook_id"),
        ({"type": "webhook", "webhook_id": 1, "data": [1]}, "flow.steps[0].data"),
        ({"type": "webhook", "webhook_id": 1, "data": {"x": "y" * 10_001}}, "flow.steps[0].data"),
        ({"type": "add_to_list"}, "flow.steps[0].list_id"),
        ({"type": "remove_from_list", "list_id": "VIP"}, "flow.steps[0].list_id"),
    ]:
        document = {"trigger": {"type": "event", "event": "X"}, "start": "s"}
        with pytest.raises(ValidationFailed) as refused:
            parse_flow({**document, "steps": [{"id": "s", **step}]})
        assert path in {problem.field for problem in refused.value.details}
    with shop.database.transaction() as session:
        actor = session.get_one(User, shop.admin.id)
        for step, path, message in [
            ({"type": "webhook", "webhook_id": orders_only}, "webhook_id", "flow.webhook"),
            ({"type": "webhook", "webhook_id": 999}, "webhook_id", "no webhook 999"),
            ({"type": "add_to_list", "list_id": list_id + 1}, "list_id", f"no list {list_id + 1}"),
        ]:
            document = {
                "trigger": {"type": "event", "event": "X"},
                "start": "s",
                "steps": [{"id": "s", **step}],
            }
            with pytest.raises(ValidationFailed) as refused:
                create_flow(session, actor=actor, data=FlowCreate(name="Bad", definition=document))
            problem = refused.value.details[0]
            assert problem.field == f"flow.steps.s.{path}"
            assert message in problem.message
    with shop.database.transaction(write=False) as session:
        assert session.scalars(select(FlowRun)).all() == []
        assert session.get_one(Person, shop.people[0]).traits == {}
