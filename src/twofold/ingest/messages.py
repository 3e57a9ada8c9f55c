"""Check one Segment-spec message and turn it into the journal line the event store loads.

This runs for every event on the ingestion hot path, so it works on plain dicts (parsed by
orjson) rather than pydantic models: one pass of dictionary look-ups per message and one
``orjson.dumps`` for the line. The line keeps every field the client sent (except the write
key) and adds what the server knows: ``receivedAt``, the skew-corrected ``timestamp``, the
client's own ``originalTimestamp``, ``sourceId`` and a ``messageId`` when the client gave none.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any, Final

import orjson

MAX_MESSAGE_BYTES: Final = 32 * 1024
MAX_BATCH_BYTES: Final = 500 * 1024
CALL_TYPES: Final = frozenset({"track", "identify", "page", "screen", "group", "alias"})

# Values that tracking code sends when it has no real identifier. Accepting them would weld
# every anonymous visitor into one person, so messages carrying them are refused.
BLOCKED_IDENTIFIERS: Final = frozenset(
    {
        "",
        "0",
        "-1",
        "null",
        "nil",
        "none",
        "undefined",
        "anonymous",
        "unknown",
        "guest",
        "n/a",
        "nan",
        "[object object]",
        "00000000-0000-0000-0000-000000000000",
    }
)
MAX_IDENTIFIER_LENGTH: Final = 200
# A corrected timestamp later than this after receipt is a broken clock, not a future event.
FUTURE_TOLERANCE: Final = timedelta(days=1)
EARLIEST: Final = datetime(1990, 1, 1, tzinfo=UTC)
_OBJECT_FIELDS: Final = ("properties", "traits", "context", "integrations")


class MessageRejected(ValueError):
    """One message that cannot be stored; ``field`` names the part that is wrong."""

    def __init__(self, code: str, field: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.field = field
        self.message = message

    def as_dict(self) -> dict[str, str]:
        """The JSON form used in ingestion error bodies and batch reports."""
        return {"code": self.code, "field": self.field, "message": self.message}


@dataclass
class Receipt:
    """What the server adds to every message of one request."""

    source_id: int
    received_at: datetime
    sent_at: datetime | None = None  # the batch's ``sentAt``, used when a message has none

    @cached_property
    def received_iso(self) -> str:
        """``receivedAt`` as written into every line."""
        return iso(self.received_at)

    @cached_property
    def sent_iso(self) -> str | None:
        """The batch's ``sentAt``, in the same form."""
        return iso(self.sent_at) if self.sent_at is not None else None


def journal_line(message: object, receipt: Receipt, *, call_type: str | None = None) -> bytes:
    """The message, checked and completed, as one JSON line (with its newline).

    ``call_type`` is the endpoint's type (``/v1/track`` → ``track``); in a batch each message
    names its own. Raises :class:`MessageRejected` for anything the event store must not take.
    """
    if not isinstance(message, dict):
        raise MessageRejected("invalid_message", "", "a message must be a JSON object")
    kind = call_type or message.get("type")
    if not isinstance(kind, str) or kind not in CALL_TYPES:
        raise MessageRejected(
            "invalid_type", "type", f"type must be one of {', '.join(sorted(CALL_TYPES))}"
        )
    line = dict(message)
    line.pop("writeKey", None)
    line["type"] = kind
    _check_identifiers(line, kind)
    _check_objects(line)
    _check_names(line, kind)
    message_id = line.get("messageId")
    if message_id is None:
        line["messageId"] = str(uuid.uuid4())
    elif not isinstance(message_id, str) or not message_id or len(message_id) > 200:
        raise MessageRejected(
            "invalid_message_id", "messageId", "messageId must be a string of 1-200 characters"
        )
    _stamp_times(line, receipt)
    line["sourceId"] = receipt.source_id
    try:
        encoded = orjson.dumps(line)
    except orjson.JSONEncodeError:
        raise MessageRejected(
            "invalid_message", "", "a message may nest at most 255 levels deep"
        ) from None
    # The line holds everything the client sent plus a few short fields, so a short line
    # proves a short message; only long lines need the exact measurement.
    if len(encoded) > MAX_MESSAGE_BYTES and len(orjson.dumps(message)) > MAX_MESSAGE_BYTES:
        raise MessageRejected(
            "message_too_large", "", f"a message may be at most {MAX_MESSAGE_BYTES} bytes"
        )
    return encoded + b"\n"


def parse_timestamp(value: object, field: str) -> datetime:
    """An ISO-8601 timestamp (a zone is assumed UTC when missing), or a clear rejection."""
    if not isinstance(value, str):
        raise MessageRejected("invalid_timestamp", field, f"{field} must be an ISO-8601 string")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise MessageRejected(
            "invalid_timestamp", field, f"{field} is not an ISO-8601 timestamp: {value[:40]!r}"
        ) from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def iso(moment: datetime) -> str:
    """UTC ISO-8601 with milliseconds and a ``Z``, the form Segment uses."""
    if moment.tzinfo is not UTC:  # everything parsed here is already UTC: skip the conversion
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="milliseconds")[:-6] + "Z"


def _check_identifiers(line: dict[str, Any], kind: str) -> None:
    for field in ("userId", "anonymousId", "previousId", "groupId"):
        value = line.get(field)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise MessageRejected("invalid_identifier", field, f"{field} must be a string")
        text = str(value).strip()
        if text.lower() in BLOCKED_IDENTIFIERS:
            raise MessageRejected(
                "blocked_identifier", field, f"{field} {text!r} is a placeholder, not an identifier"
            )
        if len(text) > MAX_IDENTIFIER_LENGTH:
            raise MessageRejected(
                "invalid_identifier", field, f"{field} may be at most 200 characters"
            )
        line[field] = text
    if kind == "alias":
        for field in ("previousId", "userId"):
            if field not in line or line[field] is None:
                raise MessageRejected("missing_field", field, f"alias requires {field}")
        return
    if line.get("userId") is None and line.get("anonymousId") is None:
        raise MessageRejected(
            "missing_identifier", "userId", f"{kind} requires userId or anonymousId"
        )
    if kind == "group" and line.get("groupId") is None:
        raise MessageRejected("missing_field", "groupId", "group requires groupId")


def _check_objects(line: dict[str, Any]) -> None:
    for field in _OBJECT_FIELDS:
        value = line.get(field)
        if value is not None and not isinstance(value, dict):
            raise MessageRejected("invalid_field", field, f"{field} must be a JSON object")


def _check_names(line: dict[str, Any], kind: str) -> None:
    if kind == "track":
        event = line.get("event")
        if not isinstance(event, str) or not event.strip():
            raise MessageRejected("missing_field", "event", "track requires an event name")
        if len(event) > 200:
            raise MessageRejected("invalid_field", "event", "event may be at most 200 characters")
    for field in ("name", "category"):
        value = line.get(field)
        if value is not None and not isinstance(value, str):
            raise MessageRejected("invalid_field", field, f"{field} must be a string")


def _stamp_times(line: dict[str, Any], receipt: Receipt) -> None:
    """``timestamp = receivedAt - (sentAt - originalTimestamp)``: the client's clock error
    (measured when it sent) is taken out of when the event happened."""
    received = receipt.received_at
    original_text = line.get("originalTimestamp")
    if original_text is None:
        original_text = line.get("timestamp")
    sent_text = line.get("sentAt")
    sent = parse_timestamp(sent_text, "sentAt") if sent_text is not None else receipt.sent_at
    if original_text is None:
        happened = received
    else:
        original = parse_timestamp(original_text, "timestamp")
        happened = original if sent is None else _corrected(received, sent, original)
        line["originalTimestamp"] = iso(original)
    if happened > received + FUTURE_TOLERANCE:
        raise MessageRejected(
            "timestamp_in_future", "timestamp", "timestamp is more than a day in the future"
        )
    if happened < EARLIEST:
        raise MessageRejected("timestamp_too_old", "timestamp", "timestamp is before 1990")
    line["timestamp"] = receipt.received_iso if happened is received else iso(happened)
    line["receivedAt"] = receipt.received_iso
    if sent is not None:
        line["sentAt"] = receipt.sent_iso if sent is receipt.sent_at else iso(sent)


def _corrected(received: datetime, sent: datetime, original: datetime) -> datetime:
    try:
        return received - (sent - original)
    except OverflowError:
        code = "timestamp_too_old" if original < sent else "timestamp_in_future"
        raise MessageRejected(code, "timestamp", "timestamp is out of range") from None
