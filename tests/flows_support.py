"""A shop for flow tests: people, an email template, an event store and a controllable clock
(shared by the flow test modules)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from twofold.events.store import EventStore
from twofold.flows.actions import FlowCreate, create_flow, set_status
from twofold.flows.engine import run_due
from twofold.flows.triggers import collect_entries
from twofold.persons.actions import create_person
from twofold.persons.schemas import PersonCreate
from twofold.profiles.refresh import refresh_after_load
from twofold.segments.facts import sync_facts
from twofold.store.database import Database
from twofold.store.models import FlowRun, MessageTemplate, OutboxMessage, User

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


class Shop:
    """A records database with people and a template, an event store, and a clock."""

    def __init__(self, database: Database, store: EventStore, admin: User) -> None:
        self.database = database
        self.store = store
        self.admin = admin
        self.load = 0
        self.message = 0
        with database.transaction() as session:
            self.people = [
                create_person(
                    session,
                    actor=session.get_one(User, admin.id),
                    data=PersonCreate(first_name=name, emails=[f"{name.lower()}@example.com"]),
                ).id
                for name in ("Ann", "Bob", "Cas")
            ]
            template = MessageTemplate(
                name="Cart reminder",
                channel="email",
                subject="Your cart, {{ person.first_name }}",
                html="<p>Still thinking?</p>",
                text="Still thinking?",
            )
            session.add(template)
            session.flush()
            self.template = template.id

    def events(self, at: datetime, *rows: tuple[int, str, dict[str, Any]]) -> None:
        """One resolved load of track events (person, name, properties)."""
        self.load += 1
        naive = at.replace(tzinfo=None)
        with self.store.writer() as writer:
            writer.execute(
                "INSERT INTO loads (load_id, segment, loaded_at, received, stored, "
                "identities_done) VALUES (?, ?, ?, ?, ?, true)",
                [self.load, f"{self.load}.jsonl", naive, len(rows), len(rows)],
            )
            for person, name, properties in rows:
                self.message += 1
                writer.execute(
                    "INSERT INTO events (load_id, source_id, message_id, type, name, person_id, "
                    "timestamp, received_at, properties) VALUES (?, 1, ?, 'track', ?, ?, ?, ?, ?)",
                    [
                        self.load,
                        f"m{self.message}",
                        name,
                        person,
                        naive,
                        naive,
                        orjson.dumps(properties).decode(),
                    ],
                )
        refresh_after_load(self.store, self.load)  # computed traits, as the loader does

    def flow(self, definition: dict[str, Any], name: str = "Cart") -> int:
        with self.database.transaction() as session:
            actor = session.get_one(User, self.admin.id)
            flow = create_flow(
                session, actor=actor, data=FlowCreate(name=name, definition=definition)
            )
            set_status(session, self.store, actor=actor, flow=flow, status="active")
            return flow.id

    def tick(self, at: datetime) -> tuple[int, int]:
        sync_facts(self.store, self.database)  # as the loader does: conditions read the facts
        entered = collect_entries(self.database, self.store, now=at)
        return entered, run_due(self.database, self.store, now=at)

    def runs(self, flow_id: int) -> list[FlowRun]:
        with self.database.transaction(write=False) as session:
            return list(
                session.scalars(
                    select(FlowRun).where(FlowRun.flow_id == flow_id).order_by(FlowRun.id)
                )
            )

    def outbox(self) -> list[tuple[int, str]]:
        with self.database.transaction(write=False) as session:
            return [
                (m.person_id, m.idempotency_key) for m in session.scalars(select(OutboxMessage))
            ]


@pytest.fixture
def shop(database: Database, admin: User, tmp_path: Path) -> Iterator[Shop]:
    store = EventStore(tmp_path / "events.duckdb")
    yield Shop(database, store, admin)
    store.close()
