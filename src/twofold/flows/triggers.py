"""Who enters which flow: event triggers read new events, segment triggers new entries and
exits, each flow from its own watermark (so nothing is read twice and nothing is missed).

Event triggers read only loads whose identities are resolved (their events have persons);
the watermark never passes a load that is not.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from twofold.events.store import EventStore
from twofold.flows.definition import FlowDefinition
from twofold.flows.engine import definition_of, enter_many
from twofold.flows.record_triggers import (
    enter_from_dates,
    enter_from_form_submissions,
    enter_from_stage_changes,
)
from twofold.segments.compiler import PAGE_EVENTS, event_filters_sql
from twofold.store.database import Database
from twofold.store.models import DealStageVisit, Flow, FormSubmission

BATCH: Final = 5000
RECORD_TRIGGERS: Final = frozenset({"date", "deal_stage", "form"})


def collect_entries(database: Database, store: EventStore | None, *, now: datetime) -> int:
    """Enter everybody new trigger events, segment transitions, deal stage changes or dates
    bring; answers how many. Without an event store (a worker process that cannot open it)
    only the records-database triggers are read."""
    with database.transaction(write=False) as session:
        flows = list(session.scalars(select(Flow).where(Flow.status == "active")))
    if not flows:
        return 0
    entered = 0
    heads: tuple[int, int] | None = None
    for flow in flows:
        definition = definition_of(flow)
        if definition.trigger.type in RECORD_TRIGGERS:
            entered += _enter_from_records(database, flow.id, definition, now=now)
        elif store is not None:
            heads = heads or feed_heads(store)
            entered += _enter_from_events(database, store, flow, definition, heads, now=now)
    return entered


def _enter_from_records(
    database: Database, flow_id: int, definition: FlowDefinition, *, now: datetime
) -> int:
    trigger = definition.trigger
    with database.transaction(write=False) as session:  # idle passes never write
        flow = session.get(Flow, flow_id)
        if flow is None or flow.status != "active":
            return 0
        if not _anything_new(session, flow, trigger.type, now):
            return 0
    with database.transaction() as session:
        flow = session.get(Flow, flow_id, with_for_update=True)
        if flow is None or flow.status != "active":
            return 0
        if trigger.type == "date":
            return enter_from_dates(session, flow, definition, now=now)
        if trigger.type == "form":
            return enter_from_form_submissions(session, flow, definition, now=now)
        return enter_from_stage_changes(session, flow, definition, now=now)


def _anything_new(session: Session, flow: Flow, kind: str, now: datetime) -> bool:
    """A day not yet checked (dates), or rows after the watermark (stages, forms)."""
    if kind == "date":
        return flow.dates_checked_through != now.date()
    feed = FormSubmission.id if kind == "form" else DealStageVisit.id
    return int(session.scalar(select(func.max(feed))) or 0) > flow.stage_watermark


def _enter_from_events(
    database: Database,
    store: EventStore,
    flow: Flow,
    definition: FlowDefinition,
    heads: tuple[int, int],
    *,
    now: datetime,
) -> int:
    resolved, transition = heads
    trigger = definition.trigger
    if trigger.type == "event" and flow.event_watermark < resolved:
        rows, head = _event_entries(store, definition, flow.event_watermark, resolved)
    elif trigger.type != "event" and flow.transition_watermark < transition:
        rows, head = _segment_entries(store, definition, flow.transition_watermark)
    else:
        return 0
    with database.transaction() as session:
        current = session.get(Flow, flow.id)
        if current is None or current.status != "active":
            return 0
        entered = enter_many(session, current, definition, rows, now=now)
        if trigger.type == "event":
            current.event_watermark = max(current.event_watermark, head)
        else:
            current.transition_watermark = max(current.transition_watermark, head)
    return entered


def feed_heads(store: EventStore) -> tuple[int, int]:
    """The newest load whose identities are resolved, and the newest segment transition."""
    with store.reader() as reader:
        load = reader.execute(
            "SELECT coalesce(max(load_id), 0) FROM loads WHERE identities_done"
        ).fetchone()
        transition = reader.execute(
            "SELECT coalesce(max(transition_id), 0) FROM segment_transitions"
        ).fetchone()
    return int(load[0]) if load else 0, int(transition[0]) if transition else 0


def _event_entries(
    store: EventStore, definition: FlowDefinition, after: int, upto: int
) -> tuple[list[tuple[int, str]], int]:
    trigger = definition.trigger
    assert trigger.event is not None
    page = trigger.event in PAGE_EVENTS
    filters = event_filters_sql(trigger.where, page=page)
    kind = PAGE_EVENTS.get(trigger.event, "track")
    # The filters are SQL the rule compiler made from a validated tree; values are parameters.
    sql = (
        "SELECT e.person_id, e.source_id, e.message_id, e.load_id FROM events e "  # noqa: S608
        "WHERE e.load_id > ? AND e.load_id <= ? AND e.person_id IS NOT NULL "
        "AND (e.type = ? AND (e.type <> 'track' OR e.name = ?))"
        f"{filters.text} ORDER BY e.load_id, e.event_id LIMIT ?"
    )
    with store.reader() as reader:
        rows = reader.execute(
            sql, [after, upto, kind, trigger.event, *filters.parameters, BATCH]
        ).fetchall()
    if len(rows) == BATCH:  # more than a batch: stop at the last complete load
        head = int(rows[-1][3]) - 1
        rows = [row for row in rows if int(row[3]) <= head]
    else:
        head = upto
    return [(int(p), f"event:{source}:{message}") for p, source, message, _load in rows], max(
        head, after
    )


def _segment_entries(
    store: EventStore, definition: FlowDefinition, after: int
) -> tuple[list[tuple[int, str]], int]:
    trigger = definition.trigger
    kind = "entered" if trigger.type == "segment_entered" else "exited"
    with store.reader() as reader:
        rows = reader.execute(
            "SELECT transition_id, member_id FROM segment_transitions "
            "WHERE transition_id > ? AND segment_id = ? AND kind = ? "
            "ORDER BY transition_id LIMIT ?",
            [after, trigger.segment_id, kind, BATCH],
        ).fetchall()
        head_row = reader.execute(
            "SELECT coalesce(max(transition_id), 0) FROM segment_transitions"
        ).fetchone()
    head = int(rows[-1][0]) if len(rows) == BATCH else int(head_row[0]) if head_row else after
    return [(int(member), f"transition:{tid}") for tid, member in rows], head
