"""The Segment-compatible endpoints on a live server, checked against what DuckDB stored."""

from __future__ import annotations

import base64
import gzip
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest
from ingest_support import LiveIngestion, new_source

from twofold.ingest.messages import MAX_BATCH_BYTES, MAX_MESSAGE_BYTES
from twofold.ingest.sources import issue_write_key, revoke_write_key
from twofold.store.models import Source, User

SINGLE: dict[str, dict[str, Any]] = {
    "track": {"userId": "u-1", "event": "Order Completed", "messageId": "m-track"},
    "identify": {"userId": "u-1", "traits": {"plan": "pro"}, "messageId": "m-identify"},
    "page": {"anonymousId": "a-1", "name": "Pricing", "messageId": "m-page"},
    "screen": {"userId": "u-1", "name": "Home", "messageId": "m-screen"},
    "group": {"userId": "u-1", "groupId": "acme", "messageId": "m-group"},
    "alias": {"previousId": "a-1", "userId": "u-1", "messageId": "m-alias"},
}


def track(message_id: str, **fields: Any) -> dict[str, Any]:
    return {"type": "track", "userId": "u-1", "event": "Viewed", "messageId": message_id, **fields}


def assert_refused(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    assert body["error"]["code"] == code
    assert body["message"] == body["error"]["message"]
    return body


def test_each_endpoint_accepts_a_valid_message(live_ingestion: LiveIngestion) -> None:
    for kind, message in SINGLE.items():
        response = live_ingestion.post(f"/v1/{kind}", message, write_key=live_ingestion.write_key)
        assert response.status_code == 200, response.text
        assert response.json() == {"success": True}
    batch = {"batch": [track("m-batch-1"), {**SINGLE["page"], "type": "page", "messageId": "m-b2"}]}
    response = live_ingestion.post("/v1/batch", batch, write_key=live_ingestion.write_key)
    assert response.status_code == 200, response.text
    assert response.json() == {"success": True, "accepted": 2}
    assert live_ingestion.events(
        "message_id, source_id, type, name, user_id, anonymous_id, previous_id, group_id"
    ) == [
        ("m-alias", live_ingestion.source_id, "alias", None, "u-1", None, "a-1", None),
        ("m-b2", live_ingestion.source_id, "page", "Pricing", None, "a-1", None, None),
        ("m-batch-1", live_ingestion.source_id, "track", "Viewed", "u-1", None, None, None),
        ("m-group", live_ingestion.source_id, "group", None, "u-1", None, None, "acme"),
        ("m-identify", live_ingestion.source_id, "identify", None, "u-1", None, None, None),
        ("m-page", live_ingestion.source_id, "page", "Pricing", None, "a-1", None, None),
        ("m-screen", live_ingestion.source_id, "screen", "Home", "u-1", None, None, None),
        ("m-track", live_ingestion.source_id, "track", "Order Completed", "u-1", None, None, None),
    ]


def test_the_write_key_works_as_basic_auth_user_or_in_the_body(
    live_ingestion: LiveIngestion,
) -> None:
    key = live_ingestion.write_key
    as_user_and_password = base64.b64encode(f"{key}:ignored".encode()).decode()
    sends = [
        live_ingestion.post("/v1/track", track("m-basic"), write_key=key),
        live_ingestion.post(
            "/v1/track",
            track("m-basic-password"),
            headers={"Authorization": f"Basic {as_user_and_password}"},
        ),
        live_ingestion.post("/v1/track", {**track("m-body"), "writeKey": key}),
        live_ingestion.post("/v1/batch", {"batch": [track("m-batch-body")], "writeKey": key}),
    ]
    assert [response.status_code for response in sends] == [200, 200, 200, 200]
    stored = live_ingestion.events("message_id, source_id, properties, context")
    assert [(row[0], row[1]) for row in stored] == [
        ("m-basic", live_ingestion.source_id),
        ("m-basic-password", live_ingestion.source_id),
        ("m-batch-body", live_ingestion.source_id),
        ("m-body", live_ingestion.source_id),
    ]
    assert all(key not in str(row) for row in stored)


def test_missing_unknown_and_revoked_keys_are_refused(
    live_ingestion: LiveIngestion, admin: User
) -> None:
    database = live_ingestion.database
    with database.transaction() as session:
        source = session.get(Source, live_ingestion.source_id)
        assert source is not None
        spare = issue_write_key(session, source=source)
    assert (
        live_ingestion.post("/v1/track", track("m-ok"), write_key=spare.secret).status_code == 200
    )
    with database.transaction() as session:
        revoke_write_key(session, actor=session.merge(admin), key_id=spare.record.id)
    live_ingestion.ingestion.write_keys.forget()  # what the server's revoke endpoint does

    missing = live_ingestion.post("/v1/track", track("m-1"))
    assert_refused(missing, 401, "missing_write_key")
    assert missing.headers["WWW-Authenticate"].startswith("Basic")
    assert_refused(
        live_ingestion.post("/v1/batch", {"batch": [track("m-2")]}), 401, "missing_write_key"
    )
    assert_refused(
        live_ingestion.post("/v1/track", track("m-3"), write_key="wk_not_a_key"),
        401,
        "invalid_write_key",
    )
    assert_refused(
        live_ingestion.post("/v1/track", {**track("m-4"), "writeKey": "wk_not_a_key"}),
        401,
        "invalid_write_key",
    )
    assert_refused(
        live_ingestion.post("/v1/track", track("m-5"), headers={"Authorization": "Basic %%%"}),
        401,
        "missing_write_key",
    )
    assert_refused(
        live_ingestion.post("/v1/track", track("m-6"), write_key=spare.secret),
        401,
        "invalid_write_key",
    )
    # The source's other key still works.
    ok = live_ingestion.post("/v1/track", track("m-7"), write_key=live_ingestion.write_key)
    assert ok.status_code == 200
    assert [row[0] for row in live_ingestion.events()] == ["m-7", "m-ok"]


@pytest.mark.parametrize("path", ["/v1/track", "/v1/batch"])
@pytest.mark.parametrize("body", [b"not json", b'{"userId": "u-1",', b""])
def test_a_body_that_is_not_json_is_refused(
    live_ingestion: LiveIngestion, path: str, body: bytes
) -> None:
    response = live_ingestion.post(path, body, write_key=live_ingestion.write_key)
    assert_refused(response, 400, "invalid_json")
    assert live_ingestion.events() == []


@pytest.mark.parametrize(
    "body",
    [b"this is not gzip", gzip.compress(orjson.dumps(track("m-1")))[:-12]],
    ids=["garbage", "truncated"],
)
def test_a_broken_gzip_body_is_refused(live_ingestion: LiveIngestion, body: bytes) -> None:
    response = live_ingestion.post(
        "/v1/track",
        body,
        write_key=live_ingestion.write_key,
        headers={"Content-Encoding": "gzip"},
    )
    assert_refused(response, 400, "invalid_gzip")
    assert live_ingestion.events() == []


def test_gzip_bodies_are_accepted(live_ingestion: LiveIngestion) -> None:
    key = live_ingestion.write_key
    single = live_ingestion.post("/v1/track", track("m-single"), write_key=key, compress=True)
    batch = live_ingestion.post(
        "/v1/batch", {"batch": [track("m-b1"), track("m-b2")]}, write_key=key, compress=True
    )
    assert (single.status_code, batch.status_code) == (200, 200)
    assert [row[0] for row in live_ingestion.events()] == ["m-b1", "m-b2", "m-single"]


def padded(message_id: str, size: int) -> dict[str, Any]:
    """A track message whose JSON is exactly ``size`` bytes."""
    message = track(message_id, properties={"pad": ""})
    message["properties"]["pad"] = "x" * (size - len(orjson.dumps(message)))
    return message


def test_a_message_over_32_kb_is_refused(live_ingestion: LiveIngestion) -> None:
    key = live_ingestion.write_key
    too_big = live_ingestion.post(
        "/v1/track", padded("m-big", MAX_MESSAGE_BYTES + 1), write_key=key
    )
    body = assert_refused(too_big, 400, "message_too_large")
    assert str(MAX_MESSAGE_BYTES) in body["message"]
    # The same over gzip (small on the wire) and inside a batch.
    zipped = live_ingestion.post(
        "/v1/track", padded("m-big-gz", MAX_MESSAGE_BYTES + 1), write_key=key, compress=True
    )
    assert_refused(zipped, 400, "message_too_large")
    batch = live_ingestion.post(
        "/v1/batch",
        {"batch": [padded("m-big-in-batch", MAX_MESSAGE_BYTES + 1), track("m-small")]},
        write_key=key,
    )
    assert batch.status_code == 200, batch.text
    assert batch.json()["rejected"] == [
        {
            "index": 0,
            "messageId": "m-big-in-batch",
            "code": "message_too_large",
            "field": "",
            "message": f"a message may be at most {MAX_MESSAGE_BYTES} bytes",
        }
    ]
    just_fits = live_ingestion.post("/v1/track", padded("m-fits", MAX_MESSAGE_BYTES), write_key=key)
    assert just_fits.status_code == 200, just_fits.text
    assert [row[0] for row in live_ingestion.events()] == ["m-fits", "m-small"]


def oversized_batch(size: int) -> bytes:
    """A batch of valid 20 KB messages, just over ``size`` bytes in all."""
    messages = [padded(f"m-{number}", 20_000) for number in range(size // 20_000 + 1)]
    body = orjson.dumps({"batch": messages})
    assert size < len(body) < size + 20_100
    return body


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_a_batch_over_500_kb_is_refused_with_the_limit(
    live_ingestion: LiveIngestion, compress: bool
) -> None:
    body = oversized_batch(MAX_BATCH_BYTES + 1)
    assert len(body) < 600_000
    response = live_ingestion.post(
        "/v1/batch", body, write_key=live_ingestion.write_key, compress=compress
    )
    refused = assert_refused(response, 400, "batch_too_large")
    assert str(MAX_BATCH_BYTES) in refused["message"]
    assert live_ingestion.events() == []


def test_a_batch_over_the_request_limit_names_the_batch_limit(
    live_ingestion: LiveIngestion,
) -> None:
    # Bodies over Settings.max_body_bytes (1 MB) are refused by the BodySizeLimit middleware.
    # BUG (minor): its message names 1000000 bytes, not the 500 KB batch limit clients must
    # respect.
    response = live_ingestion.post(
        "/v1/batch", oversized_batch(1_200_000), write_key=live_ingestion.write_key
    )
    refused = assert_refused(response, 400, "batch_too_large")
    assert str(MAX_BATCH_BYTES) in refused["message"]


def test_a_batch_keeps_its_good_messages_and_lists_the_bad(
    live_ingestion: LiveIngestion,
) -> None:
    batch = {
        "batch": [
            track("m-good-1"),
            {"type": "track", "userId": "u-1", "messageId": "m-no-event"},
            {"type": "identify", "userId": "null", "messageId": "m-blocked"},
            "not an object",
            {"type": "alias", "userId": "u-1", "messageId": "m-alias"},
            {**SINGLE["group"], "type": "group", "messageId": "m-good-2"},
            {"type": "explode", "userId": "u-1"},
        ],
        "context": {"library": {"name": "custom", "version": "1"}},
    }
    response = live_ingestion.post("/v1/batch", batch, write_key=live_ingestion.write_key)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True
    assert body["accepted"] == 2
    assert [
        (item["index"], item["messageId"], item["code"], item["field"]) for item in body["rejected"]
    ] == [
        (1, "m-no-event", "missing_field", "event"),
        (2, "m-blocked", "blocked_identifier", "userId"),
        (3, None, "invalid_message", ""),
        (4, "m-alias", "missing_field", "previousId"),
        (6, None, "invalid_type", "type"),
    ]
    stored = live_ingestion.events("message_id, type, context")
    assert [(row[0], row[1]) for row in stored] == [("m-good-1", "track"), ("m-good-2", "group")]
    # The batch's context is given to messages that have none.
    assert orjson.loads(stored[0][2]) == {"library": {"name": "custom", "version": "1"}}


def test_a_batch_with_no_valid_message_is_refused(live_ingestion: LiveIngestion) -> None:
    batch = {"batch": [{"type": "track", "userId": "u-1"}, {"type": "page", "userId": "0"}]}
    response = live_ingestion.post("/v1/batch", batch, write_key=live_ingestion.write_key)
    body = assert_refused(response, 400, "missing_field")
    assert body["message"].startswith("no message was valid; message 0: ")
    assert live_ingestion.events() == []


@pytest.mark.parametrize(
    "document", [{"batch": {"m": 1}}, {"messages": []}, [track("m-1")]], ids=repr
)
def test_a_batch_must_hold_a_list(live_ingestion: LiveIngestion, document: object) -> None:
    response = live_ingestion.post("/v1/batch", document, write_key=live_ingestion.write_key)
    assert_refused(response, 400, "invalid_batch")


def test_an_empty_batch_stores_nothing(live_ingestion: LiveIngestion) -> None:
    response = live_ingestion.post("/v1/batch", {"batch": []}, write_key=live_ingestion.write_key)
    assert response.status_code == 200
    assert response.json() == {"success": True, "accepted": 0}
    assert live_ingestion.events() == []


@pytest.mark.parametrize(
    "bad",
    [
        orjson.dumps({"type": ["track"], "userId": "u-1", "messageId": "m-bad"}),
        orjson.dumps(
            track("m-bad", timestamp="0001-01-01T00:00:00Z", sentAt="2999-01-01T00:00:00Z")
        ),
        b'{"type": "track", "userId": "u", "event": "x", "messageId": "m-bad", "properties": '
        + b'{"a":' * 300
        + b"1"
        + b"}" * 300
        + b"}",
    ],
    ids=["type-is-a-list", "timestamp-overflows", "nested-300-deep"],
)
def test_one_malformed_message_does_not_sink_its_batch(
    live_ingestion: LiveIngestion, bad: bytes
) -> None:
    # BUG: these raise TypeError / OverflowError instead of MessageRejected (see
    # test_messages.py), so the whole batch is refused (500, or 422 validation_failed) and
    # the Segment client retries it forever or drops the good messages with it.
    batch = b'{"batch": [' + orjson.dumps(track("m-good")) + b", " + bad + b"]}"
    response = live_ingestion.post("/v1/batch", batch, write_key=live_ingestion.write_key)
    assert response.status_code == 200, response.text
    assert [item["index"] for item in response.json()["rejected"]] == [1]
    assert [row[0] for row in live_ingestion.events()] == ["m-good"]


def test_the_same_message_id_twice_is_stored_once(live_ingestion: LiveIngestion) -> None:
    key = live_ingestion.write_key
    for _ in range(2):
        assert live_ingestion.post("/v1/track", track("m-retry"), write_key=key).status_code == 200
    live_ingestion.ingestion.flush()  # the repeat arrives in a later journal segment
    repeat = {"batch": [track("m-retry"), track("m-twin"), track("m-twin")]}
    assert live_ingestion.post("/v1/batch", repeat, write_key=key).status_code == 200
    assert live_ingestion.events("message_id, source_id") == [
        ("m-retry", live_ingestion.source_id),
        ("m-twin", live_ingestion.source_id),
    ]
    # Another source may use the same messageId: it is a different event.
    other_id, other_key = new_source(live_ingestion.database, "App")
    assert (
        live_ingestion.post("/v1/track", track("m-retry"), write_key=other_key).status_code == 200
    )
    assert live_ingestion.events("message_id, source_id") == [
        ("m-retry", live_ingestion.source_id),
        ("m-retry", other_id),
        ("m-twin", live_ingestion.source_id),
    ]


def test_client_clock_skew_is_corrected_end_to_end(live_ingestion: LiveIngestion) -> None:
    now = datetime.now(UTC)
    fast = now + timedelta(hours=1)  # the client's clock is an hour ahead
    batch = {
        "batch": [track("m-skewed", timestamp=(fast - timedelta(minutes=5)).isoformat())],
        "sentAt": fast.isoformat(),
    }
    response = live_ingestion.post("/v1/batch", batch, write_key=live_ingestion.write_key)
    assert response.status_code == 200
    ((timestamp, received_at, original),) = live_ingestion.events(
        "timestamp, received_at, original_timestamp"
    )
    assert received_at - timestamp == timedelta(minutes=5)
    assert abs(received_at - now.replace(tzinfo=None)) < timedelta(seconds=30)
    on_client_clock = (fast - timedelta(minutes=5)).replace(tzinfo=None)
    assert original == on_client_clock.replace(
        microsecond=on_client_clock.microsecond // 1000 * 1000
    )
