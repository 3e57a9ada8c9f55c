"""Reading membership: member pages, one member, previews, history, exports.

Everything here reads the event store (DuckDB), where membership and the facts live, through
a reading cursor; nothing writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, Literal

import duckdb

from twofold.core.errors import ValidationFailed
from twofold.segments.compiler import compile_rule
from twofold.segments.rules import Node, Target

SAMPLE_SIZE: Final = 10
AudienceFormat = Literal["meta", "google"]


@dataclass(frozen=True)
class Member:
    id: int
    name: str
    email: str | None
    entered_at: datetime | None = None


@dataclass(frozen=True)
class Evaluated:
    members: int
    evaluated_at: datetime | None
    seconds: float | None


def _member_columns(target: Target) -> tuple[str, str, str]:
    """``(table, id column, SQL for the name, SQL for the email)`` of a member."""
    if target == "accounts":
        return "account_facts", "account_id", "f.name, f.domain"
    return "person_facts", "person_id", "trim(concat_ws(' ', f.first_name, f.last_name)), f.email"


def evaluation(reader: duckdb.DuckDBPyConnection, segment_id: int) -> Evaluated:
    row = reader.execute(
        "SELECT (SELECT count(*) FROM segment_members WHERE segment_id = ?), evaluated_at, "
        "seconds FROM (SELECT 1) LEFT JOIN segment_evaluations ON segment_id = ?",
        [segment_id, segment_id],
    ).fetchone()
    assert row is not None
    return Evaluated(int(row[0]), row[1], row[2])


def member_page(
    reader: duckdb.DuckDBPyConnection,
    segment_id: int,
    target: Target,
    *,
    limit: int,
    after: int | None,
) -> tuple[list[Member], int | None]:
    """Members in id order after ``after``; the second value is the next cursor."""
    table, key, shown = _member_columns(target)
    rows = reader.execute(
        f"SELECT m.member_id, {shown}, m.entered_at FROM segment_members m "  # noqa: S608
        f"LEFT JOIN {table} f ON f.{key} = m.member_id "
        "WHERE m.segment_id = ? AND m.member_id > ? ORDER BY m.member_id LIMIT ?",
        [segment_id, after or 0, limit + 1],
    ).fetchall()
    members = [_member(row) for row in rows[:limit]]
    next_after = members[-1].id if len(rows) > limit else None
    return members, next_after


def membership_of(
    reader: duckdb.DuckDBPyConnection, segment_id: int, member_id: int
) -> dict[str, Any]:
    """Whether one person (or account) is a member, since when, and its latest transitions."""
    row = reader.execute(
        "SELECT entered_at FROM segment_members WHERE segment_id = ? AND member_id = ?",
        [segment_id, member_id],
    ).fetchone()
    history = reader.execute(
        "SELECT kind, happened_at, cause FROM segment_transitions "
        "WHERE segment_id = ? AND member_id = ? ORDER BY transition_id DESC LIMIT 20",
        [segment_id, member_id],
    ).fetchall()
    return {
        "segment_id": segment_id,
        "member_id": member_id,
        "member": row is not None,
        "entered_at": row[0] if row else None,
        "history": [{"kind": k, "at": at, "cause": cause} for k, at, cause in history],
    }


def preview(
    reader: duckdb.DuckDBPyConnection, node: Node, target: Target, now: datetime
) -> tuple[int, list[Member]]:
    """How many would be members now, and a sample of them, without storing anything."""
    query = compile_rule(node, target=target, now=now)
    table, key, shown = _member_columns(target)
    reader.execute(f"CREATE OR REPLACE TEMP TABLE preview AS {query.text}", query.parameters)
    try:
        row = reader.execute("SELECT count(*) FROM preview").fetchone()
        sample = reader.execute(
            f"SELECT p.id, {shown}, NULL FROM preview p "  # noqa: S608 - constant names
            f"LEFT JOIN {table} f ON f.{key} = p.id ORDER BY p.id LIMIT ?",
            [SAMPLE_SIZE],
        ).fetchall()
    finally:
        reader.execute("DROP TABLE IF EXISTS preview")
    return (int(row[0]) if row else 0), [_member(r) for r in sample]


def size_history(
    reader: duckdb.DuckDBPyConnection, segment_id: int, *, days: int, now: datetime
) -> list[dict[str, Any]]:
    """Members at the end of each of the last ``days`` days (from the entry/exit history)."""
    start = (now - timedelta(days=days - 1)).date()
    rows = reader.execute(
        """
        WITH days AS (SELECT CAST(d AS DATE) AS day FROM range(CAST(? AS DATE),
                      CAST(? AS DATE) + INTERVAL 1 DAY, INTERVAL 1 DAY) t(d)),
        changes AS (
            SELECT CAST(happened_at AS DATE) AS day,
                   sum(CASE WHEN kind = 'entered' THEN 1 ELSE -1 END) AS delta
            FROM segment_transitions WHERE segment_id = ? GROUP BY 1
        )
        SELECT days.day,
               (SELECT coalesce(sum(delta), 0) FROM changes WHERE changes.day <= days.day)
        FROM days ORDER BY days.day
        """,
        [start, now.date(), segment_id],
    ).fetchall()
    return [{"date": day.isoformat(), "members": int(size)} for day, size in rows]


def transitions(
    reader: duckdb.DuckDBPyConnection, segment_id: int, *, after: int | None, limit: int
) -> tuple[list[dict[str, Any]], int | None]:
    """Entries and exits, oldest first (flows and webhooks follow this feed by cursor)."""
    rows = reader.execute(
        "SELECT transition_id, member_id, kind, happened_at, cause FROM segment_transitions "
        "WHERE segment_id = ? AND transition_id > ? ORDER BY transition_id LIMIT ?",
        [segment_id, after or 0, limit + 1],
    ).fetchall()
    items = [
        {
            "id": int(tid),
            "event": "Segment Entered" if kind == "entered" else "Segment Exited",
            "segment_id": segment_id,
            "member_id": int(member),
            "timestamp": at,
            "cause": cause,
        }
        for tid, member, kind, at, cause in rows[:limit]
    ]
    return items, (items[-1]["id"] if len(rows) > limit else None)


def member_rows(
    reader: duckdb.DuckDBPyConnection, segment_id: int, target: Target
) -> Iterator[tuple[Any, ...]]:
    """Every member as a CSV row (id, name, email or domain, entered_at), in batches."""
    table, key, shown = _member_columns(target)
    reader.execute(
        f"SELECT m.member_id, {shown}, m.entered_at FROM segment_members m "  # noqa: S608
        f"LEFT JOIN {table} f ON f.{key} = m.member_id WHERE m.segment_id = ? "
        "ORDER BY m.member_id",
        [segment_id],
    )
    while batch := reader.fetchmany(10_000):
        yield from batch


def audience_rows(
    reader: duckdb.DuckDBPyConnection, segment_id: int, audience_format: AudienceFormat
) -> Iterator[tuple[str | None, str | None]]:
    """SHA-256 of each member's normalised emails and phones, one identifier per row.

    Emails are trimmed and lower-cased. Phones are stored in E.164 (``+31612345678``): Google
    Customer Match hashes that form, Meta hashes the digits without the ``+``.
    """
    if audience_format not in {"meta", "google"}:
        raise ValidationFailed.on("format", "must be meta or google")
    phone = "phone" if audience_format == "google" else "ltrim(phone, '+')"
    reader.execute(
        f"""
        WITH people AS (
            SELECT f.emails, f.phones FROM segment_members m
            JOIN person_facts f ON f.person_id = m.member_id WHERE m.segment_id = ?
        )
        SELECT sha256(lower(trim(email))), NULL FROM (SELECT unnest(emails) AS email FROM people)
        WHERE email IS NOT NULL AND trim(email) <> ''
        UNION ALL
        SELECT NULL, sha256({phone}) FROM (SELECT unnest(phones) AS phone FROM people)
        WHERE phone IS NOT NULL AND phone <> ''
        """,  # noqa: S608 - one of two constant expressions
        [segment_id],
    )
    while batch := reader.fetchmany(10_000):
        yield from batch


def _member(row: tuple[Any, ...]) -> Member:
    return Member(id=int(row[0]), name=str(row[1] or ""), email=row[2], entered_at=row[3])
