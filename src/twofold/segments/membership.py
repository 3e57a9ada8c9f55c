"""Evaluate one segment and store who entered and who left (with the time and the cause).

Members are ``segment_members`` (current, with ``entered_at``); every change is appended to
``segment_transitions`` — the membership history, the size-over-time chart and the
"Segment Entered" / "Segment Exited" events flows read. An evaluation is one DuckDB
transaction: readers never see a half-applied change.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import duckdb

from twofold.segments.compiler import compile_rule
from twofold.segments.definitions import Definition


@dataclass(frozen=True)
class Evaluation:
    """What one evaluation changed."""

    segment_id: int
    entered: int
    exited: int
    seconds: float


def evaluate(
    writer: duckdb.DuckDBPyConnection,
    definition: Definition,
    *,
    now: datetime,
    cause: str,
    scope: Sequence[int] | None = None,
    events_table: str = "events",
) -> Evaluation:
    """Re-evaluate ``definition`` (only for ``scope`` when given) and apply the difference.

    ``events_table="scoped_events"`` reads a temporary copy of the scope's events the caller
    made on this cursor (see ``SegmentEngine``).
    """
    started = time.perf_counter()
    query = compile_rule(
        definition.node, target=definition.target, now=now, scope=scope, events_table=events_table
    )
    writer.execute(f"CREATE OR REPLACE TEMP TABLE candidates AS {query.text}", query.parameters)
    segment = definition.id
    # Who leaves: members (in the scope) that are no longer candidates.
    leaving = "segment_id = ? AND member_id NOT IN (SELECT id FROM candidates)"
    leaving_parameters: list[object] = [segment]
    if scope is not None:
        leaving += " AND member_id IN (SELECT unnest(?::BIGINT[]))"
        leaving_parameters.append(list(scope))
    exited = _count(
        writer.execute(
            "INSERT INTO segment_transitions (segment_id, member_id, kind, happened_at, cause) "  # noqa: S608 - constant text
            "SELECT segment_id, member_id, 'exited', ?, ? FROM segment_members WHERE " + leaving,
            [now, cause, *leaving_parameters],
        )
    )
    if exited:
        writer.execute("DELETE FROM segment_members WHERE " + leaving, leaving_parameters)  # noqa: S608
    entered = _count(
        writer.execute(
            "INSERT INTO segment_transitions (segment_id, member_id, kind, happened_at, cause) "
            "SELECT ?, id, 'entered', ?, ? FROM candidates WHERE id NOT IN "
            "(SELECT member_id FROM segment_members WHERE segment_id = ?)",
            [segment, now, cause, segment],
        )
    )
    if entered:
        writer.execute(
            "INSERT INTO segment_members (segment_id, member_id, entered_at) "
            "SELECT ?, id, ? FROM candidates WHERE id NOT IN "
            "(SELECT member_id FROM segment_members WHERE segment_id = ?)",
            [segment, now, segment],
        )
    seconds = time.perf_counter() - started
    if scope is None:
        writer.execute(
            "INSERT OR REPLACE INTO segment_evaluations VALUES "
            "(?, ?, (SELECT count(*) FROM segment_members WHERE segment_id = ?), ?)",
            [segment, now, segment, seconds],
        )
    writer.execute("DROP TABLE IF EXISTS candidates")
    return Evaluation(segment, entered, exited, seconds)


def forget(writer: duckdb.DuckDBPyConnection, segment_id: int) -> None:
    """A deleted segment: its members, history and evaluation go with it."""
    for table in ("segment_members", "segment_transitions", "segment_evaluations"):
        writer.execute(f"DELETE FROM {table} WHERE segment_id = ?", [segment_id])  # noqa: S608


def _count(cursor: duckdb.DuckDBPyConnection) -> int:
    row = cursor.fetchone()
    return int(row[0]) if row else 0
