"""Outgoing webhooks against a real HTTP server: subscriptions and their bad input, the
fan-out of feeds, signed deliveries, 500s and timeouts retried with backoff, the log."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from messaging_support import http_server
from support import ApiClient, count_rows
from twofold.core.time import naive_utc
from twofold.events.store import EventStore
from twofold.messaging.outbox import Backoff
from twofold.messaging.webhooks.delivery import WebhookDispatcher
from twofold.messaging.webhooks.feeds import fan_out, feeds_for
from twofold.messaging.webhooks.signatures import sign_body, verify_signature
from twofold.messaging.webhooks.subscriptions import create_subscription
from twofold.messaging.worker import MessagingWorker
from twofold.store.database import Database
from twofold.store.models import TimelineEntry, User, WebhookDelivery

SECRET = b"whsec_test"


def test_signatures_verify_and_refuse_tampering_and_replays() -> None:
    body = b'{"type": "order.created"}'
    header = sign_body(SECRET, body, 1_800_000_000)
    assert verify_signature(SECRET, header, body, now=1_800_000_100)
    assert not verify_signature(SECRET, header, body + b" ", now=1_800_000_100)
    assert not verify_signature(b"other", header, body, now=1_800_000_100)
    assert not verify_signature(SECRET, header, body, now=1_800_000_000 + 301)  # a replay
    assert not verify_signature(SECRET, None, body, now=1_800_000_000)
    assert not verify_signature(SECRET, "t=abc, v1=00", body, now=1_800_000_000)


def test_subscription_api_and_bad_input(api: ApiClient, database: Database) -> None:
    created = api.post(
        "/webhooks",
        json={
            "url": "https://hooks.example/in",
            "event_types": ["segment.entered", "order.created"],
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert body["secret_hint"] == "…" + body["secret"][-4:]
    listed = api.get("/webhooks").json()["items"]
    assert [item["id"] for item in listed] == [body["id"]]
    assert "secret" not in listed[0]
    with database.engine.connect() as connection:
        sealed = connection.exec_driver_sql(
            "SELECT secret_sealed FROM webhook_subscriptions"
        ).scalar()
    assert body["secret"] not in str(sealed)
    for bad in (
        {"url": "ftp://hooks.example/x", "event_types": ["order.created"]},
        {"url": "https://", "event_types": ["order.created"]},
        {"url": "https://user:pw@hooks.example/", "event_types": ["order.created"]},
        {"url": "https://hooks.example/#frag", "event_types": ["order.created"]},
        {"url": "https://hooks.example:99999/", "event_types": ["order.created"]},
        {"url": "https://hooks.example/", "event_types": ["order.deleted"]},
        {"url": "https://hooks.example/", "event_types": []},
        {"url": "javascript:alert(1)", "event_types": ["order.created"]},
    ):
        assert api.post("/webhooks", json=bad).status_code == 422, bad
    assert count_rows(database, "webhook_subscriptions") == 1
    marketer, _ = api.as_new_user("marketer")
    assert marketer.get("/webhooks").status_code == 403
    assert (
        marketer.post(
            "/webhooks", json={"url": "https://a.example/", "event_types": ["order.created"]}
        ).status_code
        == 403
    )
    paused = api.patch(f"/webhooks/{body['id']}", json={"active": False})
    assert paused.status_code == 200
    assert paused.json()["active"] is False
    assert api.get(f"/webhooks/{body['id']}/deliveries").json() == {
        "items": [],
        "next_cursor": None,
    }


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def test_fan_out_signs_and_retries_500s_and_timeouts(
    database: Database, admin: User, tmp_path: Path
) -> None:
    store = EventStore(tmp_path / "events.duckdb")
    feeds = feeds_for(store)
    clock = Clock()
    try:
        with http_server() as target, database.transaction() as session:
            subscription, secret = create_subscription(
                session,
                actor=session.merge(admin),
                url=f"{target.url}/hook",
                event_types=["segment.entered", "deal.stage_changed"],
                description="",
                installation_key="test-secret",
            )
        with http_server() as target:
            with database.transaction() as session:
                session.get_one(type(subscription), subscription.id).url = f"{target.url}/hook"
            assert fan_out(database, feeds) == 0  # first sight: cursors start at the end
            with store.writer() as writer:
                writer.execute(
                    "INSERT INTO segment_transitions (segment_id, member_id, kind, happened_at, "
                    "cause) VALUES (7, 42, 'entered', ?, 'load')",
                    [naive_utc(clock.now + timedelta(seconds=1))],
                )
            target.answers = [(500, 0.0, b"oops"), (200, 1.5, b"{}"), (200, 0.0, b"{}")]
            dispatcher = WebhookDispatcher(
                database=database,
                feeds=feeds,
                installation_key="test-secret",
                timeout_seconds=0.5,
                clock=clock,
                backoff=Backoff(
                    base=timedelta(seconds=10), ceiling=timedelta(minutes=5), attempts=5
                ),
            )
            assert dispatcher.run_once() == 1
            assert dispatcher.run_once() == 0  # not due before the backoff
            clock.now += timedelta(seconds=10)
            assert dispatcher.run_once() == 1  # times out
            clock.now += timedelta(seconds=19)
            assert dispatcher.run_once() == 0
            clock.now += timedelta(seconds=1)
            assert dispatcher.run_once() == 1
            received = target.wait_for(3)
            assert fan_out(database, feeds) == 0  # nothing fanned out twice

            with database.transaction() as session:
                session.add(
                    TimelineEntry(
                        record_type="deal",
                        record_id=5,
                        kind="stage_changed",
                        summary="Big deal: moved from Lead to Demo",
                        changes={"stage_id": {"before": 1, "after": 2}},
                        at=clock.now + timedelta(seconds=1),
                    )
                )
            assert dispatcher.run_once() == 1
            received = target.wait_for(4)
    finally:
        store.close()

    first = received[0]
    assert first.headers["X-Twofold-Event"] == "segment.entered"
    assert verify_signature(
        secret.encode(), first.headers["X-Twofold-Signature"], first.body, now=time.time()
    )
    payload = orjson.loads(first.body)
    assert payload["type"] == "segment.entered"
    assert payload["data"] == {"segment_id": 7, "member_id": 42, "cause": "load"}
    assert [item.body for item in received[:3]] == [first.body] * 3  # the same event, retried
    stage = orjson.loads(received[3].body)
    assert stage["data"]["from_stage_id"] == 1
    assert stage["data"]["to_stage_id"] == 2
    with database.transaction() as session:
        log = {row.event_type: row for row in session.query(WebhookDelivery)}
        entered = log["segment.entered"]
        assert (entered.status, entered.attempts, entered.last_status_code) == ("succeeded", 3, 200)
        assert log["deal.stage_changed"].status == "succeeded"


def test_a_hanging_job_never_blocks_the_other() -> None:
    release = threading.Event()
    progress: list[int] = []

    class Hanging:
        def recover(self) -> int:
            return 0

        def run_once(self) -> int:
            release.wait(10)
            return 0

    class Busy:
        def recover(self) -> int:
            return 0

        def run_once(self) -> int:
            progress.append(1)
            return 1

    worker = MessagingWorker({"webhooks": Hanging(), "outbox": Busy()}, interval=0.01)
    worker.start()
    try:
        deadline = time.monotonic() + 5
        while len(progress) < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(progress) >= 5
    finally:
        release.set()
        worker.stop()


@pytest.mark.parametrize("answer", [(404, 0.0, b"gone")])
def test_deliveries_fail_for_good_after_the_last_attempt(
    database: Database, admin: User, tmp_path: Path, answer: tuple[int, float, bytes]
) -> None:
    store = EventStore(tmp_path / "events.duckdb")
    clock = Clock()
    try:
        with http_server() as target:
            target.answers = [answer]
            with database.transaction() as session:
                create_subscription(
                    session,
                    actor=session.merge(admin),
                    url=target.url,
                    event_types=["segment.exited"],
                    description="",
                    installation_key="test-secret",
                )
            dispatcher = WebhookDispatcher(
                database=database,
                feeds=feeds_for(store),
                installation_key="test-secret",
                clock=clock,
                backoff=Backoff(base=timedelta(seconds=1), attempts=2),
            )
            dispatcher.run_once()
            with store.writer() as writer:
                writer.execute(
                    "INSERT INTO segment_transitions (segment_id, member_id, kind, happened_at, "
                    "cause) VALUES (1, 2, 'exited', ?, 'refresh')",
                    [naive_utc(clock.now + timedelta(seconds=1))],
                )
            dispatcher.run_once()
            clock.now += timedelta(seconds=5)
            dispatcher.run_once()
            target.wait_for(2)
    finally:
        store.close()
    with database.transaction() as session:
        [row] = session.query(WebhookDelivery).all()
        assert (row.status, row.attempts, row.last_status_code) == ("failed", 2, 404)
