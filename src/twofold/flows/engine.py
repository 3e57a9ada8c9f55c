"""Running flows: enter people, execute due steps, each exactly once (decision 0018).

A step is executed inside the transaction that records its visit (``flow_step_visits``,
unique per run, step and visit number) and moves the run on; its database effect (an outbox
message, a task, a trait) is written in that same transaction. A crash before the commit
leaves no trace and the step runs again later; after it, the visit exists and the step is
never repeated. What leaves the database (SMTP, HTTP) goes through the messaging outbox,
keyed by run, step and visit.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import ColumnElement, and_, false, func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from twofold.activities.actions import log_activity
from twofold.activities.schemas import ActivityCreate
from twofold.core.enums import ActivityKind
from twofold.core.errors import TwofoldError
from twofold.core.time import as_utc, naive_utc, utcnow
from twofold.events.store import EventStore
from twofold.flows.definition import FlowDefinition, Step, parse_flow
from twofold.flows.outside import LIST_STEPS, change_list, queue_webhook
from twofold.messaging.channels import Channel, Purpose
from twofold.messaging.outbox import enqueue
from twofold.segments.compiler import compile_rule
from twofold.segments.rules import Node
from twofold.store.database import Database
from twofold.store.models import Flow, FlowRun, FlowStepVisit, Person, User

log = logging.getLogger(__name__)
MAX_STEPS_PER_PASS: Final = 50
WAIT_RECHECK: Final = timedelta(minutes=5)
CHANNELS: Final = {"send_email": Channel.EMAIL, "send_sms": Channel.SMS, "send_push": Channel.PUSH}


@dataclass(frozen=True)
class Entered:
    run_id: int | None
    reason: str


def enter(
    session: Session,
    flow: Flow,
    definition: FlowDefinition,
    *,
    person_id: int,
    entry_key: str,
    now: datetime,
) -> Entered:
    """Start a run for ``person_id`` unless the entry was seen or re-entry forbids it."""
    if not enter_many(session, flow, definition, [(person_id, entry_key)], now=now):
        return Entered(None, "not entered (seen before, or re-entry forbids it)")
    run_id = session.scalar(
        select(FlowRun.id).where(FlowRun.flow_id == flow.id, FlowRun.entry_key == entry_key)
    )
    return Entered(run_id, "entered")


def enter_many(
    session: Session,
    flow: Flow,
    definition: FlowDefinition,
    entries: Sequence[tuple[int, str]],
    *,
    now: datetime,
) -> int:
    """Start runs for many ``(person, entry key)`` at once (a segment of 100k people enters
    in a few statements); answers how many started. Entries already seen, and people the
    re-entry rule keeps out, are skipped; a person enters once per call."""
    if not entries:
        return 0
    keys = {key for _person, key in entries}
    persons = {person for person, _key in entries}
    seen: set[str] = set()
    latest: dict[int, tuple[str, datetime]] = {}
    for chunk in _chunks(sorted(keys), 5000):
        seen.update(
            session.scalars(
                select(FlowRun.entry_key).where(
                    FlowRun.flow_id == flow.id, FlowRun.entry_key.in_(chunk)
                )
            )
        )
    for chunk in _chunks(sorted(persons), 5000):
        for person, status, entered_at in session.execute(
            select(FlowRun.person_id, FlowRun.status, FlowRun.entered_at)
            .where(FlowRun.flow_id == flow.id, FlowRun.person_id.in_(chunk))
            .order_by(FlowRun.entered_at)
        ):
            latest[int(person)] = (str(status), as_utc(entered_at))
    rows: list[dict[str, Any]] = []
    chosen: set[int] = set()
    for person, key in entries:
        if key in seen or person in chosen or not _may_enter(definition, latest.get(person), now):
            continue
        chosen.add(person)
        rows.append(
            {
                "flow_id": flow.id,
                "person_id": person,
                "entry_key": key,
                "status": "active",
                "step_id": definition.start,
                "due_at": now,
                "visits": 0,
                "entered_at": now,
            }
        )
    if not rows:
        return 0
    try:
        with session.begin_nested():
            session.execute(insert(FlowRun), rows)
    except IntegrityError:  # another worker entered some of these keys first: one by one
        return sum(_enter_one(session, row) for row in rows)
    return len(rows)


def _enter_one(session: Session, row: dict[str, Any]) -> int:
    try:
        with session.begin_nested():
            session.add(FlowRun(**row))
    except IntegrityError:
        return 0
    return 1


def _may_enter(
    definition: FlowDefinition, latest: tuple[str, datetime] | None, now: datetime
) -> bool:
    if latest is None:
        return True
    status, entered_at = latest
    if definition.reentry == "never" or status == "active":
        return False
    if definition.reentry == "after_days":
        return entered_at <= now - timedelta(days=definition.reentry_days)
    return True


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def run_due(
    database: Database, store: EventStore | None, *, now: datetime | None = None, limit: int = 200
) -> int:
    """Execute every due step of active flows (up to ``limit`` runs); answers steps executed.

    Without an event store (a worker process that cannot open it) only runs at steps that
    do not read events are taken, and a run stops before such a step: the process that holds
    the event store executes it."""
    at = now or utcnow()
    due_runs = (
        select(FlowRun)
        .join(Flow, Flow.id == FlowRun.flow_id)
        .where(FlowRun.status == "active", FlowRun.due_at <= at, Flow.status == "active")
    )
    with database.transaction(write=False) as session:
        if store is None:
            due_runs = due_runs.where(_records_only_steps(session))
        due = session.scalar(due_runs.with_only_columns(func.count()).limit(1))
    if not due:
        return 0
    executed = 0
    with database.transaction() as session:
        query = due_runs.order_by(FlowRun.due_at, FlowRun.id).limit(limit)
        if database.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True, of=FlowRun)
        runs = list(session.scalars(query))
        flows = _flows(session, {run.flow_id for run in runs})
        # The people of the batch in one query: steps that touch them find them loaded.
        for chunk in _chunks(sorted({run.person_id for run in runs}), 5000):
            session.scalars(select(Person).where(Person.id.in_(chunk))).all()
        for run in runs:
            flow, definition = flows[run.flow_id]
            try:
                # The run's savepoint flushes its visit rows: a visit another worker already
                # recorded fails the unique key here, and only this run's work is undone.
                with session.begin_nested():
                    executed += advance(session, store, flow, definition, run, now=at)
            except TwofoldError as error:  # a step the data refuses: the run stops, visibly
                end_run(run, "failed", at, f"step {run.step_id}: {error.message}"[:200])
            except IntegrityError:  # another worker executed this visit: leave the run to it
                session.expire(run)
    return executed


def _records_only_steps(session: Session) -> ColumnElement[bool]:
    """Runs of active flows at a step that does not read the event store."""
    allowed = []
    for flow in session.scalars(select(Flow).where(Flow.status == "active")):
        definition = definition_of(flow)
        steps = [step for step in definition.steps if not definition.reads_events(step)]
        if steps:
            allowed.append(and_(FlowRun.flow_id == flow.id, FlowRun.step_id.in_(steps)))
    return or_(false(), *allowed)


def advance(
    session: Session,
    store: EventStore | None,
    flow: Flow,
    definition: FlowDefinition,
    run: FlowRun,
    *,
    now: datetime,
) -> int:
    """Execute the run's steps from its current one until it waits or ends."""
    executed = 0
    for _ in range(MAX_STEPS_PER_PASS):
        if run.step_id is None:
            end_run(run, "completed", now, "reached the end")
            return executed
        if store is None:
            if definition.reads_events(run.step_id):
                return executed  # left, due, for the process that holds the event store
        elif _exited(store, definition, run, now):
            end_run(run, "exited", now, "exit event")
            return executed
        step = definition.steps[run.step_id]
        outcome, following, waiting_until = _execute(session, store, flow, step, run, now=now)
        if waiting_until is not None:
            run.due_at = waiting_until
            return executed
        run.visits += 1
        session.add(
            FlowStepVisit(
                run_id=run.id,
                flow_id=run.flow_id,
                step_id=step.id,
                visit=run.visits,
                outcome=outcome[:200],
                executed_at=now,
            )
        )
        executed += 1
        run.wait_deadline = None
        if outcome == "holdout":
            end_run(run, "completed", now, "held out")
            return executed
        run.step_id = following
        run.due_at = now
    return executed


Outcome = tuple[str, str | None, datetime | None]  # (what happened, next step, come back at)


def _execute(
    session: Session,
    store: EventStore | None,
    flow: Flow,
    step: Step,
    run: FlowRun,
    *,
    now: datetime,
) -> Outcome:
    """``(outcome, next step, or the time to come back)`` for one step."""
    if step.type == "delay":
        return _delay(step, run, now)
    if step.type == "wait_until":
        assert store is not None
        return _wait_until(store, step, run, now)
    if step.type == "condition":
        assert step.rule is not None
        assert store is not None
        if _matches(store, step.rule, run.person_id, now):
            return "yes", step.yes, None
        return "no", step.no, None
    if step.type == "ab_split":
        return _split(step, run)
    return _act(session, flow, step, run, now), step.next, None


def _delay(step: Step, run: FlowRun, now: datetime) -> Outcome:
    if run.wait_deadline is None:
        return "", None, _start_wait(run, now + timedelta(hours=step.hours))
    if now < as_utc(run.wait_deadline):
        return "", None, as_utc(run.wait_deadline)
    return "waited", step.next, None


def _wait_until(store: EventStore, step: Step, run: FlowRun, now: datetime) -> Outcome:
    assert step.rule is not None
    deadline = run.wait_deadline or _start_wait(run, now + timedelta(hours=step.hours))
    if _matches(store, step.rule, run.person_id, now):
        return "condition met", step.next, None
    if now >= as_utc(deadline):
        return "timed out", step.timeout, None
    return "", None, min(now + WAIT_RECHECK, as_utc(deadline))


def _split(step: Step, run: FlowRun) -> Outcome:
    """The variant is drawn from the run's id: the same run always gets the same one."""
    draw = random.Random(f"{run.flow_id}:{run.id}:{step.id}")  # noqa: S311 - not security
    if draw.uniform(0, 100) < step.holdout:
        run.variant = "holdout"
        return "holdout", None, None
    point = draw.uniform(0, sum(variant.weight for variant in step.variants))
    chosen = step.variants[-1]
    for variant in step.variants:
        point -= variant.weight
        if point <= 0:
            chosen = variant
            break
    run.variant = chosen.name
    return f"variant {chosen.name}", chosen.next, None


def _act(session: Session, flow: Flow, step: Step, run: FlowRun, now: datetime) -> str:
    key = f"flow-{run.flow_id}-run-{run.id}-{step.id}-{run.visits + 1}"
    if step.type in CHANNELS:
        message, new = enqueue(
            session,
            actor=None,
            person_id=run.person_id,
            channel=CHANNELS[step.type],
            purpose=Purpose(step.settings["purpose"]),
            template_id=step.settings["template_id"],
            variables={
                "flow": flow.name,
                "flow_id": flow.id,
                "step": step.id,
                "variant": run.variant,
            },
            idempotency_key=key,
        )
        return f"queued message {message.id}" if new else f"message {message.id} already queued"
    person = session.get(Person, run.person_id)
    if person is None:
        raise TwofoldError(f"person {run.person_id} no longer exists")
    if step.type == "webhook":
        return queue_webhook(
            session, flow=flow, step=step, run=run, person=person, key=key, now=now
        )
    if step.type in LIST_STEPS:
        return change_list(session, flow=flow, step=step, person=person)
    if step.type == "update_trait":
        person.traits = {**person.traits, step.settings["trait"]: step.settings["value"]}
        person.updated_at = now
        return f"set {step.settings['trait']}"
    owner_id = person.owner_id or flow.created_by_id
    owner = session.get(User, owner_id) if owner_id else None
    if owner is None:
        return "no owner for the task"
    activity = log_activity(
        session,
        actor=owner,
        data=ActivityCreate(
            kind=ActivityKind.TASK,
            subject=step.settings["subject"],
            due_at=now + timedelta(days=step.settings["due_days"]),
            person_ids=[person.id],
        ),
    )
    return f"task {activity.id}"


def _start_wait(run: FlowRun, until: datetime) -> datetime:
    run.wait_deadline = until
    return until


def _matches(store: EventStore, rule: Node, person_id: int, now: datetime) -> bool:
    query = compile_rule(rule, target="persons", now=naive_utc(now), scope=[person_id])
    with store.reader() as reader:
        return reader.execute(query.text, query.parameters).fetchone() is not None


def _exited(store: EventStore, definition: FlowDefinition, run: FlowRun, now: datetime) -> bool:
    if not definition.exit_events:
        return False
    with store.reader() as reader:
        row = reader.execute(
            "SELECT 1 FROM events WHERE person_id = ? AND type = 'track' "
            "AND name IN (SELECT unnest(?::VARCHAR[])) AND timestamp >= ? AND timestamp <= ? "
            "LIMIT 1",
            [
                run.person_id,
                list(definition.exit_events),
                naive_utc(as_utc(run.entered_at)),
                naive_utc(now),
            ],
        ).fetchone()
    return row is not None


def end_run(run: FlowRun, status: str, now: datetime, reason: str) -> None:
    """Mark the run ended (``completed``, ``exited`` or ``failed``) for ``reason``."""
    run.status = status
    run.ended_at = now
    run.end_reason = reason
    run.due_at = None


def _flows(session: Session, ids: Iterable[int]) -> dict[int, tuple[Flow, FlowDefinition]]:
    found: dict[int, tuple[Flow, FlowDefinition]] = {}
    for flow in session.scalars(select(Flow).where(Flow.id.in_(list(ids)))):
        found[flow.id] = (flow, parse_flow(flow.definition))
    return found


def definition_of(flow: Flow) -> FlowDefinition:
    return parse_flow(flow.definition)


def step_counts(session: Session, flow_id: int) -> dict[str, dict[str, Any]]:
    """Per step: how many visits executed, and how many runs are waiting there now."""
    visits = session.execute(
        select(FlowStepVisit.step_id, func.count())
        .where(FlowStepVisit.flow_id == flow_id)
        .group_by(FlowStepVisit.step_id)
    ).all()
    waiting = session.execute(
        select(FlowRun.step_id, func.count())
        .where(FlowRun.flow_id == flow_id, FlowRun.status == "active")
        .group_by(FlowRun.step_id)
    ).all()
    counts: dict[str, dict[str, Any]] = {}
    for step_id, count in visits:
        counts.setdefault(str(step_id), {"executed": 0, "waiting": 0})["executed"] = int(count)
    for waiting_at, count in waiting:
        if waiting_at is not None:
            counts.setdefault(str(waiting_at), {"executed": 0, "waiting": 0})["waiting"] = int(
                count
            )
    return counts
