"""Real-time membership equals a full re-evaluation, after any sequence of events, trait
changes and clock advances (issue 5's property test), on SQLite and on PostgreSQL.

Each step goes through the real paths: events are written as a load and counted into the
computed traits (profiles/refresh.py), then ``SegmentEngine.after_load``; trait changes are
written to the records database and mirrored by ``SegmentEngine.sync``; a clock advance runs
the scheduled ``refresh``. After every step, every segment's stored members must equal what
its rule selects when evaluated from scratch at that moment.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from twofold.events.store import EventStore
from twofold.profiles.refresh import refresh_after_load
from twofold.segments.compiler import compile_rule
from twofold.segments.definitions import as_definition
from twofold.segments.engine import SegmentEngine
from twofold.store.database import Database
from twofold.store.models import Person, Segment

START = datetime(2026, 3, 1, 9, 0, 0)
PERSONS = 4
RULES: list[tuple[str, Any]] = [
    ("viewed twice this week", {"event": "Viewed", "count": {"gte": 2}, "within_days": 7}),
    ("dutch", {"trait": "country", "op": "eq", "value": "NL"}),
    ("dutch non-buyers", {"all": [{"segment": "dutch"},
                                  {"not": {"event": "Bought", "within_days": 3}}]}),
    ("big spenders", {"event": "Bought", "sum": "revenue", "gte": 100, "within_days": 30}),
    ("quiet", {"event": "Viewed", "last_seen_days_ago": {"gt": 2}}),
    ("never bought or lapsed", {"any": [{"event": "Bought", "count": {"eq": 0}},
                                        {"event": "Bought", "last_seen_days_ago": {"gte": 5}}]}),
]  # fmt: skip

event_step = st.tuples(
    st.just("event"),
    st.integers(0, PERSONS - 1),
    st.sampled_from(["Viewed", "Bought"]),
    st.sampled_from([0, 40, 80]),
)
trait_step = st.tuples(
    st.just("trait"), st.integers(0, PERSONS - 1), st.sampled_from(["NL", "BE", None]), st.just(0)
)
clock_step = st.tuples(st.just("clock"), st.just(0), st.just(""), st.sampled_from([6, 30, 80]))
steps = st.lists(st.one_of(event_step, trait_step, clock_step), min_size=1, max_size=12)


class Scenario:
    """Persons in the records database, an event store, the engine, and a clock."""

    def __init__(self, database: Database, directory: Path) -> None:
        self.database = database
        self.store = EventStore(directory / "events.duckdb")
        self.engine = SegmentEngine(self.store, database)
        self.load_id = 0
        self.message = 0
        self.persons: list[int] = []
        self.segments: dict[str, int] = {}

    def reset(self) -> None:
        with self.database.transaction() as session:
            session.execute(delete(Segment))
            session.execute(delete(Person))
            self.persons = []
            for number in range(PERSONS):
                person = Person(first_name=f"P{number}", traits={})
                session.add(person)
                session.flush()
                self.persons.append(person.id)
            ids: dict[str, int] = {}
            for name, rule in RULES:
                text = orjson.dumps(rule).decode()
                for earlier, segment_id in ids.items():
                    text = text.replace(f'"{earlier}"', str(segment_id))
                segment = Segment(name=name, target="persons", rule=orjson.loads(text))
                session.add(segment)
                session.flush()
                ids[name] = segment.id
            self.segments = ids
        with self.store.writer() as writer:
            for table in ("events", "person_event_counts", "person_stats", "orders",
                          "segment_members", "segment_transitions", "segment_evaluations",
                          "fact_watermarks", "derived_loads", "person_revenue"):  # fmt: skip
                writer.execute(f"DELETE FROM {table}")
        self.now = START
        self.engine.sync(self.now)  # the first pass copies everything and evaluates in full

    def event(self, person: int, name: str, revenue: int) -> None:
        self.load_id += 1
        self.message += 1
        with self.store.writer() as writer:
            writer.execute(
                "INSERT INTO events (load_id, source_id, message_id, type, name, person_id, "
                "timestamp, received_at, revenue, properties) "
                "VALUES (?, 1, ?, 'track', ?, ?, ?, ?, ?, ?)",
                [self.load_id, f"m{self.message}", name, self.persons[person], self.now,
                 self.now, revenue, orjson.dumps({"revenue": revenue}).decode()],
            )  # fmt: skip
        refresh_after_load(self.store, self.load_id)
        self.engine.after_load(self.load_id, self.now)

    def trait(self, person: int, country: str | None) -> None:
        with self.database.transaction() as session:
            record = session.scalars(select(Person).where(Person.id == self.persons[person])).one()
            traits = dict(record.traits)
            if country is None:
                traits.pop("country", None)
            else:
                traits["country"] = country
            record.traits = traits
        self.engine.sync(self.now)

    def advance(self, hours: int) -> None:
        self.now += timedelta(hours=hours)
        self.engine.refresh(self.now)

    def check(self) -> None:
        with self.database.transaction(write=False) as session:
            definitions = [as_definition(s) for s in session.scalars(select(Segment))]
        with self.store.reader() as reader:
            for definition in definitions:
                query = compile_rule(definition.node, target="persons", now=self.now)
                selected = reader.execute(query.text, query.parameters).fetchall()
                stored = reader.execute(
                    "SELECT member_id FROM segment_members WHERE segment_id = ?", [definition.id]
                ).fetchall()
                expected = {row[0] for row in selected}
                stored = {row[0] for row in stored}
                assert stored == expected, (definition.name, self.now)


@pytest.fixture
def scenario(database: Database, tmp_path: Path) -> Iterator[Scenario]:
    built = Scenario(database, tmp_path)
    yield built
    built.store.close()


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=steps)
def test_real_time_membership_equals_full_evaluation(
    scenario: Scenario, steps: list[tuple[str, int, Any, int]]
) -> None:
    scenario.reset()
    scenario.check()
    for kind, person, value, amount in steps:
        if kind == "event":
            scenario.event(person, value, amount)
        elif kind == "trait":
            scenario.trait(person, value)
        else:
            scenario.advance(amount)
        scenario.check()
