"""The official segment-analytics-python client, unchanged, with ``host`` set to Twofold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import orjson
import pytest
from ingest_support import LiveIngestion
from segment.analytics.client import Client  # type: ignore[import-untyped]
from segment.analytics.request import APIError  # type: ignore[import-untyped]
from segment.analytics.version import VERSION  # type: ignore[import-untyped]

LIBRARY = {"name": "analytics-python", "version": VERSION}


def client_for(live: LiveIngestion, **options: Any) -> Any:
    return Client(write_key=live.write_key, host=live.url, max_retries=0, **options)


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_every_call_lands_in_duckdb_with_its_fields(
    live_ingestion: LiveIngestion, compress: bool
) -> None:
    client = client_for(live_ingestion, sync_mode=True, gzip=compress)
    client.identify("u-1", {"email": "ada@example.com", "plan": "pro"}, message_id="m1-identify")
    client.track(
        "u-1",
        "Order Completed",
        {"revenue": Decimal("49.90"), "currency": "eur", "order_id": "o-7", "product_id": "p-3"},
        message_id="m2-track",
    )
    client.page(
        anonymous_id="anon-9",
        category="Docs",
        name="Pricing",
        properties={"path": "/pricing"},
        message_id="m3-page",
    )
    client.screen("u-1", name="Settings", properties={"category": "app"}, message_id="m4-screen")
    client.group("u-1", "acme", {"name": "Acme Inc"}, message_id="m5-group")
    client.alias("anon-9", "u-1", message_id="m6-alias")
    client.track(7, "Numeric User", message_id="m7-number")

    stored = live_ingestion.events(
        "message_id, source_id, type, name, user_id, anonymous_id, previous_id, group_id, "
        "revenue, currency, order_id, product_id, category"
    )
    source = live_ingestion.source_id
    assert stored == [
        ("m1-identify", source, "identify", None, "u-1", None, None, None,
         None, None, None, None, None),
        ("m2-track", source, "track", "Order Completed", "u-1", None, None, None,
         Decimal("49.9000"), "EUR", "o-7", "p-3", None),
        ("m3-page", source, "page", "Pricing", None, "anon-9", None, None,
         None, None, None, None, "Docs"),
        ("m4-screen", source, "screen", "Settings", "u-1", None, None, None,
         None, None, None, None, "app"),
        ("m5-group", source, "group", None, "u-1", None, None, "acme",
         None, None, None, None, None),
        ("m6-alias", source, "alias", None, "u-1", None, "anon-9", None,
         None, None, None, None, None),
        ("m7-number", source, "track", "Numeric User", "7", None, None, None,
         None, None, None, None, None),
    ]  # fmt: skip
    details = {
        row[0]: row[1:]
        for row in live_ingestion.query(
            "SELECT message_id, context, traits, properties, timestamp, received_at FROM events"
        )
    }
    for message_id, (context, _traits, _properties, timestamp, received_at) in details.items():
        assert orjson.loads(context)["library"] == LIBRARY, message_id
        # The client's clock is the server's here: skew correction changes (almost) nothing.
        assert abs(received_at - timestamp) < timedelta(seconds=5), message_id
    assert orjson.loads(details["m1-identify"][1]) == {"email": "ada@example.com", "plan": "pro"}
    assert orjson.loads(details["m5-group"][1]) == {"name": "Acme Inc"}
    assert orjson.loads(details["m2-track"][2])["revenue"] == 49.9


def test_queued_batches_from_the_background_consumer_all_arrive(
    live_ingestion: LiveIngestion,
) -> None:
    errors: list[Exception] = []
    client = client_for(
        live_ingestion,
        gzip=True,
        upload_size=40,
        on_error=lambda error, _batch: errors.append(error),
    )
    past = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    for number in range(150):
        client.track(f"user-{number % 7}", "Viewed", {"n": number}, message_id=f"q-{number:03d}")
    client.track("user-0", "Backfilled", timestamp=past, message_id="q-past")
    client.shutdown()
    assert errors == []
    stored = live_ingestion.events("message_id, user_id, properties")
    assert [row[0] for row in stored] == [f"q-{n:03d}" for n in range(150)] + ["q-past"]
    assert [orjson.loads(row[2])["n"] for row in stored[:150]] == list(range(150))
    ((timestamp,),) = live_ingestion.query(
        "SELECT timestamp FROM events WHERE message_id = 'q-past'"
    )
    # Sent moments after it was queued: the corrected time is the client's, give or take.
    assert abs(timestamp - past.replace(tzinfo=None)) < timedelta(seconds=5)


def test_refusals_reach_the_client_with_our_code(live_ingestion: LiveIngestion) -> None:
    wrong_key = Client(write_key="wk_wrong", host=live_ingestion.url, sync_mode=True)
    with pytest.raises(APIError) as unauthorised:
        wrong_key.track("u-1", "Viewed")
    assert (unauthorised.value.status, unauthorised.value.code) == (401, "invalid_write_key")

    client = client_for(live_ingestion, sync_mode=True)
    with pytest.raises(APIError) as placeholder:
        client.identify("anonymous", {"email": "x@example.com"})
    assert (placeholder.value.status, placeholder.value.code) == (400, "blocked_identifier")
    assert live_ingestion.events() == []
