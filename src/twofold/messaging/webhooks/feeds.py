"""The fan-out: read each feed after its cursor, turn new items into webhook events, and
write one delivery per matching subscription, in the transaction that moves the cursor (so
an event is fanned out exactly once, whatever crashes).

Feeds: segment entries and exits (DuckDB ``segment_transitions``, by ``transition_id``), deal
stage changes (timeline entries of kind ``stage_changed``, by id), new orders (DuckDB
``orders``, by ``order_key``) and form submissions (``form_submissions``, by id). A feed
seen for the first time starts at its end: history is not replayed to new subscribers; nor
are events older than a subscription.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from twofold.core.time import as_utc, utcnow
from twofold.events.store import EventStore
from twofold.store.database import Database
from twofold.store.models import (
    FeedCursor,
    FormSubmission,
    TimelineEntry,
    WebhookDelivery,
    WebhookSubscription,
)
from twofold.timeline.kinds import STAGE_CHANGED

BATCH: Final = 500


@dataclass(frozen=True)
class FeedEvent:
    """One event for subscribers: its type, a key unique to it, when, and what happened."""

    position: int
    event_type: str
    key: str
    occurred_at: datetime
    data: dict[str, Any]

    def payload(self) -> dict[str, Any]:
        """The JSON document posted."""
        return {
            "id": self.key,
            "type": self.event_type,
            "occurred_at": self.occurred_at.isoformat().replace("+00:00", "Z"),
            "data": self.data,
        }


@dataclass(frozen=True)
class Feed:
    """Where events come from: the newest position, and the events after a position."""

    name: str
    event_types: tuple[str, ...]
    newest: Callable[[Session], int]
    after: Callable[[Session, int, int], list[FeedEvent]]


def feeds_for(store: EventStore) -> list[Feed]:
    """The feeds of this installation."""

    def transitions_newest(_session: Session) -> int:
        with store.reader() as reader:
            row = reader.execute("SELECT max(transition_id) FROM segment_transitions").fetchone()
        return int(row[0] or 0) if row else 0

    def transitions_after(_session: Session, position: int, limit: int) -> list[FeedEvent]:
        with store.reader() as reader:
            rows = reader.execute(
                "SELECT transition_id, segment_id, member_id, kind, happened_at, cause "
                "FROM segment_transitions WHERE transition_id > ? ORDER BY transition_id LIMIT ?",
                [position, limit],
            ).fetchall()
        return [
            FeedEvent(
                position=int(tid),
                event_type=f"segment.{kind}",
                key=f"segment-transition-{tid}",
                occurred_at=as_utc(at),
                data={"segment_id": int(segment), "member_id": int(member), "cause": cause},
            )
            for tid, segment, member, kind, at, cause in rows
        ]

    def orders_newest(_session: Session) -> int:
        with store.reader() as reader:
            row = reader.execute("SELECT max(order_key) FROM orders").fetchone()
        return int(row[0] or 0) if row else 0

    def orders_after(_session: Session, position: int, limit: int) -> list[FeedEvent]:
        with store.reader() as reader:
            rows = reader.execute(
                "SELECT order_key, source_id, order_id, person_id, status, total, net, currency,"
                " placed_at FROM orders WHERE order_key > ? ORDER BY order_key LIMIT ?",
                [position, limit],
            ).fetchall()
        return [
            FeedEvent(
                position=int(key),
                event_type="order.created",
                key=f"order-{source}-{order_id}",
                occurred_at=as_utc(placed),
                data={
                    "source_id": int(source),
                    "order_id": order_id,
                    "person_id": None if person is None else int(person),
                    "status": status,
                    "total": None if total is None else str(total),
                    "net": str(net),
                    "currency": currency,
                },
            )
            for key, source, order_id, person, status, total, net, currency, placed in rows
        ]

    return [
        Feed(
            "segment_transitions",
            ("segment.entered", "segment.exited"),
            transitions_newest,
            transitions_after,
        ),
        Feed("deal_stage_changes", ("deal.stage_changed",), _stages_newest, _stages_after),
        Feed("orders", ("order.created",), orders_newest, orders_after),
        Feed("form_submissions", ("form.submitted",), _submissions_newest, _submissions_after),
    ]


def _stage_changes() -> Select[Any]:
    return select(TimelineEntry).where(
        TimelineEntry.kind == STAGE_CHANGED, TimelineEntry.record_type == "deal"
    )


def _stages_newest(session: Session) -> int:
    newest = session.scalar(
        _stage_changes()
        .order_by(TimelineEntry.id.desc())
        .limit(1)
        .with_only_columns(TimelineEntry.id)
    )
    return int(newest or 0)


def _stages_after(session: Session, position: int, limit: int) -> list[FeedEvent]:
    entries = session.scalars(
        _stage_changes().where(TimelineEntry.id > position).order_by(TimelineEntry.id).limit(limit)
    )
    events = []
    for entry in entries:
        stage = entry.changes.get("stage_id", {}) if isinstance(entry.changes, dict) else {}
        events.append(
            FeedEvent(
                position=entry.id,
                event_type="deal.stage_changed",
                key=f"deal-stage-change-{entry.id}",
                occurred_at=entry.at,
                data={
                    "deal_id": entry.record_id,
                    "from_stage_id": stage.get("before"),
                    "to_stage_id": stage.get("after"),
                    "actor_id": entry.actor_id,
                    "summary": entry.summary,
                },
            )
        )
    return events


def _submissions_newest(session: Session) -> int:
    return int(session.scalar(select(func.max(FormSubmission.id))) or 0)


def _submissions_after(session: Session, position: int, limit: int) -> list[FeedEvent]:
    submissions = session.scalars(
        select(FormSubmission)
        .where(FormSubmission.id > position)
        .order_by(FormSubmission.id)
        .limit(limit)
    )
    return [
        FeedEvent(
            position=submission.id,
            event_type="form.submitted",
            key=f"form-submission-{submission.id}",
            occurred_at=submission.submitted_at,
            data={
                "submission_id": submission.id,
                "form_id": submission.form_id,
                "person_id": submission.person_id,
                "lead_id": submission.lead_id,
                "values": submission.values,
                "consent_given": submission.consent_given,
            },
        )
        for submission in submissions
    ]


def fan_out(
    database: Database, feeds: list[Feed], *, now: datetime | None = None, limit: int = BATCH
) -> int:
    """Turn new feed items into deliveries, due ``now``; how many deliveries were written."""
    written = 0
    for feed in feeds:
        with database.transaction(write=False) as session:  # idle passes never write
            cursor = session.get(FeedCursor, feed.name)
            if cursor is not None and feed.newest(session) <= cursor.position:
                continue
        with database.transaction() as session:
            written += _fan_out_feed(session, feed, now=now or utcnow(), limit=limit)
    return written


def _fan_out_feed(session: Session, feed: Feed, *, now: datetime, limit: int) -> int:
    cursor = session.get(FeedCursor, feed.name, with_for_update=True)
    if cursor is None:  # first sight: start at the end, replay nothing
        session.add(FeedCursor(name=feed.name, position=feed.newest(session)))
        return 0
    subscriptions = [
        subscription
        for subscription in session.scalars(
            select(WebhookSubscription).where(WebhookSubscription.active.is_(True))
        )
        if set(subscription.event_types) & set(feed.event_types)
    ]
    events = feed.after(session, cursor.position, limit)
    written = 0
    for event in events:
        for subscription in subscriptions:
            if (
                event.event_type in subscription.event_types
                and event.occurred_at >= subscription.created_at
            ):
                session.add(
                    WebhookDelivery(
                        subscription_id=subscription.id,
                        event_type=event.event_type,
                        event_key=event.key,
                        payload=event.payload(),
                        next_attempt_at=now,
                    )
                )
                written += 1
    if events:
        cursor.position = events[-1].position
    return written
