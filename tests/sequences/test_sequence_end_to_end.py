"""Sequences end to end through real servers (SQLite and PostgreSQL): a rep enrols contacts
over the API, the first email of each arrives at a real SMTP server from the rep; a reply
posted to the signed inbound endpoint stops one contact's sequence, a booked meeting
another's; on a clock ten days on only the third contact gets the second email. Bad posts to
the inbound endpoint are refused with JSON errors and store nothing."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from messaging_support import Mailbox, app_on_port, mail_settings, smtp_server
from support import ApiClient, count_rows, free_port
from twofold.api.app import create_app
from twofold.core.time import utcnow
from twofold.messaging.webhooks.signatures import sign_body
from twofold.sequences.engine import run_due
from twofold.store.database import Database
from twofold.store.models import User


@pytest.fixture
def world(
    tmp_path: Path, database_url: str, database: Database, admin: User
) -> Iterator[tuple[ApiClient, Mailbox]]:
    with smtp_server(tmp_path) as (smtp_port, cert, mailbox):
        port = free_port()
        settings = mail_settings(
            tmp_path / "home",
            database_url,
            smtp_port,
            cert,
            port=port,
            email_from="Seller <sales@seller.example>",
            flow_worker_seconds=0,
        )
        app = create_app(settings, database=database)
        with app_on_port(port, lambda: app) as url, ApiClient.for_user(url, database, admin) as api:
            yield api, mailbox


def wait_for(check: Callable[[], Any], seconds: float = 30) -> Any:
    deadline = time.monotonic() + seconds
    while not (value := check()):
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not become true in time")
        time.sleep(0.1)
    return value


def _post_inbound(api: ApiClient, secret: str | None, body: bytes) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Twofold-Signature"] = sign_body(secret.encode(), body, int(time.time()))
    return httpx.post(f"{api.server_url}/api/v1/inbound/email", content=body, headers=headers)


def _by_recipient(mailbox: Mailbox, address: str) -> list[EmailMessage]:
    return [message for message in mailbox.messages if message["To"] == address]


def test_reply_and_meeting_stop_sequences_through_real_servers(
    world: tuple[ApiClient, Mailbox], database: Database
) -> None:
    api, mailbox = world
    rep, _rep_user = api.as_new_user("rep", email="rita@seller.example")
    people = {
        name: rep.created(
            "/persons",
            {"first_name": name, "last_name": "Buyer", "emails": [f"{name.lower()}@buyer.example"]},
        )["id"]
        for name in ("Ann", "Bob", "Cas")
    }
    sequence = rep.created(
        "/sequences",
        {
            "name": "Outbound Q1",
            "timezone": "Europe/Amsterdam",
            "steps": [
                {
                    "type": "email",
                    "subject": "A question, {{ person.first_name }}",
                    "body": "Hi {{ person.first_name }},\nShall we talk?\n{{ sender.first_name }}",
                },
                {"type": "wait", "business_days": 1},
                {"type": "email", "subject": "Following up", "body": "Any thoughts?"},
            ],
        },
    )
    enrolments = {
        name: rep.created(f"/sequences/{sequence['id']}/enrollments", {"person_id": person})["id"]
        for name, person in people.items()
    }
    wait_for(lambda: len(mailbox.messages) == 3)
    [first] = _by_recipient(mailbox, "ann@buyer.example")
    assert first["Subject"] == "A question, Ann"
    assert first["From"] == "Rep <rita@seller.example>"
    assert first["Reply-To"] == "rita@seller.example"
    assert "List-Unsubscribe" in first
    assert first.get_content().splitlines() == ["Hi Ann,", "Shall we talk?", "Rep"]
    secret = api.get("/inbound/email/secret").json()["secret"]
    assert rep.get("/inbound/email/secret").status_code == 403

    # Bad posts: refused with a JSON error, nothing stored.
    activities = count_rows(database, "activities")
    reply = {
        "from": "Ann Buyer <ann@buyer.example>",
        "to": "rita@seller.example",
        "subject": "Re: A question, Ann",
        "text": "Yes, let's talk on Tuesday.",
        "headers": {"Message-ID": "<reply-1@buyer.example>", "In-Reply-To": first["Message-ID"]},
    }
    body = orjson.dumps(reply)
    for answer, status, code in (
        (_post_inbound(api, None, body), 401, "not_authenticated"),
        (_post_inbound(api, "wrong-secret", body), 401, "not_authenticated"),
        (_post_inbound(api, secret, b'{"from": "ann@'), 400, "malformed_json"),
        (_post_inbound(api, secret, b'{"subject": "no sender"}'), 422, "validation_error"),
        (_post_inbound(api, secret, b'{"from": "not an address"}'), 422, "validation_error"),
        (_post_inbound(api, secret, orjson.dumps({"from": "who@else.example"})), 404, "not_found"),
    ):
        assert answer.status_code == status, answer.text
        assert answer.json()["error"]["code"] == code
    assert count_rows(database, "inbound_emails") == 0
    assert count_rows(database, "activities") == activities

    answer = _post_inbound(api, secret, body)
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert (result["matched_by"], result["stopped"]) == ("thread", 1)
    assert result["enrollment_ids"] == [enrolments["Ann"]]
    again = _post_inbound(api, secret, body).json()
    assert again["duplicate"] is True
    timeline = api.get(f"/persons/{people['Ann']}/timeline").json()
    assert any("Reply: Re: A question, Ann" in entry["summary"] for entry in timeline)

    rep.created(
        "/activities",
        {"kind": "meeting", "subject": "Intro call booked", "person_ids": [people["Bob"]]},
    )

    def status_of(name: str) -> tuple[str, str | None]:
        found = rep.get(f"/sequence-enrollments/{enrolments[name]}").json()
        return found["status"], found["stop_reason"]

    wait_for(lambda: status_of("Bob") == ("stopped", "meeting booked"))
    assert status_of("Ann") == ("stopped", "replied")
    assert status_of("Cas") == ("active", None)

    # Ten days on, only Cas gets the follow-up.
    run_due(database, now=utcnow() + timedelta(days=10))
    wait_for(lambda: len(mailbox.messages) == 4)
    time.sleep(1.5)
    assert len(mailbox.messages) == 4
    assert [m["Subject"] for m in _by_recipient(mailbox, "cas@buyer.example")] == [
        "A question, Cas",
        "Following up",
    ]
    assert len(_by_recipient(mailbox, "ann@buyer.example")) == 1
    assert len(_by_recipient(mailbox, "bob@buyer.example")) == 1
    assert status_of("Cas") == ("completed", None)
