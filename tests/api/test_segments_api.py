"""/api/v1/segments through a live server: save → evaluate, real-time membership as events
arrive, members, checks, history, exports, and every bad input refused with nothing stored."""

from __future__ import annotations

import csv
import hashlib
import io
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from support import ApiClient, count_rows
from twofold.ingest.sources import create_source
from twofold.store.database import Database

NL = {"trait": "country", "op": "eq", "value": "NL"}
SHOES = {
    "event": "Product Viewed",
    "where": [{"property": "category", "op": "eq", "value": "shoes"}],
}


def wait_for(check: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not become true in time")
        time.sleep(0.05)


@pytest.fixture
def shop(api: ApiClient, live_server: str, database: Database) -> Callable[..., None]:
    """Send messages through /v1/batch and wait until they are stored."""
    with database.transaction() as session:
        _source, key = create_source(session, actor=None, name="Web shop")
    sent = {"count": 0}

    def send(*messages: dict[str, Any]) -> None:
        answer = httpx.post(
            f"{live_server}/v1/batch", json={"batch": list(messages)}, auth=(key.secret, "")
        )
        assert answer.status_code == 200, answer.text
        sent["count"] += len(messages)
        wait_for(lambda: api.get("/events/count").json()["count"] >= sent["count"])

    return send


def identify(user: str, email: str, country: str, phone: str | None = None) -> dict[str, Any]:
    traits: dict[str, Any] = {"email": email, "country": country, "first_name": user.title()}
    if phone:
        traits["phone"] = phone
    return {"type": "identify", "userId": user, "traits": traits}


def person_id(api: ApiClient, email: str) -> int:
    found: list[dict[str, Any]] = []

    def seen() -> bool:
        found[:] = api.get("/persons", params={"search": email}).json()["items"]
        return bool(found)

    wait_for(seen)
    return int(found[0]["id"])


def member_ids(api: ApiClient, segment_id: int) -> set[int]:
    return {item["id"] for item in api.get(f"/segments/{segment_id}/members").json()["items"]}


def test_a_saved_segment_is_evaluated_and_follows_events_in_real_time(
    api: ApiClient, shop: Callable[..., None]
) -> None:
    shop(identify("ann", "ann@example.com", "NL"), identify("bob", "bob@example.com", "BE"))
    ann, bob = person_id(api, "ann@example.com"), person_id(api, "bob@example.com")
    # The fact mirror catches up about once a second.
    wait_for(lambda: api.post("/segments/preview", json={"rule": NL}).json()["count"] == 1)

    dutch = api.created("/segments", {"name": "Dutch", "rule": NL})
    assert dutch["member_count"] == 1
    assert dutch["target"] == "persons"
    assert member_ids(api, dutch["id"]) == {ann}

    browsing = api.created("/segments", {"name": "Shoe browsers", "rule": SHOES})
    assert browsing["member_count"] == 0
    shop({"type": "track", "userId": "bob", "event": "Product Viewed",
          "properties": {"category": "shoes"}})  # fmt: skip
    wait_for(lambda: member_ids(api, browsing["id"]) == {bob})

    both_rule = {"all": [{"segment": dutch["id"]}, SHOES]}
    both = api.created("/segments", {"name": "Dutch shoe browsers", "rule": both_rule})
    assert both["member_count"] == 0
    shop({"type": "track", "userId": "ann", "event": "Product Viewed",
          "properties": {"category": "shoes"}})  # fmt: skip
    wait_for(lambda: member_ids(api, both["id"]) == {ann})

    check = api.get(f"/segments/{both['id']}/members/{ann}").json()
    assert check["member"] is True
    assert check["history"][0]["kind"] == "entered"
    assert check["history"][0]["cause"] == "event"
    assert api.get(f"/segments/{both['id']}/members/{bob}").json()["member"] is False

    # A trait change moves Ann out of "Dutch", and so out of the segment built on it.
    shop(identify("ann", "ann@example.com", "DE"))
    wait_for(lambda: member_ids(api, dutch["id"]) == set())
    wait_for(lambda: member_ids(api, both["id"]) == set())
    feed = api.get(f"/segments/{both['id']}/transitions").json()["items"]
    assert [(item["event"], item["member_id"]) for item in feed] == [
        ("Segment Entered", ann),
        ("Segment Exited", ann),
    ]
    history = api.get(f"/segments/{browsing['id']}/history", params={"days": 3}).json()["days"]
    assert [point["members"] for point in history][-1] == 2


def test_members_are_paged_and_exported(api: ApiClient, shop: Callable[..., None]) -> None:
    shop(*(identify(f"u{n}", f"U{n}@Example.com ", "NL", phone="+31612345678") for n in range(5)))
    wait_for(lambda: api.post("/segments/preview", json={"rule": NL}).json()["count"] == 5)
    segment = api.created("/segments", {"name": "Dutch", "rule": NL})

    first = api.get(f"/segments/{segment['id']}/members", params={"limit": 2}).json()
    assert len(first["items"]) == 2
    assert set(first["items"][0]) == {"id", "name", "email", "domain", "entered_at"}
    seen = [item["id"] for item in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = api.get(f"/segments/{segment['id']}/members",
                       params={"limit": 2, "cursor": cursor}).json()  # fmt: skip
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen)) == 5
    assert seen == sorted(seen)

    exported = api.get(f"/segments/{segment['id']}/export.csv")
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert rows[0] == ["id", "name", "email", "entered_at"]
    assert sorted(int(row[0]) for row in rows[1:]) == sorted(seen)

    audience = api.get(f"/segments/{segment['id']}/audience.csv", params={"format": "meta"})
    hashed = list(csv.reader(io.StringIO(audience.text)))
    assert hashed[0] == ["email_sha256", "phone_sha256"]
    emails = {row[0] for row in hashed[1:] if row[0]}
    phones = {row[1] for row in hashed[1:] if row[1]}
    assert hashlib.sha256(b"u3@example.com").hexdigest() in emails
    assert phones == {hashlib.sha256(b"31612345678").hexdigest()}
    google = api.get(f"/segments/{segment['id']}/audience.csv", params={"format": "google"})
    assert hashlib.sha256(b"+31612345678").hexdigest() in google.text
    assert api.get(f"/segments/{segment['id']}/audience.csv",
                   params={"format": "tiktok"}).status_code == 422  # fmt: skip


def test_account_segments(api: ApiClient) -> None:
    software = api.created("/accounts", {"name": "Acme", "industry": "Software"})
    api.created("/accounts", {"name": "Shop", "industry": "Retail"})
    rule = {"field": "industry", "op": "eq", "value": "Software"}
    wait_for(lambda: api.post("/segments/preview", json={"target": "accounts", "rule": rule})
             .json()["count"] == 1)  # fmt: skip
    segment = api.created("/segments", {"name": "Software", "target": "accounts", "rule": rule})
    members = api.get(f"/segments/{segment['id']}/members").json()["items"]
    assert [(m["id"], m["name"]) for m in members] == [(software["id"], "Acme")]
    # An account segment cannot be used where persons are expected, nor the other way.
    mixed = api.post("/segments", json={"name": "Mixed", "rule": {"segment": segment["id"]}})
    assert mixed.status_code == 422
    assert "targets accounts" in mixed.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"name": "x", "rule": {"trait": "country", "op": "like", "value": "N"}}, "rule.op"),
        ({"name": "x", "rule": {"all": [NL, {"event": ""}]}}, "rule.all[1].event"),
        ({"name": "x", "rule": {"segment": 99999}}, "rule"),
        ({"name": "x", "rule": {"field": "industry", "op": "eq", "value": "x"}}, "rule"),
        ({"name": "x", "target": "accounts", "rule": NL}, "rule"),
    ],
)
def test_bad_rules_are_refused_with_their_path(
    api: ApiClient, database: Database, body: dict[str, Any], path: str
) -> None:
    answer = api.post("/segments", json=body)
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "validation_error"
    assert any(detail["field"] == path for detail in error["details"]), error
    assert count_rows(database, "segments") == 0


def test_bad_requests_store_nothing(api: ApiClient, database: Database) -> None:
    first = api.created("/segments", {"name": "Dutch", "rule": NL})
    for body in (
        {"name": "Dutch", "rule": NL},  # the name is taken
        {"name": "", "rule": NL},
        {"name": "y", "target": "companies", "rule": NL},
        {"name": "y", "rule": NL, "colour": "red"},
        {"name": "y"},
    ):
        answer = api.post("/segments", json=body)
        assert answer.status_code in {409, 422}, (body, answer.text)
        assert answer.json()["error"]["message"]
    assert count_rows(database, "segments") == 1
    assert api.post("/segments/preview", json={"rule": {"not": []}}).status_code == 422
    assert api.get("/segments/99999").status_code == 404
    assert api.get(f"/segments/{first['id']}/members", params={"cursor": "abc"}).status_code == 422
    assert api.get(f"/segments/{first['id']}/members", params={"limit": 501}).status_code == 422


def test_cycles_and_references_are_guarded(api: ApiClient, database: Database) -> None:
    a = api.created("/segments", {"name": "A", "rule": NL})
    b = api.created("/segments", {"name": "B", "rule": {"segment": a["id"]}})
    c = api.created("/segments", {"name": "C", "rule": {"not": {"segment": b["id"]}}})
    cycle = api.patch(f"/segments/{a['id']}", json={"rule": {"segment": c["id"]}})
    assert cycle.status_code == 422
    assert "cycle" in cycle.json()["error"]["message"]
    itself = api.patch(f"/segments/{a['id']}", json={"rule": {"segment": a["id"]}})
    assert itself.status_code == 422
    assert api.get(f"/segments/{a['id']}").json()["rule"] == NL  # unchanged
    assert api.delete(f"/segments/{a['id']}").status_code == 409
    assert api.delete(f"/segments/{c['id']}").status_code == 204
    assert api.get(f"/segments/{c['id']}").status_code == 404
    assert count_rows(database, "segments") == 2


def test_changes_need_the_current_version(api: ApiClient) -> None:
    segment = api.created("/segments", {"name": "Dutch", "rule": NL})
    stale = api.patch(f"/segments/{segment['id']}", json={"name": "NL"},
                      headers={"If-Match": '"999"'})  # fmt: skip
    assert stale.status_code == 412
    fresh = api.get(f"/segments/{segment['id']}")
    renamed = api.patch(f"/segments/{segment['id']}", json={"name": "NL"},
                        headers={"If-Match": fresh.headers["ETag"]})  # fmt: skip
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "NL"


def test_roles(api: ApiClient) -> None:
    segment = api.created("/segments", {"name": "Dutch", "rule": NL})
    viewer, _ = api.as_new_user("viewer")
    assert viewer.get("/segments").status_code == 200
    assert viewer.post("/segments", json={"name": "V", "rule": NL}).status_code == 403
    rep, _ = api.as_new_user("rep")
    own = rep.post("/segments", json={"name": "Mine", "rule": NL})
    assert own.status_code == 201
    assert rep.patch(f"/segments/{own.json()['id']}", json={"name": "Mine!"}).status_code == 200
    assert rep.patch(f"/segments/{segment['id']}", json={"name": "Theirs"}).status_code == 403
    assert rep.get(f"/segments/{segment['id']}/export.csv").status_code == 403
    marketer, _ = api.as_new_user("marketer")
    assert marketer.get(f"/segments/{segment['id']}/audience.csv").status_code == 200
    anonymous = httpx.get(f"{api.server_url}/api/v1/segments")
    assert anonymous.status_code == 401
