"""Web forms and leads over HTTP: form definitions, the public endpoint (form-encoded and
JSON, CORS, honeypot, flood limit, bad input with nothing stored), consent, the lead inbox,
updates, bulk assignment, scoring rules, assignment rules, conversion, the webhook feed."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from support import ApiClient, count_rows
from twofold.messaging.webhooks.subscriptions import create_subscription
from twofold.store.models import FeedCursor, User, WebhookDelivery

FIELDS: list[dict[str, Any]] = [
    {"name": "email", "type": "email"},
    {"name": "name", "type": "text", "required": True},
    {"name": "company", "type": "text"},
    {"name": "title", "type": "text"},
    {"name": "country", "type": "country"},
    {"name": "phone", "type": "phone"},
    {"name": "size", "type": "select", "options": ["1-50", "51-500", "500+"]},
]
GOOD = {"email": "Vera@Acme.com", "name": "Vera Vos", "company": "Acme", "title": "VP Sales"}
STORED = ("form_submissions", "leads", "persons", "consent_states")


def make_form(api: ApiClient, **fields: Any) -> dict[str, Any]:
    return api.created("/forms", {"name": "Contact sales", "fields": FIELDS, **fields})


def public(api: ApiClient) -> httpx.Client:
    return httpx.Client(base_url=api.server_url, timeout=30)


def stored(api: ApiClient) -> list[int]:
    return [count_rows(api.database, table) for table in STORED]


def test_form_definition_api_and_bad_definitions(api: ApiClient) -> None:
    form = make_form(api, consent_text="Send me news", redirect_url="https://acme.example/thanks")
    assert form["token"].startswith("frm_")
    assert form["public_path"] == f"/f/{form['token']}"
    assert form["fields"][0] == {
        "name": "email",
        "label": "Email",
        "type": "email",
        "required": True,
        "options": [],
    }
    snippet = api.get(f"/forms/{form['id']}/snippet").json()["html"]
    assert f'action="http://127.0.0.1:8000/f/{form["token"]}"' in snippet
    assert 'name="fax" tabindex="-1"' in snippet  # the honeypot
    assert 'name="consent"' in snippet
    changed = api.patch(f"/forms/{form['id']}", json={"active": False}, headers={"If-Match": '"1"'})
    assert changed.status_code == 200, changed.text
    assert (
        api.patch(f"/forms/{form['id']}", json={}, headers={"If-Match": '"1"'}).status_code == 412
    )
    old = form["token"]
    assert api.post(f"/forms/{form['id']}/token").json()["token"] != old
    bad = [
        {"name": "x", "fields": [{"name": "company"}]},  # no email
        {"name": "x", "fields": [{"name": "email", "type": "text"}]},
        {"name": "x", "fields": [{"name": "email", "type": "email"}, {"name": "Bad Name"}]},
        {"name": "x", "fields": [{"name": "email", "type": "email"}, {"name": "fax"}]},
        {"name": "x", "fields": [{"name": "email", "type": "email"}] * 2},
        {
            "name": "x",
            "fields": [{"name": "email", "type": "email"}, {"name": "s", "type": "select"}],
        },
        {"name": "x", "fields": [{"name": "email", "type": "email"}], "redirect_url": "ftp://x"},
        {"name": "x", "fields": [{"name": "email", "type": "email"}], "limit_per_address": 0},
        {"name": "Contact sales", "fields": [{"name": "email", "type": "email"}]},  # taken
        {"name": "x"},
    ]
    for body in bad:
        response = api.post("/forms", json=body)
        assert response.status_code in {409, 422}, (body, response.text)
        assert "error" in response.json()
    assert len(api.get("/forms").json()) == 1
    rep, _user = api.as_new_user("rep")
    assert rep.post("/forms", json={"name": "Mine", "fields": FIELDS}).status_code == 403


def test_json_and_form_encoded_submissions_make_one_lead_per_person(api: ApiClient) -> None:
    form = make_form(api, consent_text="Send me news")
    with public(api) as client:
        first = client.post(
            f"/f/{form['token']}", json={**GOOD, "consent": True, "utm_source": "ads"}
        )
        assert first.status_code == 201, first.text
        assert first.json()["ok"] is True
        assert first.headers["access-control-allow-origin"] == "*"
        second = client.post(
            f"/f/{form['token']}",
            data={"email": "vera@acme.com", "name": "Vera Vos", "country": "nl", "size": "51-500"},
            headers={"Accept": "text/html"},
        )
        assert second.status_code == 200
        assert "Thank you" in second.text
        preflight = client.options(f"/f/{form['token']}")
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-methods"] == "POST"
    leads = api.get("/leads").json()["items"]
    assert len(leads) == 1  # the second submission added to the open lead
    lead = leads[0]
    assert (lead["email"], lead["company"], lead["domain"], lead["country"]) == (
        "vera@acme.com",
        "Acme",
        "acme.com",
        "NL",
    )
    assert lead["fields"]["utm_source"] == "ads"
    assert lead["fields"]["size"] == "51-500"
    assert lead["source"] == "form"
    assert lead["form_id"] == form["id"]
    assert lead["score"] == 10  # the default rules: title contains "VP"
    person = api.get(f"/persons/{lead['person_id']}").json()
    assert (person["first_name"], person["last_name"], person["lifecycle_stage"]) == (
        "Vera",
        "Vos",
        "lead",
    )
    consent = api.get(f"/persons/{lead['person_id']}/consent").json()
    assert (consent["email"]["status"], consent["email"]["source"]) == (
        "subscribed",
        "form: Contact sales",
    )
    submissions = api.get(f"/forms/{form['id']}/submissions").json()
    assert [s["consent_given"] for s in submissions] == [False, True]
    kinds = [entry["kind"] for entry in api.get(f"/leads/{lead['id']}/timeline").json()]
    assert kinds == ["form_submitted", "form_submitted", "created"]


def test_redirect_after_a_browser_post(api: ApiClient) -> None:
    form = make_form(api, redirect_url="https://acme.example/thanks")
    with public(api) as client:
        response = client.post(f"/f/{form['token']}", data=GOOD, headers={"Accept": "text/html"})
        assert response.status_code == 303
        assert response.headers["location"] == "https://acme.example/thanks"
        page = client.get(f"/f/{form['token']}")
        assert page.status_code == 200
        assert 'name="email"' in page.text
        assert "form-action 'self' https://acme.example" in page.headers["content-security-policy"]


def test_a_filled_honeypot_is_answered_alike_and_stores_nothing(api: ApiClient) -> None:
    form = make_form(api)
    with public(api) as client:
        response = client.post(f"/f/{form['token']}", json={**GOOD, "fax": "+1 555 0100"})
    assert response.status_code == 201
    assert response.json() == {"ok": True, "message": "Thank you — we received your message."}
    with public(api) as client:  # whatever else the bot sent
        garbage = client.post(f"/f/{form['token']}", json={"fax": "x", "email": "no", "zz": 1})
    assert (garbage.status_code, garbage.json()) == (201, response.json())
    assert stored(api) == [0, 0, 0, 0]


def test_a_flood_gets_429_with_json_and_nothing_more_is_stored(api: ApiClient) -> None:
    form = make_form(api, limit_per_address=3, limit_per_form=1000)
    other = api.created("/forms", {"name": "Other", "fields": FIELDS, "limit_per_form": 2})
    with public(api) as client:
        for index in range(3):
            body = {**GOOD, "email": f"p{index}@acme.com"}
            assert client.post(f"/f/{form['token']}", json=body).status_code == 201
        before = stored(api)
        for index in range(5):
            flood = client.post(f"/f/{form['token']}", json={**GOOD, "email": f"f{index}@x.com"})
            assert flood.status_code == 429
            assert flood.json()["error"]["code"] == "rate_limited"
            assert 3000 < int(flood.headers["retry-after"]) <= 3600
        assert stored(api) == before
        # Another form has limits of its own: two in total, from anywhere.
        assert client.post(f"/f/{other['token']}", json=GOOD).status_code == 201
        assert (
            client.post(f"/f/{other['token']}", json={**GOOD, "email": "b@b.com"}).status_code
            == 201
        )
        assert client.post(f"/f/{other['token']}", json=GOOD).status_code == 429


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**GOOD, "email": "not-an-email"}, "email"),
        ({"email": "a@acme.com"}, "name"),  # required
        ({**GOOD, "phone": "12"}, "phone"),
        ({**GOOD, "country": "Narnia"}, "country"),
        ({**GOOD, "size": "huge"}, "size"),
        ({**GOOD, "company": "x" * 501}, "company"),
        ({**GOOD, "company": "bell\x07"}, "company"),
        ({**GOOD, "shoe_size": "44"}, "shoe_size"),
        ({**GOOD, "name": {"first": "Vera"}}, "name"),
        ({**GOOD, "consent": "maybe"}, "consent"),
    ],
)
def test_bad_submissions_are_422_with_the_field_and_store_nothing(
    api: ApiClient, body: dict[str, Any], field: str
) -> None:
    form = make_form(api)
    with public(api) as client:
        response = client.post(f"/f/{form['token']}", json=body)
    assert response.status_code == 422, response.text
    assert field in [detail["field"] for detail in response.json()["error"]["details"]]
    assert stored(api) == [0, 0, 0, 0]


def test_malformed_requests_are_refused(api: ApiClient) -> None:
    form = make_form(api)
    path = f"/f/{form['token']}"
    with public(api) as client:
        assert client.post("/f/frm_nope", json=GOOD).status_code == 404
        assert (
            client.post(
                path, content=b"[1]", headers={"Content-Type": "application/json"}
            ).status_code
            == 422
        )
        assert (
            client.post(
                path, content=b"{oops", headers={"Content-Type": "application/json"}
            ).status_code
            == 422
        )
        assert (
            client.post(
                path, content=b"email=a", headers={"Content-Type": "text/plain"}
            ).status_code
            == 422
        )
        twice = client.post(
            path,
            content=b"email=a%40b.com&email=c%40d.com&name=x",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert twice.status_code == 422
        big = client.post(path, json={**GOOD, "company": "x" * 70_000})
        assert big.status_code == 413
        assert big.json()["error"]["code"] == "payload_too_large"
        html = client.post(path, data={"email": "nope"}, headers={"Accept": "text/html"})
        assert html.status_code == 422
        assert "Please check the form" in html.text
    api.patch(f"/forms/{form['id']}", json={"active": False})
    with public(api) as client:
        assert client.post(path, json=GOOD).status_code == 404
    assert stored(api) == [0, 0, 0, 0]


def test_lead_inbox_updates_bulk_assignment_and_conversion(api: ApiClient) -> None:
    rep, rep_user = api.as_new_user("rep")
    acme = api.created("/accounts", {"name": "Acme", "domains": ["acme.com"]})
    api.put(
        "/leads/scoring",
        json={"fit": [{"field": "title", "op": "contains", "value": "VP", "points": 10}]},
    ).raise_for_status()
    vp = api.created("/leads", {"email": "vp@acme.com", "title": "VP Ops", "company": "Acme"})
    cto = api.created("/leads", {"email": "cto@other.io", "title": "CTO", "owner_id": rep_user.id})
    assert (vp["score"], cto["score"]) == (10, 0)
    assert vp["score_reasons"] == [
        {"kind": "fit", "rule": "title contains VP", "points": 10, "detail": ""}
    ]
    ids = lambda query: [lead["id"] for lead in api.get("/leads", params=query).json()["items"]]  # noqa: E731
    assert ids({}) == [vp["id"], cto["id"]]
    assert ids({"min_score": 5}) == [vp["id"]]
    assert ids({"owner_id": rep_user.id}) == [cto["id"]]
    assert ids({"unassigned": "true"}) == [vp["id"]]  # no rules, no fallback: nobody
    assert ids({"search": "other.io"}) == [cto["id"]]
    assert ids({"status": "new", "sort": "id"}) == [vp["id"], cto["id"]]
    working = api.patch(f"/leads/{vp['id']}", json={"status": "working"})
    assert working.json()["status"] == "working"
    assert api.post(
        "/leads/assign", json={"lead_ids": [vp["id"], cto["id"]], "owner_id": rep_user.id}
    ).json() == {"changed": 1}
    assert (
        rep.post("/leads/assign", json={"lead_ids": [vp["id"]], "owner_id": 1}).status_code == 403
    )
    converted = rep.post(
        f"/leads/{vp['id']}/convert", json={"deal": {"amount": "5000", "currency": "EUR"}}
    )
    assert converted.status_code == 200, converted.text
    result = converted.json()
    assert (result["account_id"], result["account_created"]) == (acme["id"], False)
    assert result["person_id"] == vp["person_id"]
    assert result["lead"]["status"] == "converted"
    deal = api.get(f"/deals/{result['deal_id']}").json()
    assert (deal["account_id"], deal["amount"], deal["owner_id"]) == (
        acme["id"],
        "5000.00",
        rep_user.id,
    )
    again = rep.post(f"/leads/{vp['id']}/convert", json={})
    assert again.status_code == 409
    assert api.patch(f"/leads/{vp['id']}", json={"status": "new"}).status_code == 409


def test_lead_bad_input(api: ApiClient) -> None:
    before = stored(api)
    bad_creates = [
        {"email": "nope"},
        {"email": "a@b.com", "country": "XX"},
        {"email": "a@b.com", "phone": "12"},
        {"email": "a@b.com", "owner_id": 999},
        {"email": "a@b.com", "unknown": 1},
        {},
    ]
    for body in bad_creates:
        response = api.post("/leads", json=body)
        assert response.status_code == 422, (body, response.text)
    assert stored(api) == before
    lead = api.created("/leads", {"email": "a@b.com"})
    for body in ({"status": "converted"}, {"status": "maybe"}, {"owner_id": 999}, {"domain": "x"}):
        assert api.patch(f"/leads/{lead['id']}", json=body).status_code == 422, body
    assert api.post("/leads/assign", json={"lead_ids": [], "owner_id": 1}).status_code == 422
    assert (
        api.post("/leads/assign", json={"lead_ids": [lead["id"], 999], "owner_id": 1}).status_code
        == 422
    )
    assert api.get("/leads/999").status_code == 404
    assert api.get("/leads", params={"status": "hot"}).status_code == 422
    assert api.get("/leads", params={"sort": "email"}).status_code == 422
    assert api.put("/leads/scoring", json={"fit": [{"field": "nope"}]}).status_code == 422
    assert (
        api.post("/leads/assignment-rules", json={"name": "x", "user_ids": []}).status_code == 422
    )
    assert api.put("/leads/assignment-fallback", json={"fallback_owner_id": 999}).status_code == 422
    viewer, _user = api.as_new_user("viewer")
    assert viewer.post("/leads", json={"email": "v@b.com"}).status_code == 403
    assert viewer.put("/leads/scoring", json={}).status_code == 403


def test_assignment_rules_over_http(api: ApiClient) -> None:
    _rep, ann = api.as_new_user("rep")
    _rep, bob = api.as_new_user("rep")
    rule = api.created(
        "/leads/assignment-rules",
        {"name": "Benelux", "countries": ["NL"], "user_ids": [ann.id, bob.id]},
    )
    assert rule["next_index"] == 0
    owners = [
        api.created("/leads", {"email": f"x{i}@n{i}.nl", "country": "NL"})["owner_id"]
        for i in range(3)
    ]
    assert owners == [ann.id, bob.id, ann.id]
    assert api.get("/leads/assignment-rules").json()[0]["next_index"] == 1
    assert api.put("/leads/assignment-fallback", json={"fallback_owner_id": bob.id}).json() == {
        "fallback_owner_id": bob.id
    }
    assert api.created("/leads", {"email": "us@us.com", "country": "US"})["owner_id"] == bob.id
    assert api.delete(f"/leads/assignment-rules/{rule['id']}").status_code == 204


def test_form_submissions_feed_the_webhooks(api: ApiClient, admin: User) -> None:
    form = make_form(api)
    with api.database.transaction() as session:
        create_subscription(
            session,
            actor=session.merge(admin),
            url="https://hooks.example/in",
            event_types=["form.submitted"],
            description="",
            installation_key="test-secret",
        )
    # The server's webhook thread fans the feeds out; a feed seen first starts at its end.
    wait_for(lambda: _cursor(api, "form_submissions") is not None)
    with public(api) as client:
        client.post(f"/f/{form['token']}", json=GOOD).raise_for_status()
    wait_for(lambda: count_rows(api.database, "webhook_deliveries") > 0)
    time.sleep(0.5)
    with api.database.transaction() as session:
        delivery = session.query(WebhookDelivery).one()  # exactly once
        assert delivery.event_type == "form.submitted"
        data = delivery.payload["data"]
        assert data["form_id"] == form["id"]
        assert data["values"]["email"] == "vera@acme.com"
        assert data["lead_id"] == api.get("/leads").json()["items"][0]["id"]


def _cursor(api: ApiClient, name: str) -> FeedCursor | None:
    with api.database.transaction(write=False) as session:
        return session.get(FeedCursor, name)


def wait_for(condition: Callable[[], bool], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)
