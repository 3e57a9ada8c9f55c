"""DuckDB tables of the event store. Times are naive UTC (``TIMESTAMP``)."""

from __future__ import annotations

from typing import Final

STATEMENTS: Final = (
    "CREATE SEQUENCE IF NOT EXISTS event_ids START 1",
    """
    CREATE TABLE IF NOT EXISTS events (
        event_id BIGINT NOT NULL DEFAULT nextval('event_ids'),
        load_id BIGINT NOT NULL,
        source_id BIGINT NOT NULL,
        message_id VARCHAR NOT NULL,
        type VARCHAR NOT NULL,
        name VARCHAR,
        person_id BIGINT,
        user_id VARCHAR,
        anonymous_id VARCHAR,
        previous_id VARCHAR,
        group_id VARCHAR,
        timestamp TIMESTAMP NOT NULL,
        original_timestamp TIMESTAMP,
        sent_at TIMESTAMP,
        received_at TIMESTAMP NOT NULL,
        revenue DECIMAL(18, 4),
        currency VARCHAR,
        order_id VARCHAR,
        product_id VARCHAR,
        category VARCHAR,
        properties JSON,
        traits JSON,
        context JSON
    )
    """,
    # messageId de-duplication: one row per (source, messageId) for the retention window.
    # ``load_id`` tells which load inserted a key, so a load can find its own new keys by a
    # range scan instead of joining against every key ever seen.
    """
    CREATE TABLE IF NOT EXISTS message_ids (
        source_id BIGINT NOT NULL,
        message_id VARCHAR NOT NULL,
        received_at TIMESTAMP NOT NULL,
        load_id BIGINT NOT NULL,
        PRIMARY KEY (source_id, message_id)
    )
    """,
    # One row per journal segment loaded, written in the same transaction as its events:
    # a segment is loaded exactly once however often the loader is interrupted.
    """
    CREATE TABLE IF NOT EXISTS loads (
        load_id BIGINT PRIMARY KEY,
        segment VARCHAR NOT NULL UNIQUE,
        loaded_at TIMESTAMP NOT NULL,
        received INTEGER NOT NULL,
        stored INTEGER NOT NULL,
        identities_done BOOLEAN NOT NULL DEFAULT false
    )
    """,
    # The current identifier → person mapping, mirrored from the records database's
    # append-only identity_mappings (``mapping_id`` is the newest row applied) so that events
    # are tied to persons with a join instead of a look-up per event.
    """
    CREATE TABLE IF NOT EXISTS identity_map (
        kind VARCHAR NOT NULL,
        value VARCHAR NOT NULL,
        person_id BIGINT NOT NULL,
        mapping_id BIGINT NOT NULL,
        PRIMARY KEY (kind, value)
    )
    """,
    # Identifiers of erased persons, as SHA-256 of the (normalised) value: messages carrying
    # one are dropped when their segment is loaded, so an erased person is not re-created
    # from events still in the journal or sent later (docs/decisions/0009-merge-and-privacy.md).
    """
    CREATE TABLE IF NOT EXISTS suppressed_identifiers (
        digest VARCHAR PRIMARY KEY,
        kind VARCHAR NOT NULL,
        person_id BIGINT NOT NULL,
        suppressed_at TIMESTAMP NOT NULL
    )
    """,
    # One row per erasure. ``pending_values`` holds the person's identifiers only while the
    # erasure is under way (so that it can be finished after a crash); it is cleared at the end.
    """
    CREATE TABLE IF NOT EXISTS erasures (
        person_id BIGINT PRIMARY KEY,
        requested_at TIMESTAMP NOT NULL,
        completed_at TIMESTAMP,
        pending_values VARCHAR[]
    )
    """,
)

# How a journal line is read: the typed columns queries use, the rest kept as JSON.
JOURNAL_COLUMNS: Final = {
    "messageId": "VARCHAR",
    "sourceId": "BIGINT",
    "type": "VARCHAR",
    "event": "VARCHAR",
    "name": "VARCHAR",
    "category": "VARCHAR",
    "userId": "VARCHAR",
    "anonymousId": "VARCHAR",
    "previousId": "VARCHAR",
    "groupId": "VARCHAR",
    "timestamp": "TIMESTAMP",
    "originalTimestamp": "TIMESTAMP",
    "sentAt": "TIMESTAMP",
    "receivedAt": "TIMESTAMP",
    "properties": "JSON",
    "traits": "JSON",
    "context": "JSON",
}

# The typed columns derived from a staged journal line (``s``); order matches INSERT below.
EVENT_COLUMNS: Final = (
    "load_id, source_id, message_id, type, name, person_id, user_id, anonymous_id, "
    "previous_id, group_id, timestamp, original_timestamp, sent_at, received_at, revenue, "
    "currency, order_id, product_id, category, properties, traits, context"
)
