"""Engagement of an account's people, from the event store (DuckDB).

``person_accounts`` is the segment fact mirror of memberships; ``person_event_counts``
keeps each person's last event per name. One grouped query answers every account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from twofold.core.time import as_utc, naive_utc
from twofold.events.store import EventStore

# Event names that count as product use (Segment's spec has no standard name for it).
PRODUCT_USAGE_EVENTS = ("Product Used", "Feature Used")
ENGAGED_WITHIN_DAYS = 30


@dataclass(frozen=True)
class Engagement:
    """What the events of an account's current people say."""

    last_event_at: datetime | None = None
    last_product_use_at: datetime | None = None
    people_engaged_recently: int = 0


@dataclass(frozen=True)
class EngagementFacts:
    """Engagement per account, and whether any product use is tracked at all."""

    by_account: dict[int, Engagement]
    product_usage_tracked: bool


def engagement_by_account(
    store: EventStore, *, now: datetime, account_ids: list[int] | None = None
) -> EngagementFacts:
    """Last event, last product use and recently engaged people per account."""
    names = list(PRODUCT_USAGE_EVENTS)
    since = naive_utc(now - timedelta(days=ENGAGED_WITHIN_DAYS))
    scope = "" if account_ids is None else "AND pa.account_id IN (SELECT unnest(?::BIGINT[]))"
    sql = f"""
        SELECT pa.account_id,
               max(c.last_at),
               max(CASE WHEN c.name IN (SELECT unnest(?::VARCHAR[])) THEN c.last_at END),
               count(DISTINCT CASE WHEN c.last_at >= ? THEN pa.person_id END)
        FROM person_accounts pa
        JOIN person_event_counts c ON c.person_id = pa.person_id
        WHERE NOT pa.has_left {scope}
        GROUP BY pa.account_id
    """  # noqa: S608 - the scope is one of two fixed strings
    parameters: list[object] = [names, since]
    if account_ids is not None:
        parameters.append(account_ids)
    with store.reader() as cursor:
        rows = cursor.execute(sql, parameters).fetchall()
        tracked = cursor.execute(
            "SELECT count(*) > 0 FROM (SELECT 1 FROM person_event_counts "
            "WHERE name IN (SELECT unnest(?::VARCHAR[])) LIMIT 1)",
            [names],
        ).fetchone()
    return EngagementFacts(
        by_account={
            account_id: Engagement(
                last_event_at=_aware(last_event),
                last_product_use_at=_aware(last_use),
                people_engaged_recently=int(engaged),
            )
            for account_id, last_event, last_use, engaged in rows
        },
        product_usage_tracked=bool(tracked and tracked[0]),
    )


def _aware(moment: datetime | None) -> datetime | None:
    return None if moment is None else as_utc(moment)
