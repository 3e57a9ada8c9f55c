"""Email end to end through real servers: consent → template → outbox → SMTP (STARTTLS +
AUTH) → the message arrives personalised with unsubscribe headers, tracked links and pixel →
click and open come back as events of the person → one-click unsubscribe → no more marketing."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from messaging_support import Mailbox, app_on_port, mail_settings, smtp_server
from support import ApiClient, free_port
from twofold.api.app import create_app
from twofold.ingest.runtime import Ingestion
from twofold.store.database import Database
from twofold.store.models import User

TEMPLATE_HTML = """<html><head><style>a { color: #c00; }</style></head><body>
<p>Hi {{ person.first_name }}, your cart misses you.</p>
<p><a href="https://shop.example/cart?id={{ data.cart_id }}&amp;utm=mail">Back to your cart</a></p>
{% for product in recommendations %}<p>{{ product.name }}</p>
{% else %}<p>No picks yet.</p>{% endfor %}
<p><a href="{{ unsubscribe_url }}">Unsubscribe</a> · <a href="mailto:help@shop.example">Help</a></p>
</body></html>"""


@pytest.fixture
def mail_world(
    tmp_path: Path, database_url: str, database: Database, admin: User
) -> Iterator[tuple[ApiClient, Mailbox, FastAPI]]:
    with smtp_server(tmp_path) as (smtp_port, cert, mailbox):
        port = free_port()
        settings = mail_settings(
            tmp_path / "home",
            database_url,
            smtp_port,
            cert,
            port=port,
            email_from="Shop <news@shop.example>",
        )
        app = create_app(settings, database=database)
        with app_on_port(port, lambda: app) as url, ApiClient.for_user(url, database, admin) as api:
            yield api, mailbox, app


def _wait_status(api: ApiClient, message_id: int, wanted: str) -> dict[str, Any]:
    deadline = time.monotonic() + 15
    while True:
        body: dict[str, Any] = api.get(f"/messages/{message_id}").json()
        if body["status"] == wanted or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


def test_abandoned_cart_email_round_trip(mail_world: tuple[ApiClient, Mailbox, FastAPI]) -> None:
    api, mailbox, app = mail_world
    person = api.created("/persons", {"first_name": "Ann <b>", "emails": ["ann@example.com"]})
    consent = api.put(
        f"/persons/{person['id']}/consent",
        json={"email": {"status": "subscribed", "source": "checkout"}},
    )
    assert consent.status_code == 200
    template = api.created(
        "/message-templates",
        {
            "name": "Abandoned cart",
            "subject": "{{ person.first_name }}, still thinking?",
            "html": TEMPLATE_HTML,
            "text": "Hi {{ person.first_name }}: {{ unsubscribe_url }}",
        },
    )
    message = api.created(
        "/messages",
        {
            "person_id": person["id"],
            "template_id": template["id"],
            "variables": {"cart_id": 42},
            "idempotency_key": "cart-42-step-1",
        },
    )
    again = api.post(
        "/messages",
        json={
            "person_id": person["id"],
            "template_id": template["id"],
            "idempotency_key": "cart-42-step-1",
        },
    )
    assert (again.status_code, again.json()["id"]) == (200, message["id"])

    [email] = mailbox.wait_for(1)
    assert mailbox.recipients == [["ann@example.com"]]
    assert email["Subject"] == "Ann <b>, still thinking?"
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    mailto, one_click = re.findall(r"<([^>]+)>", email["List-Unsubscribe"])
    assert mailto == "mailto:news@shop.example?subject=unsubscribe"
    assert one_click.startswith(f"{api.server_url}/m/u/")
    html_part = email.get_body(("html",))
    text_part = email.get_body(("plain",))
    assert html_part is not None
    assert text_part is not None
    html = html_part.get_content()
    assert "Hi Ann &lt;b&gt;," in html  # auto-escaped
    assert "No picks yet." in html  # the stub recommendation provider
    assert 'style="color: #c00' in html  # CSS inlined
    assert "https://shop.example/cart" not in html  # the link is tracked...
    assert "mailto:help@shop.example" in html  # ...mailto links are not
    assert f"{api.server_url}/m/o/" in html  # open pixel
    assert text_part.get_content().startswith("Hi Ann <b>: http")
    sent = _wait_status(api, message["id"], "sent")
    assert sent["status"] == "sent"
    assert sent["address"] == "ann@example.com"

    click = re.search(rf'href="({re.escape(api.server_url)}/m/c/[^"]+)"', html)
    assert click is not None
    with httpx.Client() as browser:
        followed = browser.get(click[1])
        assert followed.status_code == 302
        assert followed.headers["location"] == "https://shop.example/cart?id=42&utm=mail"
        forged = click[1][:-3] + ("AAA" if not click[1].endswith("AAA") else "BBB")
        refused = browser.get(forged)
        assert refused.status_code == 404
        assert "location" not in refused.headers
        pixel = re.search(rf'src="({re.escape(api.server_url)}/m/o/[^"]+)"', html)
        assert pixel is not None
        assert browser.get(pixel[1]).headers["content-type"] == "image/gif"
        assert browser.get(pixel[1]).status_code == 200  # a second open: one event still

        ingestion: Ingestion = app.state.ingestion
        ingestion.flush()
        with ingestion.store.reader() as reader:
            events = reader.execute(
                "SELECT name, person_id, properties ->> '$.message_id', "
                "properties ->> '$.template_id' FROM events WHERE type = 'track' ORDER BY name"
            ).fetchall()
        assert events == [
            ("Email Clicked", person["id"], str(message["id"]), str(template["id"])),
            ("Email Opened", person["id"], str(message["id"]), str(template["id"])),
        ]

        # GET only asks; the one-click POST (RFC 8058) unsubscribes, twice is harmless.
        assert "Unsubscribe" in browser.get(one_click).text
        assert api.get(f"/persons/{person['id']}/consent").json()["email"]["status"] == "subscribed"
        for _ in range(2):
            posted = browser.post(
                one_click,
                content=b"List-Unsubscribe=One-Click",
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            assert posted.status_code == 200
        assert browser.post(one_click.replace("/m/u/", "/m/u/x")).status_code == 400

    consent_now = api.get(f"/persons/{person['id']}/consent").json()
    assert consent_now["email"]["status"] == "unsubscribed"
    assert consent_now["email"]["source"] == "unsubscribe link"
    later = api.created("/messages", {"person_id": person["id"], "template_id": template["id"]})
    blocked = _wait_status(api, later["id"], "blocked")
    assert (blocked["status"], blocked["reason"]) == ("blocked", "suppressed:unsubscribe")
    assert len(mailbox.messages) == 1


def test_bad_templates_are_refused_with_the_line(
    mail_world: tuple[ApiClient, Mailbox, FastAPI],
) -> None:
    api, _mailbox, _app = mail_world
    cases = [
        (
            {"subject": "Hi", "html": "<p>\n{{ person.first_name \n</p>"},
            "html",
            "line 3: unexpected",
        ),
        ({"subject": "Hi {% if %}", "text": "x"}, "subject", "line 1"),
        (
            {"subject": "Hi", "text": "a\nb\n{{ ''.__class__.__mro__ }}"},
            "text",
            "line 3: SecurityError",
        ),
        (
            {"subject": "Hi", "text": "{{ person.first_name | nosuchfilter }}"},
            "text",
            "nosuchfilter",
        ),
        ({"subject": "", "text": "x"}, "subject", "needs a subject"),
        ({"subject": "Hi"}, "html", "needs html or text"),
    ]
    for index, (parts, field, fragment) in enumerate(cases):
        response = api.post("/message-templates", json={"name": f"t{index}", **parts})
        assert response.status_code == 422, response.text
        problems = {item["field"]: item["message"] for item in response.json()["error"]["details"]}
        assert fragment in problems[field], problems
    assert api.get("/message-templates").json()["items"] == []
    sms = api.post("/message-templates", json={"name": "s", "channel": "sms", "html": "<p>x</p>"})
    assert sms.status_code == 422


def test_hard_bounce_and_complaint_posted_back(
    mail_world: tuple[ApiClient, Mailbox, FastAPI],
) -> None:
    api, _mailbox, _app = mail_world
    person = api.created("/persons", {"first_name": "Bo", "emails": ["bo@example.com"]})
    api.put(
        f"/persons/{person['id']}/consent",
        json={"email": {"status": "subscribed", "source": "form"}},
    )
    complaint = api.post("/email/bounces", json={"email": "BO@example.com", "type": "complaint"})
    assert complaint.json() == {
        "email": "bo@example.com",
        "type": "complaint",
        "suppressed": True,
        "unsubscribed_persons": 1,
    }
    soft = api.post("/email/bounces", json={"email": "cy@example.com", "type": "soft"})
    assert soft.json()["suppressed"] is False
    hard = api.post("/email/bounces", json={"email": "cy@example.com", "type": "hard"})
    assert hard.json()["suppressed"] is True
    reasons = {item["address"]: item["reason"] for item in api.get("/suppressions").json()["items"]}
    assert reasons == {"bo@example.com": "complaint", "cy@example.com": "hard_bounce"}
    assert api.post("/email/bounces", json={"email": "x", "type": "hard"}).status_code == 422
    assert api.post("/email/bounces", json={"email": "a@b.co", "type": "bad"}).status_code == 422


def test_template_preview_through_the_api(mail_world: tuple[ApiClient, Mailbox, FastAPI]) -> None:
    api, mailbox, _app = mail_world
    person = api.created("/persons", {"first_name": "Ann <b>", "emails": ["ann@example.com"]})
    template = api.created(
        "/message-templates",
        {
            "name": "Preview",
            "subject": "{{ person.first_name }} {{ data.step }}",
            "html": TEMPLATE_HTML,
        },
    )
    url = f"/message-templates/{template['id']}/preview"
    answer = api.post(url, json={"person_id": person["id"], "variables": {"step": "remind"}})
    assert answer.status_code == 200
    assert answer.json()["subject"] == "Ann <b> remind"
    assert "Hi Ann &lt;b&gt;," in answer.json()["html"]
    assert api.post(url, json={"person_id": 999999}).status_code == 404
    assert api.post(url, json={}).status_code == 422
    assert mailbox.recipients == []  # a preview sends nothing
