"""Loading journal segments into a real DuckDB file: typed columns, exactly-once, dedupe."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest

from twofold.events.store import EventStore
from twofold.ingest.messages import Receipt, journal_line

RECEIVED = datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EventStore]:
    events = EventStore(tmp_path / "events" / "events.duckdb")
    try:
        yield events
    finally:
        events.close()


def write_segment(
    directory: Path,
    seq: int,
    messages: list[dict[str, Any]],
    *,
    source_id: int = 1,
    received_at: datetime = RECEIVED,
) -> Path:
    """A closed journal segment made of real journal lines."""
    receipt = Receipt(source_id=source_id, received_at=received_at)
    path = directory / f"{seq:012d}.ndjson"
    with path.open("ab") as segment:
        for message in messages:
            segment.write(journal_line(message, receipt))
    return path


def track(message_id: str, event: str = "Viewed", **fields: Any) -> dict[str, Any]:
    return {"type": "track", "userId": "u-1", "event": event, "messageId": message_id, **fields}


def rows(store: EventStore, sql: str, *parameters: object) -> list[tuple[Any, ...]]:
    with store.reader() as cursor:
        return cursor.execute(sql, list(parameters)).fetchall()


def message_ids(store: EventStore) -> list[tuple[int, str]]:
    return [
        (int(source), str(message))
        for source, message in rows(
            store, "SELECT source_id, message_id FROM events ORDER BY source_id, message_id"
        )
    ]


def test_a_segment_is_stored_with_typed_columns(tmp_path: Path, store: EventStore) -> None:
    context = {"library": {"name": "analytics.js", "version": "2.1"}, "ip": "203.0.113.9"}
    segment = write_segment(
        tmp_path,
        1,
        [
            track(
                "m-order",
                "Order Completed",
                properties={
                    "revenue": 19.99,
                    "total": 25,
                    "currency": "eur",
                    "order_id": "o-1",
                    "product_id": "sku-1",
                    "category": "shoes",
                },
                context=context,
                timestamp="2024-06-01T12:59:50Z",
                sentAt="2024-06-01T13:00:00Z",
            ),
            track("m-total", "Checkout Started", properties={"total": "120.50"}),
            {
                "type": "page",
                "anonymousId": "anon-1",
                "messageId": "m-page",
                "name": "Pricing",
                "category": "docs",
                "properties": {"category": "ignored", "path": "/pricing"},
            },
            {
                "type": "screen",
                "userId": "u-1",
                "messageId": "m-screen",
                "name": "Settings",
                "properties": {"category": "app"},
            },
            {
                "type": "identify",
                "userId": 42,
                "messageId": "m-identify",
                "traits": {"email": "ada@example.com"},
            },
            {"type": "group", "userId": "u-1", "groupId": "acme", "messageId": "m-group"},
            {"type": "alias", "previousId": "anon-1", "userId": "u-1", "messageId": "m-alias"},
        ],
    )
    result = store.load_segment(segment)
    assert (result.load_id, result.received, result.stored, result.already_loaded) == (
        1,
        7,
        7,
        False,
    )
    stored = {
        row[0]: row[1:]
        for row in rows(
            store,
            """SELECT message_id, load_id, source_id, type, name, person_id, user_id,
                      anonymous_id, previous_id, group_id, revenue, currency, order_id,
                      product_id, category
               FROM events""",
        )
    }
    assert stored == {
        "m-order": (1, 1, "track", "Order Completed", None, "u-1", None, None, None,
                    Decimal("19.9900"), "EUR", "o-1", "sku-1", "shoes"),
        "m-total": (1, 1, "track", "Checkout Started", None, "u-1", None, None, None,
                    Decimal("120.5000"), None, None, None, None),
        "m-page": (1, 1, "page", "Pricing", None, None, "anon-1", None, None,
                   None, None, None, None, "docs"),
        "m-screen": (1, 1, "screen", "Settings", None, "u-1", None, None, None,
                     None, None, None, None, "app"),
        "m-identify": (1, 1, "identify", None, None, "42", None, None, None,
                       None, None, None, None, None),
        "m-group": (1, 1, "group", None, None, "u-1", None, None, "acme",
                    None, None, None, None, None),
        "m-alias": (1, 1, "alias", None, None, "u-1", None, "anon-1", None,
                    None, None, None, None, None),
    }  # fmt: skip
    times, properties, traits, stored_context = rows(
        store,
        """SELECT [timestamp, original_timestamp, sent_at, received_at], properties, traits,
                  context
           FROM events WHERE message_id = 'm-order'""",
    )[0]
    naive_received = RECEIVED.replace(tzinfo=None)
    assert times == [
        naive_received - timedelta(seconds=10),
        datetime(2024, 6, 1, 12, 59, 50),
        datetime(2024, 6, 1, 13, 0, 0),
        naive_received,
    ]
    assert orjson.loads(properties)["currency"] == "eur"  # the JSON keeps what was sent
    assert traits is None
    assert orjson.loads(stored_context) == context
    identify_traits = rows(store, "SELECT traits FROM events WHERE message_id = 'm-identify'")
    assert orjson.loads(identify_traits[0][0]) == {"email": "ada@example.com"}


def test_unreadable_revenue_is_null_and_the_event_is_still_stored(
    tmp_path: Path, store: EventStore
) -> None:
    segment = write_segment(
        tmp_path,
        1,
        [
            track("m1", properties={"revenue": "a lot", "currency": "usd"}),
            track("m2", properties={"revenue": "0.1"}),
            track("m3", properties={"revenue": -5}),
        ],
    )
    assert store.load_segment(segment).stored == 3
    assert rows(store, "SELECT message_id, revenue, currency FROM events ORDER BY 1") == [
        ("m1", None, "USD"),
        ("m2", Decimal("0.1000"), None),
        ("m3", Decimal("-5.0000"), None),
    ]


def test_repeats_within_a_segment_are_stored_once_first_received_wins(
    tmp_path: Path, store: EventStore
) -> None:
    later = RECEIVED + timedelta(seconds=30)
    write_segment(tmp_path, 1, [track("m1", "Retry")], received_at=later)
    segment = write_segment(tmp_path, 1, [track("m1", "First"), track("m2")])
    result = store.load_segment(segment)
    assert result.stored == 2
    assert rows(store, "SELECT message_id, name FROM events ORDER BY 1") == [
        ("m1", "First"),
        ("m2", "Viewed"),
    ]


def test_load_result_counts_repeats_within_a_segment(tmp_path: Path, store: EventStore) -> None:
    # BUG: ``received`` is counted after the in-segment de-duplication, so a segment of 3
    # lines with one repeat reports received=2, duplicates=0 (and ``loads.received`` too).
    segment = write_segment(tmp_path, 1, [track("m1"), track("m1"), track("m2")])
    result = store.load_segment(segment)
    assert (result.received, result.stored, result.duplicates) == (3, 2, 1)


def test_repeats_across_segments_of_one_source_are_stored_once(
    tmp_path: Path, store: EventStore
) -> None:
    first = store.load_segment(write_segment(tmp_path, 1, [track("m1"), track("m2")]))
    second = store.load_segment(write_segment(tmp_path, 2, [track("m2", "Changed"), track("m3")]))
    assert (first.stored, second.received, second.stored, second.duplicates) == (2, 2, 1, 1)
    assert message_ids(store) == [(1, "m1"), (1, "m2"), (1, "m3")]
    assert rows(store, "SELECT name FROM events WHERE message_id = 'm2'") == [("Viewed",)]


def test_the_same_message_id_from_two_sources_is_two_events(
    tmp_path: Path, store: EventStore
) -> None:
    write_segment(tmp_path, 1, [track("m1")], source_id=1)
    segment = write_segment(tmp_path, 1, [track("m1")], source_id=2)
    assert store.load_segment(segment).stored == 2
    store.load_segment(write_segment(tmp_path, 2, [track("m1")], source_id=3))
    assert message_ids(store) == [(1, "m1"), (2, "m1"), (3, "m1")]


def test_a_segment_loaded_twice_is_stored_once(tmp_path: Path, store: EventStore) -> None:
    segment = write_segment(tmp_path, 5, [track("m1"), track("m2")])
    first = store.load_segment(segment)
    again = store.load_segment(segment)
    assert (again.load_id, again.received, again.stored, again.already_loaded) == (
        5,
        first.received,
        first.stored,
        True,
    )
    assert rows(store, "SELECT count(*) FROM events") == [(2,)]
    assert rows(store, "SELECT load_id, segment, received, stored FROM loads") == [
        (5, "000000000005.ndjson", 2, 2)
    ]


def test_loads_survive_reopening_the_file(tmp_path: Path) -> None:
    path = tmp_path / "events.duckdb"
    segment = write_segment(tmp_path, 3, [track("m1")])
    first = EventStore(path)
    assert first.next_segment_number() == 1
    first.load_segment(segment)
    first.close()
    reopened = EventStore(path)
    try:
        assert reopened.load_segment(segment).already_loaded
        assert reopened.next_segment_number() == 4
        assert rows(reopened, "SELECT message_id FROM events") == [("m1",)]
        # A later segment repeating the message (a client retry) adds nothing either.
        assert reopened.load_segment(write_segment(tmp_path, 4, [track("m1")])).stored == 0
    finally:
        reopened.close()


def test_waiting_segments_are_loaded_as_one_load_named_by_the_last(
    tmp_path: Path, store: EventStore
) -> None:
    segments = [
        write_segment(tmp_path, 3, [track("m1"), track("m2")]),
        write_segment(tmp_path, 4, [track("m2", "Again"), track("m3")]),
        write_segment(tmp_path, 6, [track("m4")]),
    ]
    result = store.load_segments(segments)
    assert (result.load_id, result.received, result.stored, result.duplicates) == (6, 5, 4, 1)
    assert rows(store, "SELECT DISTINCT load_id FROM events") == [(6,)]
    assert rows(store, "SELECT name FROM events WHERE message_id = 'm2'") == [("Viewed",)]
    assert store.next_segment_number() == 7
    # A stop before the segments were deleted: each of them is found in that load, nothing
    # is stored again; a number in the range that never existed counts as loaded too.
    for segment in [*segments, tmp_path / "000000000005.ndjson"]:
        again = store.loaded_already(segment)
        assert again is not None
        assert (again.load_id, again.already_loaded) == (6, True)
    assert store.load_segments(segments[1:]).already_loaded
    assert store.loaded_already(tmp_path / "000000000002.ndjson") is None
    assert store.loaded_already(tmp_path / "000000000007.ndjson") is None
    assert rows(store, "SELECT count(*) FROM events") == [(4,)]


def test_segments_out_of_order_are_refused(tmp_path: Path, store: EventStore) -> None:
    later = write_segment(tmp_path, 2, [track("m1")])
    earlier = write_segment(tmp_path, 1, [track("m2")])
    with pytest.raises(ValueError, match="number order"):
        store.load_segments([later, earlier])
    with pytest.raises(ValueError, match="number order"):
        store.load_segments([])
    assert rows(store, "SELECT count(*) FROM loads") == [(0,)]
