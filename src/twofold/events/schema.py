"""DuckDB tables of the event store. Times are naive UTC (``TIMESTAMP``)."""

from __future__ import annotations

from typing import Final

# Orders derived from the ecommerce events (orders/derive.py). Amounts are DECIMAL; a money
# value is always read with its row's currency.
ORDER_STATEMENTS: Final = (
    "CREATE SEQUENCE IF NOT EXISTS order_keys START 1",
    """
    CREATE TABLE IF NOT EXISTS orders (
        order_key BIGINT NOT NULL DEFAULT nextval('order_keys'),
        source_id BIGINT NOT NULL,
        order_id VARCHAR NOT NULL,
        person_id BIGINT,
        status VARCHAR NOT NULL,
        total DECIMAL(18, 4),
        revenue DECIMAL(18, 4),
        refunded DECIMAL(18, 4) NOT NULL,
        net DECIMAL(18, 4) NOT NULL,
        currency VARCHAR NOT NULL,
        channel VARCHAR,
        placed_at TIMESTAMP NOT NULL,
        updated_at TIMESTAMP NOT NULL,
        PRIMARY KEY (source_id, order_id)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS order_lines (
        source_id BIGINT NOT NULL,
        order_id VARCHAR NOT NULL,
        line_number INTEGER NOT NULL,
        product_id VARCHAR,
        sku VARCHAR,
        name VARCHAR,
        category VARCHAR,
        brand VARCHAR,
        variant VARCHAR,
        price DECIMAL(18, 4),
        quantity INTEGER NOT NULL
    )
    """,
)

# Computed traits per person (profiles/stats.py), kept current load by load.
PROFILE_STATEMENTS: Final = (
    """
    CREATE TABLE IF NOT EXISTS person_stats (
        person_id BIGINT PRIMARY KEY,
        first_seen TIMESTAMP NOT NULL,
        last_seen TIMESTAMP NOT NULL,
        events BIGINT NOT NULL,
        orders BIGINT NOT NULL DEFAULT 0,
        last_order_at TIMESTAMP,
        favourite_category VARCHAR
    )
    """,
    # ``name`` is the event name of a track call and '' for the other call types.
    """
    CREATE TABLE IF NOT EXISTS person_event_counts (
        person_id BIGINT NOT NULL,
        type VARCHAR NOT NULL,
        name VARCHAR NOT NULL,
        events BIGINT NOT NULL,
        first_at TIMESTAMP NOT NULL,
        last_at TIMESTAMP NOT NULL,
        PRIMARY KEY (person_id, type, name)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS person_category_counts (
        person_id BIGINT NOT NULL,
        category VARCHAR NOT NULL,
        hits BIGINT NOT NULL,
        PRIMARY KEY (person_id, category)
    )
    """,
    # Order economics per currency (sums in different currencies are never added up).
    """
    CREATE TABLE IF NOT EXISTS person_revenue (
        person_id BIGINT NOT NULL,
        currency VARCHAR NOT NULL,
        orders BIGINT NOT NULL,
        revenue DECIMAL(38, 4) NOT NULL,
        last_order_at TIMESTAMP NOT NULL,
        PRIMARY KEY (person_id, currency)
    )
    """,
)

# Shopify webhook secrets (sealed with the installation key, never stored in clear) and the
# privacy requests Shopify sends (kept until a person acts on them). See decision 0008.
SHOPIFY_STATEMENTS: Final = (
    """
    CREATE TABLE IF NOT EXISTS source_secrets (
        source_id BIGINT PRIMARY KEY,
        sealed VARCHAR NOT NULL,
        hint VARCHAR NOT NULL,
        set_at TIMESTAMP NOT NULL
    )
    """,
    "CREATE SEQUENCE IF NOT EXISTS privacy_request_ids START 1",
    """
    CREATE TABLE IF NOT EXISTS privacy_requests (
        request_id BIGINT NOT NULL DEFAULT nextval('privacy_request_ids'),
        source_id BIGINT NOT NULL,
        webhook_id VARCHAR NOT NULL,
        topic VARCHAR NOT NULL,
        shop_domain VARCHAR,
        customer_id VARCHAR,
        email VARCHAR,
        phone VARCHAR,
        order_ids VARCHAR[],
        payload JSON NOT NULL,
        status VARCHAR NOT NULL,
        received_at TIMESTAMP NOT NULL,
        PRIMARY KEY (source_id, webhook_id)
    )
    """,
)

# What segments are evaluated against and write (docs/decisions/0013-segment-evaluation.md):
# the ``*_facts`` tables mirror the records fields rules test (segments/facts.py), the
# predictions models write ``person_predictions``, segments/membership.py the rest.
SEGMENT_STATEMENTS: Final = (
    """
    CREATE TABLE IF NOT EXISTS person_facts (
        person_id BIGINT PRIMARY KEY,
        first_name VARCHAR,
        last_name VARCHAR,
        email VARCHAR,
        phone VARCHAR,
        emails VARCHAR[],
        phones VARCHAR[],
        title VARCHAR,
        lifecycle_stage VARCHAR,
        owner_id BIGINT,
        created_at TIMESTAMP,
        updated_at TIMESTAMP,
        traits JSON,
        custom JSON
    )
    """,
    # Current memberships (people who left their account are kept, marked ``has_left``).
    """
    CREATE TABLE IF NOT EXISTS person_accounts (
        person_id BIGINT NOT NULL,
        account_id BIGINT NOT NULL,
        title VARCHAR,
        department VARCHAR,
        has_left BOOLEAN NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS account_facts (
        account_id BIGINT PRIMARY KEY,
        name VARCHAR,
        domain VARCHAR,
        industry VARCHAR,
        employees BIGINT,
        annual_revenue DOUBLE,
        annual_revenue_currency VARCHAR,
        country VARCHAR,
        region VARCHAR,
        tier VARCHAR,
        lifecycle VARCHAR,
        owner_id BIGINT,
        parent_id BIGINT,
        created_at TIMESTAMP,
        updated_at TIMESTAMP,
        custom JSON
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS deal_facts (
        deal_id BIGINT PRIMARY KEY,
        account_id BIGINT,
        person_id BIGINT,
        pipeline_id BIGINT,
        stage_id BIGINT,
        stage_kind VARCHAR,
        amount DOUBLE,
        currency VARCHAR,
        owner_id BIGINT,
        forecast_category VARCHAR,
        expected_close_date DATE,
        created_at TIMESTAMP,
        updated_at TIMESTAMP
    )
    """,
    # How far the mirror has read the records database (one row per records table).
    """
    CREATE TABLE IF NOT EXISTS fact_watermarks (
        name VARCHAR PRIMARY KEY,
        updated_at TIMESTAMP,
        timeline_id BIGINT
    )
    """,
    # Scores written by the predictions models; one row per person, replaced on each scoring.
    """
    CREATE TABLE IF NOT EXISTS person_predictions (
        person_id BIGINT PRIMARY KEY,
        churn_risk DOUBLE,
        probability_alive DOUBLE,
        expected_purchases DOUBLE,
        predicted_clv DOUBLE,
        expected_next_order_days DOUBLE,
        rfm_score VARCHAR,
        rfm_group VARCHAR,
        recency DOUBLE,
        frequency DOUBLE,
        monetary DOUBLE,
        scored_at TIMESTAMP
    )
    """,
    # Every fit of the predictions models on the CRM's orders (predictions/refresh.py), for the
    # UI and the API: parameters, standard errors, log-likelihoods and the holdout check.
    "CREATE SEQUENCE IF NOT EXISTS prediction_fit_ids START 1",
    """
    CREATE TABLE IF NOT EXISTS prediction_fits (
        fit_id BIGINT PRIMARY KEY DEFAULT nextval('prediction_fit_ids'),
        fitted_at TIMESTAMP NOT NULL,
        as_of DATE NOT NULL,
        currency VARCHAR NOT NULL,
        model VARCHAR NOT NULL,
        persons BIGINT NOT NULL,
        repeat_customers BIGINT NOT NULL,
        purchases BIGINT NOT NULL,
        orders_without_rate BIGINT NOT NULL,
        purchase_params JSON NOT NULL,
        purchase_standard_errors JSON NOT NULL,
        log_likelihood DOUBLE NOT NULL,
        spend_params JSON,
        spend_standard_errors JSON,
        spend_log_likelihood DOUBLE,
        spend_customers BIGINT,
        horizon_weeks DOUBLE NOT NULL,
        annual_discount_rate DOUBLE NOT NULL,
        holdout JSON NOT NULL,
        notes VARCHAR[] NOT NULL,
        seconds DOUBLE NOT NULL
    )
    """,
    # Current members of every segment (``member_id`` is a person or an account id).
    """
    CREATE TABLE IF NOT EXISTS segment_members (
        segment_id BIGINT NOT NULL,
        member_id BIGINT NOT NULL,
        entered_at TIMESTAMP NOT NULL,
        PRIMARY KEY (segment_id, member_id)
    )
    """,
    # Every entry and exit, append-only: membership history, size over time, and the
    # "Segment Entered" / "Segment Exited" events flows and webhooks read.
    "CREATE SEQUENCE IF NOT EXISTS segment_transition_ids START 1",
    """
    CREATE TABLE IF NOT EXISTS segment_transitions (
        transition_id BIGINT NOT NULL DEFAULT nextval('segment_transition_ids'),
        segment_id BIGINT NOT NULL,
        member_id BIGINT NOT NULL,
        kind VARCHAR NOT NULL,
        happened_at TIMESTAMP NOT NULL,
        cause VARCHAR NOT NULL
    )
    """,
    # When each segment was last evaluated in full (the schedule's clock).
    """
    CREATE TABLE IF NOT EXISTS segment_evaluations (
        segment_id BIGINT PRIMARY KEY,
        evaluated_at TIMESTAMP NOT NULL,
        members BIGINT NOT NULL,
        seconds DOUBLE NOT NULL
    )
    """,
)

# Item-to-item recommendations (recommendations/, decision 0021): per product its buyers, the
# name and price last seen, whether people buy it again, and its top-N co-purchase neighbours.
# Aggregates only (no person ids), so an erasure has nothing to remove here.
RECOMMENDATION_STATEMENTS: Final = (
    """
    CREATE TABLE IF NOT EXISTS product_facts (
        product_key VARCHAR PRIMARY KEY,
        name VARCHAR,
        price DECIMAL(18, 4),
        currency VARCHAR,
        buyers BIGINT NOT NULL,
        repeat_buyers BIGINT NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS product_neighbours (
        product_key VARCHAR NOT NULL,
        neighbour_key VARCHAR NOT NULL,
        similarity DOUBLE NOT NULL,
        co_buyers BIGINT NOT NULL,
        PRIMARY KEY (product_key, neighbour_key)
    )
    """,
    "CREATE SEQUENCE IF NOT EXISTS recommendation_fit_ids START 1",
    """
    CREATE TABLE IF NOT EXISTS recommendation_fits (
        fit_id BIGINT PRIMARY KEY DEFAULT nextval('recommendation_fit_ids'),
        fitted_at TIMESTAMP NOT NULL,
        products BIGINT NOT NULL,
        pairs BIGINT NOT NULL,
        buyers BIGINT NOT NULL,
        settings JSON NOT NULL,
        evaluation JSON,
        seconds DOUBLE NOT NULL
    )
    """,
)

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
    # One row per load of journal segments, written in the same transaction as its events:
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
    # Under a backlog the loader takes several waiting segments as one load: the load's id
    # is its last segment's number and ``first_segment`` its first (NULL: just one segment).
    "ALTER TABLE loads ADD COLUMN IF NOT EXISTS first_segment BIGINT",
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
    # Persons whose events were re-assigned by the identity backfill, written in the same
    # transaction as the backfill; the profile refresh recomputes them and clears the rows.
    "CREATE TABLE IF NOT EXISTS person_changes (person_id BIGINT NOT NULL)",
    # Loads whose events are counted in orders and computed traits (see profiles/refresh.py):
    # written in the same transaction as the counts, so a load is counted exactly once.
    """
    CREATE TABLE IF NOT EXISTS derived_loads (
        load_id BIGINT PRIMARY KEY,
        derived_at TIMESTAMP NOT NULL
    )
    """,
    *ORDER_STATEMENTS,
    *PROFILE_STATEMENTS,
    *SHOPIFY_STATEMENTS,
    *SEGMENT_STATEMENTS,
    *RECOMMENDATION_STATEMENTS,
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
