"""Keep every segment's membership current: after each load, after record changes, on a clock.

- ``after_load``: the persons a load's events belong to are re-evaluated in the segments whose
  rules read one of the load's event names (or orders, or computed traits), then in the
  segments that refer to those; account segments for those persons' accounts.
- ``after_facts``: the fact mirror reports persons and accounts whose records changed; they
  are re-evaluated in every segment (a new person can enter a ``not`` segment).
- ``refresh``: every segment in full, in dependency order (the hourly schedule: people also
  leave "within 7 days" segments when time passes).

All writes go through the event store's one writer; the engine runs in the loader thread, or
in a request for a segment just saved.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import duckdb

from twofold.core.time import naive_utc, utcnow
from twofold.events.store import EventStore
from twofold.segments import membership
from twofold.segments.definitions import Definition, dependents, load_definitions
from twofold.segments.facts import FactChanges, sync_facts
from twofold.segments.membership import Evaluation
from twofold.store.database import Database

log = logging.getLogger(__name__)
# The event columns rules read (compiler.py); the copy for real-time evaluation keeps these.
SCOPED_COLUMNS = "person_id, type, name, timestamp, revenue, order_id, product_id, properties"


@dataclass(frozen=True)
class _LoadTouched:
    persons: list[int]
    names: frozenset[str]
    orders: bool


class SegmentEngine:
    """Membership upkeep for one data directory."""

    def __init__(self, store: EventStore, database: Database) -> None:
        self.store = store
        self.database = database
        # The loader thread and requests (a segment just saved) share one engine.
        self.lock = threading.RLock()
        # Definition versions as last evaluated: a definition saved by another process (the
        # command line) is noticed by ``catch_up``.
        self._versions: dict[int, int] | None = None

    def definitions(self) -> list[Definition]:
        with self.database.transaction(write=False) as session:
            return load_definitions(session)

    def sync(self, now: datetime | None = None) -> FactChanges:
        """Mirror record changes into the facts, then re-evaluate the members they touch."""
        with self.lock:
            changes = sync_facts(self.store, self.database)
            if changes.full:
                self.refresh(now, cause="records", sync_first=False)
            elif changes:
                self.after_facts(changes, now)
            return changes

    def refresh(
        self,
        now: datetime | None = None,
        *,
        cause: str = "schedule",
        only: set[int] | None = None,
        sync_first: bool = True,
    ) -> list[Evaluation]:
        """Every segment (or ``only`` those and their dependents) in full, in order, after
        the fact mirror has caught up (members are evaluated against current records)."""
        if sync_first:
            self.sync(now)
        at = naive_utc(now or utcnow())
        definitions = self.definitions()
        chosen = None if only is None else only | dependents(definitions, only)
        results = []
        with self.lock:
            if only is None:
                self._versions = {d.id: d.version for d in definitions}
            for definition in definitions:
                if chosen is not None and definition.id not in chosen:
                    continue
                with self.store.writer() as writer:
                    results.append(membership.evaluate(writer, definition, now=at, cause=cause))
        return results

    def evaluate_saved(self, definition: Definition, now: datetime | None = None) -> Evaluation:
        """A segment just created or changed (maybe not committed yet, so it is passed in):
        in full, then the segments that refer to it."""
        at = naive_utc(now or utcnow())
        with self.lock:
            self.sync(now)
            with self.store.writer() as writer:
                result = membership.evaluate(writer, definition, now=at, cause="saved")
            if self._versions is not None:
                self._versions[definition.id] = definition.version
            stored = [d for d in self.definitions() if d.id != definition.id]
            users = dependents([*stored, definition], {definition.id})
            for other in stored:
                if other.id in users:
                    with self.store.writer() as writer:
                        membership.evaluate(writer, other, now=at, cause="saved")
        return result

    def catch_up(self, now: datetime | None = None) -> None:
        """Evaluate definitions created or changed elsewhere since the last look; forget the
        members of deleted ones."""
        with self.lock:
            if self._versions is None:
                return  # the first full refresh sets the baseline
            definitions = {d.id: d for d in self.definitions()}
            for segment_id in set(self._versions) - set(definitions):
                self.forget(segment_id)
            for definition in definitions.values():
                if self._versions.get(definition.id) != definition.version:
                    self.evaluate_saved(definition, now)

    def forget(self, segment_id: int) -> None:
        """A deleted segment's members and history."""
        with self.lock, self.store.writer() as writer:
            membership.forget(writer, segment_id)
            if self._versions is not None:
                self._versions.pop(segment_id, None)

    def after_loads(self, load_ids: Sequence[int], now: datetime | None = None) -> list[Evaluation]:
        """The loads' persons in the segments that read the loads' event names (or orders,
        or computed traits), then in the segments that refer to those."""
        touched = self._touched_by(load_ids)
        if not touched.persons:
            return []
        definitions = self.definitions()
        affected = {
            d.id
            for d in definitions
            if d.reads.event_names & touched.names
            or d.reads.stats
            or (d.reads.orders and touched.orders)
        }
        if not affected:
            return []
        affected |= dependents(definitions, affected)
        return self._scoped(
            [d for d in definitions if d.id in affected],
            persons=touched.persons,
            accounts=None,
            now=now,
            cause="event",
        )

    def after_load(self, load_id: int, now: datetime | None = None) -> list[Evaluation]:
        return self.after_loads([load_id], now)

    def after_facts(self, changes: FactChanges, now: datetime | None = None) -> list[Evaluation]:
        """Changed records in the segments that read record fields (and those built on them);
        people or accounts that appeared or left in every segment (``not`` rules see them)."""
        persons = set(changes.persons)
        if changes.accounts:
            with self.store.reader() as reader:
                persons.update(_related(reader, "person_id", "account_id", changes.accounts))
        definitions = self.definitions()
        reading = {d.id for d in definitions if d.reads.records}
        reading |= dependents(definitions, reading)
        results = []
        if changes.arrived_persons or changes.arrived_accounts:
            results += self._scoped(
                definitions,
                persons=sorted(changes.arrived_persons),
                accounts=sorted(changes.arrived_accounts),
                now=now,
                cause="record",
            )
        if reading:
            results += self._scoped(
                [d for d in definitions if d.id in reading],
                persons=sorted(persons),
                accounts=sorted(changes.accounts),
                now=now,
                cause="record",
            )
        return results

    def _scoped(
        self,
        definitions: Sequence[Definition],
        *,
        persons: Sequence[int],
        accounts: Sequence[int] | None,
        now: datetime | None,
        cause: str,
    ) -> list[Evaluation]:
        with self.lock:
            return evaluate_scoped(
                self.store,
                definitions,
                persons=persons,
                accounts=accounts,
                at=naive_utc(now or utcnow()),
                cause=cause,
            )

    def _touched_by(self, load_ids: Sequence[int]) -> _LoadTouched:
        loads = [list(load_ids)]
        with self.store.reader() as reader:
            persons = _ids(
                reader.execute(
                    "SELECT DISTINCT person_id FROM events "
                    "WHERE load_id IN (SELECT unnest(?::BIGINT[])) AND person_id IS NOT NULL",
                    loads,
                )
            )
            rows = reader.execute(
                "SELECT DISTINCT CASE WHEN type = 'track' THEN name ELSE type END, "
                "bool_or(order_id IS NOT NULL) OVER () FROM events "
                "WHERE load_id IN (SELECT unnest(?::BIGINT[]))",
                loads,
            ).fetchall()
        return _LoadTouched(
            persons=persons,
            names=frozenset(str(name) for name, _ in rows if name is not None),
            orders=any(bool(has_order) for _, has_order in rows),
        )


def evaluate_scoped(
    store: EventStore,
    definitions: Sequence[Definition],
    *,
    persons: Sequence[int],
    accounts: Sequence[int] | None,
    at: datetime,
    cause: str,
) -> list[Evaluation]:
    """Re-evaluate ``definitions`` for some persons (and accounts: those given, or the
    persons' accounts) in one transaction, reading a copy of only their events."""
    if accounts is None or any(d.target == "accounts" for d in definitions):
        with store.reader() as reader:
            related = _related(reader, "account_id", "person_id", persons)
        accounts = sorted(set(accounts or ()) | related)
    results = []
    with store.writer() as writer:
        # Every event the evaluations can read, copied once: the people in the scope and the
        # people of the accounts in it (account rules count their people's events).
        # Only the events the rules name, and only the columns rules read.
        readers = set(persons) | _related(writer, "person_id", "account_id", accounts)
        names = sorted(set().union(*(d.reads.event_names for d in definitions)))
        writer.execute(
            f"CREATE OR REPLACE TEMP TABLE scoped_events AS SELECT {SCOPED_COLUMNS} FROM events "  # noqa: S608
            "WHERE person_id IN (SELECT unnest(?::BIGINT[])) "
            "AND (name IN (SELECT unnest(?::VARCHAR[])) OR type IN (SELECT unnest(?::VARCHAR[])))",
            [sorted(readers), names, names],
        )
        for definition in definitions:
            scope = accounts if definition.target == "accounts" else persons
            if scope:
                results.append(
                    membership.evaluate(
                        writer,
                        definition,
                        now=at,
                        cause=cause,
                        scope=scope,
                        events_table="scoped_events",
                    )
                )
        writer.execute("DROP TABLE IF EXISTS scoped_events")
    return results


def _ids(cursor: duckdb.DuckDBPyConnection) -> list[int]:
    return [int(row[0]) for row in cursor.fetchall()]


def _related(
    reader: duckdb.DuckDBPyConnection, wanted: str, given: str, ids: Iterable[int]
) -> set[int]:
    """Accounts of persons or persons of accounts, through current memberships."""
    assert {wanted, given} == {"person_id", "account_id"}
    return set(
        _ids(
            reader.execute(
                f"SELECT {wanted} FROM person_accounts "  # noqa: S608 - the two column names
                f"WHERE {given} IN (SELECT unnest(?::BIGINT[]))",
                [sorted(ids)],
            )
        )
    )
