"""Create, change and delete sequences (steps checked in full before anything is stored).

Sequences belong to a rep (their owner); admins and managers may change anyone's. Steps can
be edited while contacts are enrolled: each enrollment goes on from its position with the
new steps (decision 0023).
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from twofold.auth.permissions import ensure_can_assign, ensure_can_edit, ensure_can_write
from twofold.core.errors import Conflict, NotFound, ValidationFailed
from twofold.core.inputs import InputModel
from twofold.sequences.steps import dump_steps, parse_steps
from twofold.store.changes import ensure_version
from twofold.store.models import SalesSequence, SequenceEnrollment, User


class SequenceCreate(InputModel):
    """A new sequence; ``owner_id`` defaults to the caller (only managers assign others)."""

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    timezone: str | None = Field(default=None, max_length=64, examples=["Europe/Amsterdam"])
    owner_id: int | None = None
    steps: Any


class SequenceUpdate(InputModel):
    """Changes to a sequence (fields left out are kept)."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    timezone: str | None = Field(default=None, max_length=64)
    status: str | None = Field(default=None, pattern="^(active|paused)$")
    owner_id: int | None = None
    steps: Any = None


def get_sequence(session: Session, sequence_id: int) -> SalesSequence:
    """One sequence, or NotFound."""
    sequence = session.get(SalesSequence, sequence_id)
    if sequence is None:
        raise NotFound(f"no sequence {sequence_id}")
    return sequence


def list_sequences(session: Session, *, owner_id: int | None = None) -> list[SalesSequence]:
    """Sequences by name (a team has tens, so one page)."""
    query = select(SalesSequence).order_by(SalesSequence.name, SalesSequence.id)
    if owner_id is not None:
        query = query.where(SalesSequence.owner_id == owner_id)
    return list(session.scalars(query))


def enrollment_counts(session: Session) -> dict[int, dict[str, int]]:
    """Per sequence, how many enrollments are in each status."""
    counts: dict[int, dict[str, int]] = {}
    rows = session.execute(
        select(SequenceEnrollment.sequence_id, SequenceEnrollment.status, func.count()).group_by(
            SequenceEnrollment.sequence_id, SequenceEnrollment.status
        )
    )
    for sequence_id, status, count in rows:
        counts.setdefault(int(sequence_id), {})[str(status)] = int(count)
    return counts


def create_sequence(
    session: Session, *, actor: User, data: SequenceCreate, default_timezone: str
) -> SalesSequence:
    """A new, active sequence (refused with the path of every problem in its steps)."""
    ensure_can_write(actor)
    owner_id = data.owner_id if data.owner_id is not None else actor.id
    ensure_can_assign(actor, owner_id)
    _check_owner(session, owner_id)
    steps = parse_steps(data.steps)
    name = _free_name(session, data.name, None)
    sequence = SalesSequence(
        name=name,
        description=data.description,
        status="active",
        timezone=check_zone(data.timezone or default_timezone),
        steps=dump_steps(steps),
        owner_id=owner_id,
    )
    session.add(sequence)
    session.flush()
    return sequence


def update_sequence(
    session: Session,
    *,
    actor: User,
    sequence: SalesSequence,
    data: SequenceUpdate,
    expected_version: int | None,
) -> SalesSequence:
    """Change a sequence; its owner, admins and managers may."""
    ensure_can_edit(actor, sequence.owner_id, record="sequence")
    ensure_version(sequence, expected_version)
    fields = data.model_fields_set
    if "steps" in fields:
        sequence.steps = dump_steps(parse_steps(data.steps))
    if data.name is not None:
        sequence.name = _free_name(session, data.name, sequence.id)
    if data.description is not None:
        sequence.description = data.description
    if data.timezone is not None:
        sequence.timezone = check_zone(data.timezone)
    if data.status is not None:
        sequence.status = data.status
    if "owner_id" in fields:
        if data.owner_id is None:
            raise ValidationFailed.on("owner_id", "a sequence needs an owner")
        ensure_can_assign(actor, data.owner_id)
        _check_owner(session, data.owner_id)
        sequence.owner_id = data.owner_id
    session.flush()
    return sequence


def delete_sequence(session: Session, *, actor: User, sequence: SalesSequence) -> None:
    """Delete a sequence with nobody in it (stop its enrollments first)."""
    ensure_can_edit(actor, sequence.owner_id, record="sequence")
    current = session.scalar(
        select(func.count()).where(
            SequenceEnrollment.sequence_id == sequence.id,
            SequenceEnrollment.status.in_(("active", "paused")),
        )
    )
    if current:
        raise Conflict(f"{current} contact(s) are still enrolled: stop them first")
    session.delete(sequence)
    session.flush()


def check_zone(name: str) -> str:
    """An IANA time zone name (``Europe/Amsterdam``), or a ValidationFailed."""
    try:
        ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed.on(
            "timezone", f"{name!r} is not a time zone such as Europe/Amsterdam"
        ) from None
    return name.strip()


def _check_owner(session: Session, owner_id: int) -> None:
    owner = session.get(User, owner_id)
    if owner is None or not owner.is_active:
        raise ValidationFailed.on("owner_id", f"no active user {owner_id}")


def _free_name(session: Session, name: str, sequence_id: int | None) -> str:
    name = name.strip()
    if not name:
        raise ValidationFailed.on("name", "a sequence needs a name")
    taken = select(SalesSequence.id).where(SalesSequence.name == name)
    if sequence_id is not None:
        taken = taken.where(SalesSequence.id != sequence_id)
    if session.scalar(taken) is not None:
        raise Conflict(f"a sequence named {name!r} already exists")
    return name
