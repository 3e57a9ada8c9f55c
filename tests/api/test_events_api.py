"""GET /api/v1/events and /events/count through a live server: filters, pages, bad input."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx

from support import ApiClient
from twofold.ingest.sources import create_source
from twofold.store.database import Database

BASE = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def at(hours: int) -> str:
    return (BASE + timedelta(hours=hours)).isoformat()


def send_history(api: ApiClient, live_server: str, database: Database) -> int:
    """Seven events at known times from two sources; returns the first source's id."""
    with database.transaction() as session:
        web, web_key = create_source(session, actor=None, name="Web")
        _app, app_key = create_source(session, actor=None, name="App")
        web_id = web.id
    web_messages = [
        {"type": "track", "userId": "u-1", "event": "Viewed", "timestamp": at(hour)}
        for hour in range(5)
    ]
    app_messages = [
        {"type": "track", "userId": "u-2", "event": "Opened", "timestamp": BASE.isoformat()},
        {"type": "track", "userId": "u-1", "event": "Opened", "timestamp": BASE.isoformat()},
    ]
    for key, batch in ((web_key.secret, web_messages), (app_key.secret, app_messages)):
        answer = httpx.post(f"{live_server}/v1/batch", json={"batch": batch}, auth=(key, ""))
        assert answer.status_code == 200, answer.text
    deadline = time.monotonic() + 30
    while api.get("/events/count").json()["count"] < 7 and time.monotonic() < deadline:
        time.sleep(0.1)
    return web_id


def test_events_are_listed_newest_first_filtered_and_paged(
    api: ApiClient, live_server: str, database: Database
) -> None:
    web_id = send_history(api, live_server, database)
    assert api.get("/events/count").json() == {"count": 7}
    assert api.get("/events/count", params={"name": "Opened"}).json() == {"count": 2}
    assert api.get("/events/count", params={"source_id": web_id}).json() == {"count": 5}
    window = {"since": at(1), "until": at(3)}
    assert api.get("/events/count", params=window).json() == {"count": 2}  # since ≤ t < until

    first = api.get("/events", params={"source_id": web_id, "limit": 2}).json()
    stamps = [item["timestamp"] for item in first["items"]]
    assert stamps == ["2026-05-01T16:00:00Z", "2026-05-01T15:00:00Z"]
    second = api.get(
        "/events", params={"source_id": web_id, "limit": 2, "cursor": first["next_cursor"]}
    ).json()
    third = api.get(
        "/events", params={"source_id": web_id, "limit": 2, "cursor": second["next_cursor"]}
    ).json()
    hours = [item["timestamp"][11:13] for page in (first, second, third) for item in page["items"]]
    assert hours == ["16", "15", "14", "13", "12"]
    assert third["next_cursor"] is None
    one = first["items"][0]
    assert (one["type"], one["name"], one["user_id"], one["source_id"]) == (
        "track", "Viewed", "u-1", web_id,
    )  # fmt: skip
    person_id = one["person_id"]
    assert person_id is not None
    assert api.get("/events/count", params={"person_id": person_id}).json() == {"count": 6}


def test_bad_filters_and_cursors_are_clear_errors(
    api: ApiClient, live_server: str, database: Database
) -> None:
    for params, field in (
        ({"since": "2026-05-02T00:00:00Z", "until": "2026-05-01T00:00:00Z"}, "since"),
        ({"since": "yesterday"}, "since"),
        ({"person_id": "0"}, "person_id"),
        ({"limit": "501"}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"name": "x" * 201}, "name"),
    ):
        answer = api.get("/events", params=params)
        assert answer.status_code == 422, (params, answer.text)
        details = answer.json()["error"].get("details", [])
        assert any(field in detail["field"] for detail in details), (params, answer.text)
    assert httpx.get(f"{live_server}/api/v1/events").status_code == 401
