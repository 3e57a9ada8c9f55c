"""A person's events in the event store: re-assigned on a merge, removed on an erasure.

Erasure is two-phase because the records database and DuckDB cannot share a transaction:
:func:`begin_erasure` suppresses the person's identifiers (no new event of theirs is
loaded from then on) and notes the erasure as pending; after the records are deleted,
:func:`finish_erasure` removes their events and clears the note. A crash in between is
settled on the next start (``persons.erasure.settle_pending_erasures``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from twofold.core.time import utcnow
from twofold.events.store import EventStore

Identifier = tuple[str, str]

# A person's events: tied to them, sent with their user id, or anonymous from their devices.
_PERSON_EVENTS = """
person_id = $person
OR user_id IN (SELECT unnest($values))
OR (person_id IS NULL
    AND (anonymous_id IN (SELECT unnest($values)) OR previous_id IN (SELECT unnest($values))))
"""
_COUNT_EVENTS = f"SELECT count(*) FROM events WHERE {_PERSON_EVENTS}"  # noqa: S608 (constants)
_DELETE_EVENTS = f"DELETE FROM events WHERE {_PERSON_EVENTS}"  # noqa: S608


def identifier_digest(value: str) -> str:
    """SHA-256 (hex) of an identifier, the form in which suppressed identifiers are kept."""
    return hashlib.sha256(value.encode()).hexdigest()


def count_person_events(store: EventStore, person_id: int) -> int:
    """How many events are tied to the person."""
    with store.reader() as reader:
        row = reader.execute(
            "SELECT count(*) FROM events WHERE person_id = ?", [person_id]
        ).fetchone()
    return int(row[0]) if row else 0


def reassign_person_events(store: EventStore, *, from_person_id: int, to_person_id: int) -> int:
    """Give every event still tied to one person to another; how many were moved."""
    with store.writer() as writer:
        row = writer.execute(
            "SELECT count(*) FROM events WHERE person_id = ?", [from_person_id]
        ).fetchone()
        moved = int(row[0]) if row else 0
        if moved:
            writer.execute(
                "UPDATE events SET person_id = ? WHERE person_id = ?",
                [to_person_id, from_person_id],
            )
        writer.execute("DELETE FROM identity_map WHERE person_id = ?", [from_person_id])
    return moved


def begin_erasure(store: EventStore, *, person_id: int, identifiers: Iterable[Identifier]) -> int:
    """Suppress the identifiers and note the erasure as pending; how many were suppressed."""
    items = sorted(set(identifiers))
    now = utcnow().replace(tzinfo=None)
    with store.writer() as writer:
        for kind, value in items:
            writer.execute(
                "INSERT OR IGNORE INTO suppressed_identifiers VALUES (?, ?, ?, ?)",
                [identifier_digest(value), kind, person_id, now],
            )
        writer.execute(
            "INSERT OR REPLACE INTO erasures VALUES (?, ?, NULL, ?)",
            [person_id, now, [value for _kind, value in items]],
        )
    return len(items)


def abandon_erasure(store: EventStore, person_id: int) -> None:
    """Undo :func:`begin_erasure` when the records could not be erased (nothing happened)."""
    with store.writer() as writer:
        writer.execute("DELETE FROM suppressed_identifiers WHERE person_id = ?", [person_id])
        writer.execute("DELETE FROM erasures WHERE person_id = ?", [person_id])


@dataclass(frozen=True)
class EventErasure:
    """What :func:`finish_erasure` removed."""

    events: int
    identity_map: int
    orders: int = 0
    computed_traits: int = 0


# What is derived from the person's events (orders/, profiles/, predictions/): removed with
# them.
_DERIVED_TABLES = (
    "person_stats",
    "person_event_counts",
    "person_category_counts",
    "person_revenue",
    "person_predictions",
)


def finish_erasure(store: EventStore, person_id: int) -> EventErasure:
    """Remove the person's events and identifier mirror; mark the erasure done."""
    with store.writer() as writer:
        row = writer.execute(
            "SELECT pending_values FROM erasures WHERE person_id = ? AND completed_at IS NULL",
            [person_id],
        ).fetchone()
        values: list[str] = list(row[0] or []) if row else []
        parameters = {"person": person_id, "values": values}
        counted = writer.execute(_COUNT_EVENTS, parameters).fetchone()
        writer.execute(_DELETE_EVENTS, parameters)
        mirrored = writer.execute(
            "SELECT count(*) FROM identity_map WHERE person_id = ?", [person_id]
        ).fetchone()
        writer.execute("DELETE FROM identity_map WHERE person_id = ?", [person_id])
        orders = writer.execute(
            "SELECT count(*) FROM orders WHERE person_id = ?", [person_id]
        ).fetchone()
        writer.execute(
            "DELETE FROM order_lines WHERE (source_id, order_id) IN "
            "(SELECT source_id, order_id FROM orders WHERE person_id = ?)",
            [person_id],
        )
        writer.execute("DELETE FROM orders WHERE person_id = ?", [person_id])
        derived = 0
        for table in _DERIVED_TABLES:  # constant names: nothing from outside
            row = writer.execute(
                f"SELECT count(*) FROM {table} WHERE person_id = ?",  # noqa: S608
                [person_id],
            ).fetchone()
            derived += int(row[0]) if row else 0
            writer.execute(f"DELETE FROM {table} WHERE person_id = ?", [person_id])  # noqa: S608
        writer.execute(
            "UPDATE erasures SET completed_at = ?, pending_values = NULL WHERE person_id = ?",
            [utcnow().replace(tzinfo=None), person_id],
        )
    return EventErasure(
        events=int(counted[0]) if counted else 0,
        identity_map=int(mirrored[0]) if mirrored else 0,
        orders=int(orders[0]) if orders else 0,
        computed_traits=derived,
    )


def pending_erasures(store: EventStore) -> list[int]:
    """Persons whose erasure began but did not finish (the process stopped in between)."""
    with store.reader() as reader:
        rows = reader.execute(
            "SELECT person_id FROM erasures WHERE completed_at IS NULL ORDER BY person_id"
        ).fetchall()
    return [int(row[0]) for row in rows]


def suppressed_count(store: EventStore) -> int:
    """How many identifiers are suppressed."""
    with store.reader() as reader:
        row = reader.execute("SELECT count(*) FROM suppressed_identifiers").fetchone()
    return int(row[0]) if row else 0
