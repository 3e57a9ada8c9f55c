"""Issue 7's end-to-end test, through real servers: an abandoned-cart event → the flow's delay
→ an email arrives at the SMTP server, personalised, with the unsubscribe headers → the
one-click unsubscribe is posted → a new cart event enters the flow again, and no further
marketing email is sent."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from messaging_support import Mailbox, app_on_port, mail_settings, smtp_server
from support import ApiClient, free_port
from twofold.api.app import create_app
from twofold.ingest.sources import create_source
from twofold.store.database import Database
from twofold.store.models import User


@pytest.fixture
def world(
    tmp_path: Path, database_url: str, database: Database, admin: User
) -> Iterator[tuple[ApiClient, Mailbox, FastAPI, str]]:
    with smtp_server(tmp_path) as (smtp_port, cert, mailbox):
        port = free_port()
        settings = mail_settings(
            tmp_path / "home",
            database_url,
            smtp_port,
            cert,
            port=port,
            email_from="Shop <news@shop.example>",
            flow_worker_seconds=0.2,
        )
        with database.transaction() as session:
            _source, key = create_source(session, actor=None, name="Web shop")
        app = create_app(settings, database=database)
        with app_on_port(port, lambda: app) as url, ApiClient.for_user(url, database, admin) as api:
            yield api, mailbox, app, key.secret


def wait_for(check: Callable[[], Any], seconds: float = 30) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not become true in time")
        time.sleep(0.1)


def test_cart_event_to_email_to_unsubscribe(
    world: tuple[ApiClient, Mailbox, FastAPI, str],
) -> None:
    api, mailbox, _app, write_key = world

    def send(*messages: dict[str, Any]) -> None:
        answer = httpx.post(
            f"{api.server_url}/v1/batch", json={"batch": list(messages)}, auth=(write_key, "")
        )
        assert answer.status_code == 200, answer.text

    send(
        {
            "type": "identify",
            "userId": "ann-1",
            "traits": {"email": "ann@example.com", "first_name": "Ann"},
        }
    )
    people = wait_for(
        lambda: api.get("/persons", params={"search": "ann@example.com"}).json()["items"]
    )
    person_id = people[0]["id"]
    assert (
        api.put(
            f"/persons/{person_id}/consent",
            json={"email": {"status": "subscribed", "source": "signup"}},
        ).status_code
        == 200
    )
    template = api.created(
        "/message-templates",
        {
            "name": "Cart reminder",
            "subject": "{{ person.first_name }}, your cart is waiting",
            "html": (
                "<p>Hi {{ person.first_name }}!</p><p><a href='{{ unsubscribe_url }}'>Stop</a></p>"
            ),
            "text": "Hi {{ person.first_name }}: {{ unsubscribe_url }}",
        },
    )
    flow = api.created(
        "/flows",
        {
            "name": "Abandoned cart",
            "definition": {
                "trigger": {"type": "event", "event": "Checkout Started"},
                "start": "wait",
                "steps": [
                    {"id": "wait", "type": "delay", "hours": 0.0005, "next": "bought?"},
                    {
                        "id": "bought?",
                        "type": "condition",
                        "rule": {"order": {"within_days": 1}},
                        "yes": None,
                        "no": "mail",
                    },
                    {"id": "mail", "type": "send_email", "template_id": template["id"]},
                ],
                "exit": [{"event": "Order Completed"}],
                "reentry": {"mode": "after_exit"},
            },
        },
    )
    assert api.post(f"/flows/{flow['id']}/activate").json()["status"] == "active"

    send(
        {
            "type": "track",
            "userId": "ann-1",
            "event": "Checkout Started",
            "properties": {"cart_id": "c-1"},
        }
    )
    [email] = mailbox.wait_for(1)
    assert email["Subject"] == "Ann, your cart is waiting"
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    one_click = re.findall(r"<([^>]+)>", email["List-Unsubscribe"])[1]
    runs = wait_for(
        lambda: api.get(f"/flows/{flow['id']}/runs", params={"status": "completed"}).json()["items"]
    )
    assert [run["person_id"] for run in runs] == [person_id]
    steps = api.get(f"/flows/{flow['id']}").json()["steps"]
    assert {step: counts["executed"] for step, counts in steps.items()} == {
        "wait": 1,
        "bought?": 1,
        "mail": 1,
    }

    posted = httpx.post(
        one_click,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert posted.status_code == 200

    # A second cart: Ann enters again (the first run ended), the step runs, nothing is sent.
    send(
        {
            "type": "track",
            "userId": "ann-1",
            "event": "Checkout Started",
            "properties": {"cart_id": "c-2"},
        }
    )
    second = wait_for(
        lambda: (
            len(
                api.get(f"/flows/{flow['id']}/runs", params={"status": "completed"}).json()["items"]
            )
            == 2
        )
    )
    assert second

    def statuses() -> list[str] | None:
        items = api.get("/messages", params={"person_id": person_id}).json()["items"]
        found = sorted(message["status"] for message in items)
        return found if "queued" not in found and len(found) == 2 else None

    assert wait_for(statuses) == ["blocked", "sent"]
    time.sleep(1)
    assert len(mailbox.messages) == 1
