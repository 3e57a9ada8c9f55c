"""Create, change and delete segment definitions (validated before anything is stored).

A rule is parsed in full (every problem with its path), the segments it refers to must exist
and target the same kind of member, and a reference that would close a cycle is refused.
Evaluation is the engine's (segments/engine.py): callers evaluate after the commit.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.auth.permissions import ensure_can_write
from twofold.core.enums import Role
from twofold.core.errors import Conflict, FieldProblem, NotFound, PermissionDenied, ValidationFailed
from twofold.segments.definitions import find_cycle, reads_of, references_of
from twofold.segments.rules import Target, parse_rule
from twofold.store.changes import ensure_version
from twofold.store.models import Segment, User

MANAGE_ANY = frozenset({Role.ADMIN, Role.MANAGER, Role.MARKETER})


class SegmentCreate(BaseModel):
    """``{"name", "target", "rule"}`` (product.md); the rule is checked by ``parse_rule``."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    target: Target = "persons"
    rule: Any


class SegmentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    rule: Any = None


def get_segment(session: Session, segment_id: int) -> Segment:
    segment = session.get(Segment, segment_id)
    if segment is None:
        raise NotFound(f"no segment {segment_id}")
    return segment


def list_segments(session: Session) -> list[Segment]:
    return list(session.scalars(select(Segment).order_by(Segment.name, Segment.id)))


def create_segment(
    session: Session, *, actor: User | None, data: SegmentCreate, starter_key: str | None = None
) -> Segment:
    if actor is not None:
        ensure_can_write(actor)
    name = data.name.strip()
    _check_name_free(session, name, None)
    _check_rule(session, data.rule, data.target, segment_id=None)
    segment = Segment(
        name=name,
        description=data.description,
        target=data.target,
        rule=data.rule,
        starter_key=starter_key,
        created_by_id=actor.id if actor else None,
    )
    session.add(segment)
    session.flush()
    return segment


def update_segment(
    session: Session,
    *,
    actor: User | None,
    segment: Segment,
    data: SegmentUpdate,
    expected_version: int | None = None,
) -> Segment:
    _ensure_can_manage(actor, segment)
    ensure_version(segment, expected_version)
    if data.name is not None and data.name.strip() != segment.name:
        _check_name_free(session, data.name.strip(), segment.id)
        segment.name = data.name.strip()
    if data.description is not None:
        segment.description = data.description
    if data.rule is not None:
        _check_rule(session, data.rule, _target(segment), segment_id=segment.id)
        segment.rule = data.rule
    session.flush()
    return segment


def delete_segment(session: Session, *, actor: User | None, segment: Segment) -> None:
    """Refused while another segment refers to it (that rule would lose its meaning)."""
    _ensure_can_manage(actor, segment)
    users = sorted(other for other, refs in references_of(session).items() if segment.id in refs)
    if users:
        raise Conflict(
            f"segment {segment.id} is used by segment(s) {', '.join(map(str, users))}; "
            "change those rules first"
        )
    session.delete(segment)
    session.flush()


def _target(segment: Segment) -> Target:
    return "accounts" if segment.target == "accounts" else "persons"


def _ensure_can_manage(actor: User | None, segment: Segment) -> None:
    """``None`` is the command line: the installation's operator."""
    if actor is None:
        return
    ensure_can_write(actor)
    if actor.role in MANAGE_ANY or segment.created_by_id == actor.id:
        return
    raise PermissionDenied("you can only change segments you created")


def _check_name_free(session: Session, name: str, segment_id: int | None) -> None:
    taken = select(Segment.id).where(Segment.name == name)
    if segment_id is not None:
        taken = taken.where(Segment.id != segment_id)
    if session.scalar(taken) is not None:
        raise Conflict(f"a segment named {name!r} already exists")


def _check_rule(session: Session, rule: Any, target: Target, *, segment_id: int | None) -> None:
    node = parse_rule(rule, target=target)
    refs = reads_of(node).segments
    if not refs:
        return
    found = {s.id: s.target for s in session.scalars(select(Segment).where(Segment.id.in_(refs)))}
    problems = []
    for ref in sorted(refs):
        if ref == segment_id:
            problems.append(FieldProblem("rule", f"segment {ref} cannot refer to itself"))
        elif ref not in found:
            problems.append(FieldProblem("rule", f"segment {ref} does not exist"))
        elif found[ref] != target:
            problems.append(
                FieldProblem("rule", f"segment {ref} targets {found[ref]}, this one {target}")
            )
    if problems:
        raise ValidationFailed(f"the rule is not valid: {problems[0].message}", details=problems)
    if segment_id is not None:
        references = references_of(session)
        references[segment_id] = set(refs)
        cycle = find_cycle(segment_id, references)
        if cycle is not None:
            path = " → ".join(str(step) for step in cycle)
            raise ValidationFailed(
                f"the rule would make a cycle of segments: {path}",
                details=[FieldProblem("rule", f"cycle {path}")],
            )
