"""Recent traffic per source, for the sources page and API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from twofold.core.time import as_utc, utcnow
from twofold.events.store import EventStore


@dataclass(frozen=True)
class SourceTraffic:
    """Events stored from one source in the last day, and the newest one's arrival."""

    events_last_24h: int
    last_received_at: datetime | None


def traffic_by_source(store: EventStore) -> dict[int, SourceTraffic]:
    """Traffic of every source that sent something in the last 24 hours."""
    since = (utcnow() - timedelta(hours=24)).replace(tzinfo=None)
    with store.reader() as reader:
        rows = reader.execute(
            "SELECT source_id, count(*), max(received_at) FROM events "
            "WHERE received_at >= ? GROUP BY source_id",
            [since],
        ).fetchall()
    return {
        int(source_id): SourceTraffic(int(count), as_utc(last) if last else None)
        for source_id, count, last in rows
    }
