"""Triggers read from the records database: deal stage changes and dates (decision 0018).

Deal stages: the ``deal_stage_history`` rows after the flow's ``stage_watermark``; entry key
``stage-visit:<row id>``. Ids are handed out before commit, so a row may become visible
after a higher one: the watermark only moves past rows older than ``SETTLE`` (a stage move
commits in milliseconds), younger ones are read again and their entry keys keep them from
entering twice.

Dates: each day from the day after ``dates_checked_through`` to today (UTC) is a firing day
D; the target date is D - offset_days. A person's date trait (``1990-05-17``, a timestamp, or
without a year ``--05-17`` / ``05-17``) matches when it is the target (``yearly``: when its
month and day are; 29 February is celebrated on 28 February in other years). A contract
matches when the chosen date of an active contract is the target. Entry keys:
``date:<person>:<target>`` and ``contract:<id>:<target>``. Days missed while nothing ran are
caught up (up to ``CATCH_UP_DAYS``), so a restart loses no date.

Forms: the trigger form's ``form_submissions`` after the flow's watermark (kept in
``stage_watermark``: a flow has one trigger), settled the same way; entry key
``form-submission:<row id>``; the person the submission was tied to runs the flow.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from twofold.flows.definition import FlowDefinition
from twofold.flows.engine import enter_many
from twofold.flows.recipients import contract_people, deal_people
from twofold.flows.trigger_definitions import Trigger
from twofold.store.models import Contract, DealStageVisit, Flow, FormSubmission, Person, Stage

SETTLE: Final = timedelta(minutes=1)
BATCH: Final = 5000
CATCH_UP_DAYS: Final = 366
_DATE = re.compile(r"^(?:(\d{4})-|--)?(\d{2})-(\d{2})")


def enter_from_stage_changes(
    session: Session, flow: Flow, definition: FlowDefinition, *, now: datetime
) -> int:
    """Enter the people of deals that entered the trigger's stage; move the watermark."""
    trigger = definition.trigger
    query = (
        select(DealStageVisit.id, DealStageVisit.deal_id)
        .join(Stage, Stage.id == DealStageVisit.stage_id)
        .where(DealStageVisit.id > flow.stage_watermark)
    )
    if trigger.stage_id is not None:
        query = query.where(DealStageVisit.stage_id == trigger.stage_id)
    else:
        query = query.where(Stage.kind == trigger.stage_kind)
        if trigger.pipeline_id is not None:
            query = query.where(Stage.pipeline_id == trigger.pipeline_id)
    rows = session.execute(query.order_by(DealStageVisit.id).limit(BATCH)).all()
    settled = select(func.max(DealStageVisit.id)).where(
        DealStageVisit.id > flow.stage_watermark, DealStageVisit.entered_at <= now - SETTLE
    )
    if len(rows) == BATCH:
        settled = settled.where(DealStageVisit.id <= rows[-1][0])
    people = deal_people(session, [deal for _visit, deal in rows])
    entries = [(people[deal], f"stage-visit:{visit}") for visit, deal in rows if deal in people]
    entered = enter_many(session, flow, definition, entries, now=now)
    flow.stage_watermark = max(flow.stage_watermark, int(session.scalar(settled) or 0))
    return entered


def enter_from_form_submissions(
    session: Session, flow: Flow, definition: FlowDefinition, *, now: datetime
) -> int:
    """Enter the people who submitted the trigger's form; move the watermark."""
    rows = session.execute(
        select(FormSubmission.id, FormSubmission.person_id)
        .where(
            FormSubmission.form_id == definition.trigger.form_id,
            FormSubmission.id > flow.stage_watermark,
        )
        .order_by(FormSubmission.id)
        .limit(BATCH)
    ).all()
    settled = select(func.max(FormSubmission.id)).where(
        FormSubmission.id > flow.stage_watermark, FormSubmission.submitted_at <= now - SETTLE
    )
    if len(rows) == BATCH:
        settled = settled.where(FormSubmission.id <= rows[-1][0])
    entries = [(person, f"form-submission:{row}") for row, person in rows if person is not None]
    entered = enter_many(session, flow, definition, entries, now=now)
    flow.stage_watermark = max(flow.stage_watermark, int(session.scalar(settled) or 0))
    return entered


def enter_from_dates(
    session: Session, flow: Flow, definition: FlowDefinition, *, now: datetime
) -> int:
    """Enter everybody whose date falls on the days not yet checked, up to today."""
    today = now.date()
    checked = flow.dates_checked_through or today - timedelta(days=1)
    first = max(checked + timedelta(days=1), today - timedelta(days=CATCH_UP_DAYS))
    if first > today:
        return 0
    offset = timedelta(days=definition.trigger.offset_days)
    targets = [day - offset for day in _days(first, today)]
    if definition.trigger.trait is not None:
        entries = _trait_entries(session, definition.trigger, targets)
    else:
        entries = _contract_entries(session, definition.trigger, targets)
    entered = enter_many(session, flow, definition, entries, now=now)
    flow.dates_checked_through = today
    return entered


def _trait_entries(
    session: Session, trigger: Trigger, targets: list[date]
) -> list[tuple[int, str]]:
    assert trigger.trait is not None
    value = Person.traits[trigger.trait].as_string()
    by_day: dict[tuple[int, int], list[date]] = {}
    for target in targets:
        by_day.setdefault((target.month, target.day), []).append(target)
        leap_day_moved = (target.month, target.day) == (2, 28) and not calendar.isleap(target.year)
        if trigger.yearly and leap_day_moved:
            by_day.setdefault((2, 29), []).append(target)
    wanted = set(targets)
    entries = []
    rows = session.execute(select(Person.id, value).where(value.is_not(None)))
    for person_id, text in rows:
        parsed = _parse_day(text)
        if parsed is None:
            continue
        year, month, day = parsed
        if trigger.yearly:
            matches = by_day.get((month, day), [])
        else:
            matches = [target for target in _one_date(year, month, day) if target in wanted]
        entries += [(int(person_id), f"date:{person_id}:{target}") for target in matches]
    return entries


def _contract_entries(
    session: Session, trigger: Trigger, targets: list[date]
) -> list[tuple[int, str]]:
    column = Contract.end_date if trigger.contract_date == "end_date" else Contract.start_date
    contracts = list(
        session.scalars(select(Contract).where(Contract.status == "active", column.in_(targets)))
    )
    people = contract_people(session, contracts)
    return [
        (people[c.id], f"contract:{c.id}:{getattr(c, column.key)}")
        for c in contracts
        if c.id in people
    ]


def _parse_day(text: object) -> tuple[int | None, int, int] | None:
    if not isinstance(text, str):
        return None
    found = _DATE.match(text.strip())
    if found is None:
        return None
    year = int(found.group(1)) if found.group(1) else None
    month, day = int(found.group(2)), int(found.group(3))
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(year or 2000, month)[1]:
        return None
    return year, month, day


def _one_date(year: int | None, month: int, day: int) -> list[date]:
    return [] if year is None else [date(year, month, day)]


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)
