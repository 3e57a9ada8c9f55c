"""Per-message checks and the journal line: required fields, identifiers, times, sizes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest

from twofold.ingest.messages import (
    MAX_MESSAGE_BYTES,
    MessageRejected,
    Receipt,
    journal_line,
)

RECEIVED = datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)
RECEIPT = Receipt(source_id=7, received_at=RECEIVED)

VALID: dict[str, dict[str, Any]] = {
    "track": {"userId": "u-1", "event": "Order Completed"},
    "identify": {"userId": "u-1", "traits": {"email": "a@example.com"}},
    "page": {"anonymousId": "anon-1", "name": "Home"},
    "screen": {"anonymousId": "anon-1", "name": "Settings"},
    "group": {"userId": "u-1", "groupId": "acme"},
    "alias": {"previousId": "anon-1", "userId": "u-1"},
}


def line_of(message: object, *, call_type: str | None = None, receipt: Receipt = RECEIPT) -> Any:
    """The journal line as a dict (and proof that it is exactly one line)."""
    raw = journal_line(message, receipt, call_type=call_type)
    assert raw.endswith(b"\n")
    assert raw.count(b"\n") == 1
    return orjson.loads(raw)


def rejection(message: object, *, call_type: str | None = None) -> MessageRejected:
    with pytest.raises(MessageRejected) as caught:
        journal_line(message, RECEIPT, call_type=call_type)
    return caught.value


# -- call types and required fields -----------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(VALID))
def test_each_call_type_accepts_its_minimal_message(kind: str) -> None:
    line = line_of(VALID[kind], call_type=kind)
    assert line["type"] == kind
    assert line["sourceId"] == 7
    assert line["receivedAt"] == "2024-06-01T12:00:00.000Z"


@pytest.mark.parametrize("kind", sorted(VALID))
def test_in_a_batch_each_message_names_its_type(kind: str) -> None:
    assert line_of({**VALID[kind], "type": kind})["type"] == kind


@pytest.mark.parametrize("bad_type", [None, "", "Track", "purchase", 3, True])
def test_an_unknown_type_is_refused(bad_type: object) -> None:
    message = {**VALID["track"], "type": bad_type}
    problem = rejection(message)
    assert (problem.code, problem.field) == ("invalid_type", "type")


@pytest.mark.parametrize("bad_type", [["track"], {"kind": "track"}])
def test_a_type_that_is_a_list_or_object_is_refused_not_a_crash(bad_type: object) -> None:
    # BUG: ``kind not in CALL_TYPES`` hashes the value; a list or dict raises TypeError,
    # so one such message turns a whole /v1/batch into a 500.
    problem = rejection({**VALID["track"], "type": bad_type})
    assert (problem.code, problem.field) == ("invalid_type", "type")


def test_the_endpoint_type_wins_over_the_message_type() -> None:
    assert line_of({**VALID["track"], "type": "page"}, call_type="track")["type"] == "track"


@pytest.mark.parametrize("message", [[], "track", 5, None])
def test_a_message_must_be_an_object(message: object) -> None:
    assert rejection(message, call_type="track").code == "invalid_message"


@pytest.mark.parametrize("event", [None, "", "   ", 5, {"name": "x"}])
def test_track_needs_an_event_name(event: object) -> None:
    message = {"userId": "u-1", "event": event}
    problem = rejection(message, call_type="track")
    assert (problem.code, problem.field) == ("missing_field", "event")


def test_an_event_name_is_at_most_200_characters() -> None:
    assert line_of({"userId": "u", "event": "e" * 200}, call_type="track")["event"] == "e" * 200
    problem = rejection({"userId": "u", "event": "e" * 201}, call_type="track")
    assert (problem.code, problem.field) == ("invalid_field", "event")


@pytest.mark.parametrize("missing", ["previousId", "userId"])
def test_alias_needs_previous_id_and_user_id(missing: str) -> None:
    message = {key: value for key, value in VALID["alias"].items() if key != missing}
    message["anonymousId"] = "anon-9"  # an anonymousId does not stand in for either
    problem = rejection(message, call_type="alias")
    assert (problem.code, problem.field) == ("missing_field", missing)


def test_group_needs_a_group_id() -> None:
    problem = rejection({"userId": "u-1"}, call_type="group")
    assert (problem.code, problem.field) == ("missing_field", "groupId")


@pytest.mark.parametrize("kind", ["track", "identify", "page", "screen", "group"])
def test_other_calls_need_user_id_or_anonymous_id(kind: str) -> None:
    message = {k: v for k, v in VALID[kind].items() if k not in {"userId", "anonymousId"}}
    problem = rejection(message, call_type=kind)
    assert (problem.code, problem.field) == ("missing_identifier", "userId")
    assert line_of({**message, "anonymousId": "anon-2"}, call_type=kind)["anonymousId"] == (
        "anon-2"
    )
    assert line_of({**message, "userId": "u-2"}, call_type=kind)["userId"] == "u-2"


@pytest.mark.parametrize("field", ["name", "category"])
@pytest.mark.parametrize("value", [5, ["Home"], {"a": 1}, True])
def test_name_and_category_must_be_strings(field: str, value: object) -> None:
    problem = rejection({**VALID["page"], field: value}, call_type="page")
    assert (problem.code, problem.field) == ("invalid_field", field)


# -- identifiers ------------------------------------------------------------------------------

BLOCKED = [
    "",
    "   ",
    "0",
    "-1",
    "null",
    "NULL",
    " Null ",
    "nil",
    "none",
    "None",
    "undefined",
    "anonymous",
    "Anonymous",
    "unknown",
    "guest",
    "n/a",
    "NaN",
    "[object Object]",
    "00000000-0000-0000-0000-000000000000",
    0,
    -1,
]


@pytest.mark.parametrize("placeholder", BLOCKED, ids=repr)
@pytest.mark.parametrize("field", ["userId", "anonymousId"])
def test_placeholder_identifiers_are_refused(field: str, placeholder: object) -> None:
    problem = rejection({field: placeholder, "event": "Signed Up"}, call_type="track")
    assert (problem.code, problem.field) == ("blocked_identifier", field)


@pytest.mark.parametrize(
    ("kind", "field"), [("alias", "previousId"), ("alias", "userId"), ("group", "groupId")]
)
@pytest.mark.parametrize("placeholder", ["null", "undefined", "anonymous", "0", ""])
def test_placeholder_alias_and_group_identifiers_are_refused(
    kind: str, field: str, placeholder: str
) -> None:
    problem = rejection({**VALID[kind], field: placeholder}, call_type=kind)
    assert (problem.code, problem.field) == ("blocked_identifier", field)


def test_a_blocked_word_inside_a_real_identifier_is_fine() -> None:
    line = line_of({"userId": "null-hypothesis", "event": "x"}, call_type="track")
    assert line["userId"] == "null-hypothesis"


@pytest.mark.parametrize(
    ("field", "kind"),
    [("userId", "track"), ("anonymousId", "track"), ("previousId", "alias"), ("groupId", "group")],
)
def test_integer_identifiers_become_strings(field: str, kind: str) -> None:
    message = {**VALID[kind], field: 42}
    assert line_of(message, call_type=kind)[field] == "42"


def test_identifiers_are_trimmed() -> None:
    assert line_of({"userId": "  u-1 ", "event": "x"}, call_type="track")["userId"] == "u-1"


@pytest.mark.parametrize("value", [True, False, 1.5, ["u"], {"id": "u"}])
def test_identifiers_must_be_strings_or_integers(value: object) -> None:
    problem = rejection({"userId": value, "event": "x"}, call_type="track")
    assert (problem.code, problem.field) == ("invalid_identifier", "userId")


def test_identifiers_are_at_most_200_characters() -> None:
    assert line_of({"userId": "u" * 200, "event": "x"}, call_type="track")["userId"] == "u" * 200
    problem = rejection({"userId": "u" * 201, "event": "x"}, call_type="track")
    assert (problem.code, problem.field) == ("invalid_identifier", "userId")


# -- objects ----------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["properties", "traits", "context", "integrations"])
@pytest.mark.parametrize("value", [[], ["a"], "text", 5, True])
def test_properties_traits_and_context_must_be_objects(field: str, value: object) -> None:
    problem = rejection({**VALID["track"], field: value}, call_type="track")
    assert (problem.code, problem.field) == ("invalid_field", field)


def test_null_objects_are_allowed_and_objects_are_kept_as_sent() -> None:
    properties = {"revenue": 19.99, "items": [{"sku": "A", "qty": 2}], "nested": {"deep": None}}
    line = line_of(
        {**VALID["track"], "properties": properties, "traits": None, "context": {"ip": "1.2.3.4"}},
        call_type="track",
    )
    assert line["properties"] == properties
    assert line["traits"] is None
    assert line["context"] == {"ip": "1.2.3.4"}


def test_deeply_nested_properties_are_refused_not_a_crash() -> None:
    # BUG: orjson.loads accepts nesting up to 1024 levels but orjson.dumps stops at 255 and
    # raises TypeError (JSONEncodeError), which is not a MessageRejected: a 500 for the request
    # (and for every good message in the same batch) instead of a clear 400.
    depth = 300
    message = orjson.loads(
        b'{"userId": "u", "event": "x", "properties": '
        + b'{"a":' * depth
        + b"1"
        + b"}" * depth
        + b"}"
    )
    rejection(message, call_type="track")  # any clear MessageRejected will do


# -- times ------------------------------------------------------------------------------------


def test_skew_correction_for_a_client_clock_one_hour_fast() -> None:
    # The event happened 10 s before the client sent it; the client's clock is 1 h ahead.
    line = line_of(
        {
            **VALID["track"],
            "originalTimestamp": "2024-06-01T12:59:50Z",
            "sentAt": "2024-06-01T13:00:00Z",
        },
        call_type="track",
    )
    assert line["timestamp"] == "2024-06-01T11:59:50.000Z"  # 12:00:00 - (13:00:00 - 12:59:50)
    assert line["originalTimestamp"] == "2024-06-01T12:59:50.000Z"
    assert line["sentAt"] == "2024-06-01T13:00:00.000Z"
    assert line["receivedAt"] == "2024-06-01T12:00:00.000Z"


def test_skew_correction_for_a_slow_clock_in_another_zone() -> None:
    # Client clock 30 min 15.5 s slow, writing local time at +02:00; event 2 min before send.
    line = line_of(
        {
            **VALID["track"],
            "timestamp": "2024-06-01T13:27:44.500+02:00",
            "sentAt": "2024-06-01T13:29:44.500+02:00",
        },
        call_type="track",
    )
    # sentAt 11:29:44.5Z, original 11:27:44.5Z → 12:00:00 - 2 min = 11:58:00
    assert line["timestamp"] == "2024-06-01T11:58:00.000Z"
    assert line["originalTimestamp"] == "2024-06-01T11:27:44.500Z"
    assert line["sentAt"] == "2024-06-01T11:29:44.500Z"


def test_the_batch_sent_at_corrects_messages_without_their_own() -> None:
    receipt = Receipt(
        source_id=7, received_at=RECEIVED, sent_at=datetime(2024, 6, 1, 11, 0, 0, tzinfo=UTC)
    )
    line = line_of(
        {**VALID["track"], "timestamp": "2024-06-01T10:59:00Z"}, receipt=receipt, call_type="track"
    )
    assert line["timestamp"] == "2024-06-01T11:59:00.000Z"
    assert line["sentAt"] == "2024-06-01T11:00:00.000Z"
    own = line_of(
        {**VALID["track"], "timestamp": "2024-06-01T10:59:00Z", "sentAt": "2024-06-01T10:59:30Z"},
        receipt=receipt,
        call_type="track",
    )
    assert own["timestamp"] == "2024-06-01T11:59:30.000Z"


def test_without_sent_at_the_client_timestamp_is_kept() -> None:
    line = line_of({**VALID["track"], "timestamp": "2024-05-30T08:15:00Z"}, call_type="track")
    assert line["timestamp"] == "2024-05-30T08:15:00.000Z"
    assert line["originalTimestamp"] == "2024-05-30T08:15:00.000Z"
    assert "sentAt" not in line


def test_a_zone_less_timestamp_is_read_as_utc() -> None:
    line = line_of({**VALID["track"], "timestamp": "2024-05-30T08:15:00"}, call_type="track")
    assert line["timestamp"] == "2024-05-30T08:15:00.000Z"


def test_without_any_timestamp_the_event_happened_on_receipt() -> None:
    line = line_of(VALID["track"], call_type="track")
    assert line["timestamp"] == "2024-06-01T12:00:00.000Z"
    assert "originalTimestamp" not in line


def test_a_null_original_timestamp_falls_back_to_timestamp() -> None:
    # BUG: ``line.get("originalTimestamp", line.get("timestamp"))`` returns None when the key
    # is present with null, so the client's ``timestamp`` is silently replaced by receivedAt.
    line = line_of(
        {**VALID["track"], "originalTimestamp": None, "timestamp": "2024-05-30T08:15:00Z"},
        call_type="track",
    )
    assert line["timestamp"] == "2024-05-30T08:15:00.000Z"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("timestamp", "yesterday"),
        ("timestamp", "2024-13-01T00:00:00Z"),
        ("timestamp", 1717243200),
        ("timestamp", ["2024-06-01"]),
        ("originalTimestamp", "06/01/2024 12:00"),
        ("sentAt", "soon"),
        ("sentAt", 5),
    ],
)
def test_unreadable_timestamps_are_refused(field: str, value: object) -> None:
    problem = rejection({**VALID["track"], field: value}, call_type="track")
    assert problem.code == "invalid_timestamp"
    assert problem.field == ("sentAt" if field == "sentAt" else "timestamp")


def test_timestamps_before_1990_are_refused() -> None:
    problem = rejection({**VALID["track"], "timestamp": "1989-12-31T23:59:59Z"}, call_type="track")
    assert (problem.code, problem.field) == ("timestamp_too_old", "timestamp")
    assert line_of({**VALID["track"], "timestamp": "1990-01-01T00:00:00Z"}, call_type="track")


def test_timestamps_more_than_a_day_ahead_are_refused() -> None:
    ahead = RECEIVED + timedelta(days=1, seconds=1)
    problem = rejection({**VALID["track"], "timestamp": ahead.isoformat()}, call_type="track")
    assert (problem.code, problem.field) == ("timestamp_in_future", "timestamp")
    within = RECEIVED + timedelta(hours=23)
    assert line_of({**VALID["track"], "timestamp": within.isoformat()}, call_type="track")


def test_a_fast_clock_is_not_mistaken_for_a_future_event() -> None:
    # Two days ahead on the client's clock, but sentAt shows the same error: corrected, kept.
    line = line_of(
        {
            **VALID["track"],
            "timestamp": "2024-06-03T11:59:00Z",
            "sentAt": "2024-06-03T12:00:00Z",
        },
        call_type="track",
    )
    assert line["timestamp"] == "2024-06-01T11:59:00.000Z"


@pytest.mark.parametrize(
    ("timestamp", "sent_at", "code"),
    [
        ("0001-01-01T00:00:00Z", "2024-06-01T13:00:00Z", "timestamp_too_old"),
        ("9999-12-31T23:00:00Z", "2024-06-01T11:00:00Z", "timestamp_in_future"),
    ],
)
def test_extreme_timestamps_are_refused_not_a_crash(
    timestamp: str, sent_at: str, code: str
) -> None:
    # BUG: ``received - (sent - original)`` overflows datetime's range and raises
    # OverflowError, which the app turns into a whole-request 422 "a number in the request
    # is too large" (without the top-level ``code`` Segment clients read), so in a batch
    # the good messages are refused with it.
    problem = rejection(
        {**VALID["track"], "timestamp": timestamp, "sentAt": sent_at}, call_type="track"
    )
    assert (problem.code, problem.field) == (code, "timestamp")


# -- messageId, writeKey, size ----------------------------------------------------------------


def test_a_message_id_is_generated_when_missing() -> None:
    first = line_of(VALID["track"], call_type="track")["messageId"]
    second = line_of({**VALID["track"], "messageId": None}, call_type="track")["messageId"]
    assert str(uuid.UUID(first)) == first
    assert str(uuid.UUID(second)) == second
    assert first != second


def test_a_given_message_id_is_kept() -> None:
    line = line_of({**VALID["track"], "messageId": "ajs-next-1717243200-abc"}, call_type="track")
    assert line["messageId"] == "ajs-next-1717243200-abc"


@pytest.mark.parametrize("message_id", ["", 5, ["m"], "m" * 201])
def test_a_bad_message_id_is_refused(message_id: object) -> None:
    problem = rejection({**VALID["track"], "messageId": message_id}, call_type="track")
    assert (problem.code, problem.field) == ("invalid_message_id", "messageId")


def test_the_write_key_is_never_written_into_the_line() -> None:
    message = {**VALID["track"], "writeKey": "wk_secret_value"}
    raw = journal_line(message, RECEIPT, call_type="track")
    assert b"writeKey" not in raw
    assert b"wk_secret_value" not in raw
    assert message["writeKey"] == "wk_secret_value"  # the caller's dict is not changed


def sized_message(size: int) -> dict[str, Any]:
    """A track message whose JSON encoding is exactly ``size`` bytes."""
    message: dict[str, Any] = {
        "type": "track",
        "userId": "u-1",
        "event": "Big",
        "properties": {"pad": ""},
    }
    message["properties"]["pad"] = "x" * (size - len(orjson.dumps(message)))
    assert len(orjson.dumps(message)) == size
    return message


def test_a_message_over_32_kb_is_refused() -> None:
    problem = rejection(sized_message(MAX_MESSAGE_BYTES + 1))
    assert problem.code == "message_too_large"
    assert str(MAX_MESSAGE_BYTES) in problem.message


@pytest.mark.parametrize("size", [MAX_MESSAGE_BYTES, MAX_MESSAGE_BYTES - 10])
def test_a_message_up_to_32_kb_is_accepted(size: int) -> None:
    # The line is larger than the message (receivedAt, messageId...): the limit is on what
    # the client sent.
    message = sized_message(size)
    raw = journal_line(message, RECEIPT)
    assert len(raw) > MAX_MESSAGE_BYTES
    assert orjson.loads(raw)["properties"] == message["properties"]
