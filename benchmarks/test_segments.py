"""Segments at scale: full evaluation of typical 3-condition segments over 1M people and 50M
events, the real-time step after a load, and a naive pandas evaluation of the same rules.

The data is generated straight into an event store (facts, events, per-person counts,
orders) with DuckDB SQL. Sizes: ``TWOFOLD_BENCH_SEGMENT_PEOPLE`` (default 1,000,000) and
``TWOFOLD_BENCH_SEGMENT_EVENTS`` (default 50,000,000). Targets (product.md): < 1 s per full
evaluation; membership updated < 1 s after the event that changes it.
"""

from __future__ import annotations

import os
import platform
import statistics
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from twofold.core.settings import sqlite_url_for
from twofold.core.time import naive_utc, utcnow
from twofold.events.store import EventStore, event_store_path
from twofold.ingest.messages import Receipt, journal_line
from twofold.ingest.runtime import Ingestion
from twofold.ingest.sources import create_source
from twofold.segments import membership, queries
from twofold.segments.definitions import Definition
from twofold.segments.engine import evaluate_scoped
from twofold.segments.rules import parse_rule
from twofold.store.database import open_database
from twofold.store.migrate import upgrade_to_latest
from twofold.store.models import Segment

pytestmark = pytest.mark.bench
RESULTS = Path(__file__).parent / "results"
PEOPLE = int(os.environ.get("TWOFOLD_BENCH_SEGMENT_PEOPLE", "1000000"))
EVENTS = int(os.environ.get("TWOFOLD_BENCH_SEGMENT_EVENTS", "50000000"))
NOW = datetime(2026, 11, 1, 12, 0, 0)
NAMES = ["Page Viewed", "Product Viewed", "Product Added", "Order Completed", "Email Opened",
         "Email Clicked", "Signed In", "Search", "Wishlist Added", "Review Written"]  # fmt: skip
CATEGORIES = ["shoes", "bags", "shirts", "coats", "hats", "socks", "belts", "watches"]

RULES: dict[str, Any] = {
    "shoe browsers, no recent order, Benelux": {"all": [
        {"event": "Product Viewed", "where": [{"property": "category", "op": "eq",
                                               "value": "shoes"}],
         "count": {"gte": 3}, "within_days": 7},
        {"not": {"event": "Order Completed", "within_days": 30}},
        {"trait": "country", "op": "in", "value": ["NL", "BE"]},
    ]},
    "win-back big spenders": {"all": [
        {"event": "Order Completed", "sum": "revenue", "gte": 200, "within_days": 365},
        {"event": "Order Completed", "last_seen_days_ago": {"gt": 90}},
        {"trait": "lifecycle_stage", "op": "eq", "value": "customer"},
    ]},
    "engaged readers": {"any": [
        {"event": "Email Opened", "count": {"gte": 5}, "within_days": 30},
        {"event": "Email Clicked", "within_days": 14},
        {"all": [{"event": "Page Viewed", "count": {"gte": 20}},
                 {"trait": "country", "op": "eq", "value": "DE"}]},
    ]},
}  # fmt: skip


def build(store: EventStore) -> float:
    """Generate the data set; answers the seconds it took."""
    started = time.perf_counter()
    names = "[" + ", ".join(f"'{n}'" for n in NAMES) + "]"
    categories = "[" + ", ".join(f"'{c}'" for c in CATEGORIES) + "]"
    with store.writer() as w:
        w.execute(
            f"""
            INSERT INTO person_facts (person_id, first_name, last_name, email, emails, phones,
                lifecycle_stage, created_at, updated_at, traits, custom)
            SELECT i, 'First' || i, 'Last', 'p' || i || '@example.com',
                   ['p' || i || '@example.com'], [],
                   CASE WHEN i % 5 = 0 THEN 'customer' ELSE 'lead' END,
                   TIMESTAMP '2024-01-01', TIMESTAMP '2024-01-01',
                   json_object('country', ['NL', 'BE', 'DE', 'FR', 'US'][1 + i % 5]), '{{}}'
            FROM range(1, {PEOPLE + 1}) t(i)
            """
        )
        # Events: people drawn with a skew (some very active), names with a skew, the last year.
        w.execute(
            f"""
            INSERT INTO events (load_id, source_id, message_id, type, name, person_id, timestamp,
                received_at, revenue, properties)
            SELECT 1, 1, 'm' || i, 'track', name, person_id, ts, ts,
                   CASE WHEN name = 'Order Completed' THEN 20 + (i % 180) END,
                   CASE WHEN name = 'Product Viewed'
                        THEN json_object('category', {categories}[1 + (i // 7) % 8]) END
            FROM (
                SELECT i,
                       1 + CAST(floor({PEOPLE} * pow(hash(i) % 1000003 / 1000003.0, 1.6)) AS BIGINT)
                           % {PEOPLE} AS person_id,
                       {names}[1 + CAST(floor(10 * pow((hash(i * 7) % 10007) / 10007.0, 2)) AS INT)]
                           AS name,
                       TIMESTAMP '{NOW:%Y-%m-%d %H:%M:%S}'
                           - to_seconds(CAST(hash(i * 13) % (365 * 86400) AS BIGINT)) AS ts
                FROM range({EVENTS}) t(i)
            )
            """
        )
        w.execute(
            """
            INSERT INTO person_event_counts
            SELECT person_id, type, name, count(*), min(timestamp), max(timestamp)
            FROM events GROUP BY ALL
            """
        )
    return time.perf_counter() - started


def full_evaluation(store: EventStore, segment_id: int, rule: Any) -> float:
    definition = Definition(segment_id, f"bench {segment_id}", "persons", parse_rule(rule))
    started = time.perf_counter()
    with store.writer() as writer:
        membership.evaluate(writer, definition, now=NOW, cause="bench")
    return time.perf_counter() - started


def members(store: EventStore, segment_id: int) -> set[int]:
    with store.reader() as reader:
        rows = reader.execute(
            "SELECT member_id FROM segment_members WHERE segment_id = ?", [segment_id]
        ).fetchall()
    return {int(row[0]) for row in rows}


def real_time_step(store: EventStore, definitions: list[Definition], load_id: int) -> float:
    """A load of 1,000 new events for random people, then what the engine does for it:
    re-evaluate the segments reading those events, only for those people."""
    with store.writer() as w:
        w.execute(
            f"""
            INSERT INTO events (load_id, source_id, message_id, type, name, person_id, timestamp,
                received_at, properties)
            SELECT ?, 1, 'rt' || ? || '-' || i, 'track', 'Product Viewed',
                   1 + (hash(i + ? * 1000) % {PEOPLE}), ?, ?, json_object('category', 'shoes')
            FROM range(1000) t(i)
            """,
            [load_id, load_id, load_id, NOW, NOW],
        )
    started = time.perf_counter()
    with store.reader() as reader:
        rows = reader.execute(
            "SELECT DISTINCT person_id FROM events WHERE load_id = ?", [load_id]
        ).fetchall()
    evaluate_scoped(
        store, definitions, persons=[row[0] for row in rows], accounts=None, at=NOW, cause="event"
    )
    return time.perf_counter() - started


# -- the naive reference: the same rules with pandas over in-memory frames --------------------


def pandas_frames(store: EventStore) -> dict[str, pd.DataFrame]:
    with store.reader() as reader:
        events = reader.execute(
            "SELECT person_id, name, timestamp, revenue, properties->>'category' AS category "
            "FROM events"
        ).df()
        people = reader.execute(
            "SELECT person_id, lifecycle_stage, traits->>'country' AS country FROM person_facts"
        ).df()
    events["name"] = events["name"].astype("category")
    return {"events": events, "people": people}


def pandas_rules(frames: dict[str, pd.DataFrame]) -> dict[str, Callable[[], set[int]]]:
    events, people = frames["events"], frames["people"]
    everyone = set(people["person_id"])

    def did(name: str, days: float | None = None, where: Any = None) -> pd.DataFrame:
        chosen = events[events["name"] == name]
        if days is not None:
            chosen = chosen[chosen["timestamp"] >= NOW - timedelta(days=days)]
        if where is not None:
            chosen = chosen[where(chosen)]
        return chosen

    def shoe_browsers() -> set[int]:
        views = did("Product Viewed", 7, lambda e: e["category"] == "shoes")
        counts = views.groupby("person_id").size()
        recent_orders = set(did("Order Completed", 30)["person_id"])
        benelux = set(people[people["country"].isin(["NL", "BE"])]["person_id"])
        return set(counts[counts >= 3].index) & (everyone - recent_orders) & benelux

    def win_back() -> set[int]:
        orders = did("Order Completed", 365)
        spend = orders.groupby("person_id")["revenue"].sum()
        last = did("Order Completed").groupby("person_id")["timestamp"].max()
        lapsed = last[(NOW - last) / timedelta(days=1) > 90]
        customers = set(people[people["lifecycle_stage"] == "customer"]["person_id"])
        return set(spend[spend >= 200].index) & set(lapsed.index) & customers

    def engaged() -> set[int]:
        opens = did("Email Opened", 30).groupby("person_id").size()
        clicks = set(did("Email Clicked", 14)["person_id"])
        pages = did("Page Viewed").groupby("person_id").size()
        germans = set(people[people["country"] == "DE"]["person_id"])
        return set(opens[opens >= 5].index) | clicks | (set(pages[pages >= 20].index) & germans)

    return {
        "shoe browsers, no recent order, Benelux": shoe_browsers,
        "win-back big spenders": win_back,
        "engaged readers": engaged,
    }


def live_lag(home: Path, *, probes: int = 40) -> tuple[list[float], int]:
    """A running pipeline over the built store, with 5,000 shoe-view events/s arriving for
    1,000 known shoppers: each probe is a new visitor who identifies and clicks an email
    (which puts them in "engaged readers"); the lag is from the journal append (the moment
    the server would answer 200) to the membership row. Answers the lags and the events sent.
    """
    database = open_database(sqlite_url_for(home))
    upgrade_to_latest(database)
    with database.transaction() as session:
        for number, (name, rule) in enumerate(RULES.items(), start=1):
            session.add(Segment(id=number, name=name, target="persons", rule=rule))
        source, _key = create_source(session, actor=None, name="Bench")
        source_id = source.id
    store = EventStore(event_store_path(home))
    with store.writer() as writer:  # the 1M people exist only as facts: nothing to copy
        writer.execute(
            "INSERT OR REPLACE INTO fact_watermarks VALUES ('records', ?, 0)", [naive_utc(utcnow())]
        )
    store.close()
    ingestion = Ingestion(home, database)
    ingestion.start()
    stop = threading.Event()
    sent = [0]

    def shopper_views(batch: int, receipt: Receipt) -> bytes:
        return b"".join(
            journal_line(
                {
                    "type": "track",
                    "userId": f"shopper-{(batch * 500 + i) % 1000}",
                    "event": "Product Viewed",
                    "properties": {"category": "shoes"},
                },
                receipt,
            )
            for i in range(500)
        )

    def background() -> None:
        batch = 0
        while not stop.is_set():
            receipt = Receipt(source_id=source_id, received_at=utcnow())
            ingestion.journal.append_blocking(shopper_views(batch, receipt))
            sent[0] += 500
            batch += 1
            time.sleep(0.1)

    lags: list[float] = []
    sender = threading.Thread(target=background, daemon=True)
    try:
        ingestion.flush(timeout=600)  # the start: mirror check and the first full refresh
        sender.start()
        time.sleep(5)  # the shoppers exist; the load is steady
        for number in range(probes):
            user = f"probe-{number}"
            receipt = Receipt(source_id=source_id, received_at=utcnow())
            identify = {"type": "identify", "userId": user, "traits": {"email": f"{user}@x.org"}}
            click = {"type": "track", "userId": user, "event": "Email Clicked"}
            started = time.perf_counter()
            ingestion.journal.append_blocking(
                journal_line(identify, receipt) + journal_line(click, receipt)
            )
            while True:
                with ingestion.store.reader() as reader:
                    row = reader.execute(
                        "SELECT 1 FROM identity_map i JOIN segment_members m "
                        "ON m.member_id = i.person_id AND m.segment_id = 3 "
                        "WHERE i.kind = 'user_id' AND i.value = ?",
                        [user],
                    ).fetchone()
                if row:
                    break
                if time.perf_counter() - started > 60:
                    raise AssertionError(f"{user} never entered the segment")
                time.sleep(0.01)
            lags.append(time.perf_counter() - started)
            time.sleep(0.25)
    finally:
        stop.set()
        ingestion.stop()
        database.dispose()
    return lags, sent[0]


def test_segment_evaluation_at_scale(tmp_path: Path) -> None:
    home = tmp_path / "home"
    store = EventStore(event_store_path(home))
    try:
        built = build(store)
        ours: dict[str, list[float]] = {}
        found: dict[str, set[int]] = {}
        previews: dict[str, list[float]] = {}
        for number, (name, rule) in enumerate(RULES.items(), start=1):
            full_evaluation(store, number, rule)  # warm the caches once
            ours[name] = [full_evaluation(store, number, rule) for _ in range(3)]
            found[name] = members(store, number)
            previews[name] = []
            for _ in range(3):
                started = time.perf_counter()
                with store.reader() as reader:
                    count, _sample = queries.preview(reader, parse_rule(rule), "persons", NOW)
                previews[name].append(time.perf_counter() - started)
            assert count == len(found[name])

        started = time.perf_counter()
        frames = pandas_frames(store)
        loading = time.perf_counter() - started
        naive: dict[str, list[float]] = {}
        for name, evaluate in pandas_rules(frames).items():
            times = []
            for _ in range(2):
                started = time.perf_counter()
                answer = evaluate()
                times.append(time.perf_counter() - started)
            naive[name] = times
            assert answer == found[name], f"pandas and the compiled SQL disagree on {name}"
        del frames

        definitions = [
            Definition(number, name, "persons", parse_rule(rule))
            for number, (name, rule) in enumerate(RULES.items(), start=1)
        ]
        lags = [real_time_step(store, definitions, load) for load in range(2, 42)]
        with store.reader() as reader:
            size = reader.execute("SELECT count(*) FROM events").fetchone()
    finally:
        store.close()
    live, background_events = live_lag(home)

    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    lines = [
        f"## Segments — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC ({machine})",
        "",
        f"{PEOPLE:,} people, {size[0] if size else 0:,} events (built in {built:.0f} s).",
        (
            "Full evaluation = the compiled query plus applying entries/exits (best of 3 runs); "
            "pandas = the same rule over DataFrames already in memory (loading them took "
            f"{loading:.0f} s, not counted)."
        ),
        "",
        "| segment | members | twofold s | preview s | pandas s |",
        "|---|---:|---:|---:|---:|",
    ]
    lines.extend(
        f"| {name} | {len(found[name]):,} | {min(ours[name]):.2f} | {min(previews[name]):.2f} | "
        f"{min(naive[name]):.2f} |"
        for name in RULES
    )
    lines += [
        "",
        (
            "Real-time step after a load of 1,000 events (the 3 segments, only the load's "
            f"people), 40 loads: median {statistics.median(lags) * 1000:.0f} ms, "
            f"p95 {sorted(lags)[int(len(lags) * 0.95) - 1] * 1000:.0f} ms."
        ),
        "",
        (
            "Live membership lag (a running pipeline, 5,000 events/s arriving; from the "
            "journal append that precedes the 200 to the membership row of a new visitor, "
            f"identity resolution and the fact mirror included), {len(live)} probes, "
            f"{background_events:,} background events: median "
            f"{statistics.median(live) * 1000:.0f} ms, "
            f"p95 {sorted(live)[int(len(live) * 0.95) - 1] * 1000:.0f} ms."
        ),
        "",
    ]
    report = "\n".join(lines)
    print(report)
    with (RESULTS / "latest.md").open("a") as handle:
        handle.write("\n" + report)
