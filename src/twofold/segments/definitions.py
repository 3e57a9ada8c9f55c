"""Segment definitions as the engine uses them: the parsed rule, what it reads, the order.

``Reads`` says which kinds of change can move a segment's membership, so that real-time
evaluation re-runs only the segments a change can affect. ``in_dependency_order`` puts every
segment after the segments it refers to; ``find_cycle`` refuses a definition that would refer
to itself through others.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.core.errors import TwofoldError
from twofold.segments.compiler import PAGE_EVENTS, STAT_COLUMNS
from twofold.segments.rules import (
    AccountField,
    AccountRule,
    DealExists,
    Event,
    Node,
    Order,
    People,
    Prediction,
    SegmentRef,
    Target,
    Trait,
    parse_rule,
    walk,
)
from twofold.store.models import Segment

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reads:
    """What a rule depends on (a segment's own; see ``Definition.reads``)."""

    event_names: frozenset[str]
    orders: bool
    stats: bool
    predictions: bool
    segments: frozenset[int]
    time_relative: bool
    # Record fields: traits, the person's accounts, account fields, deals, people of accounts.
    records: bool = True


@dataclass(frozen=True)
class Definition:
    id: int
    name: str
    target: Target
    node: Node
    version: int = 0

    @property
    def reads(self) -> Reads:
        return reads_of(self.node)


def reads_of(node: Node) -> Reads:
    names: set[str] = set()
    orders = stats = predictions = time_relative = records = False
    for child in walk(node):
        records = (
            records
            or isinstance(child, AccountRule | AccountField | DealExists | People)
            or (isinstance(child, Trait) and child.name not in STAT_COLUMNS)
        )
        if isinstance(child, Event):
            names.add(child.name)  # track events of that name
            if child.name in PAGE_EVENTS:
                names.add(PAGE_EVENTS[child.name])  # page or screen calls
            time_relative = time_relative or _is_time_relative(child)
        elif isinstance(child, Order):
            orders = True
            time_relative = time_relative or _is_time_relative(child)
        elif isinstance(child, Trait) and child.name in STAT_COLUMNS:
            stats = True
        elif isinstance(child, Prediction):
            predictions = True
    return Reads(
        event_names=frozenset(names),
        orders=orders,
        stats=stats,
        predictions=predictions,
        segments=frozenset(c.segment_id for c in walk(node) if isinstance(c, SegmentRef)),
        time_relative=time_relative,
        records=records,
    )


def _is_time_relative(node: Event | Order) -> bool:
    return bool(
        node.window.within_days is not None
        or node.first_seen_days_ago is not None
        or node.last_seen_days_ago is not None
    )


def load_definitions(session: Session) -> list[Definition]:
    """Every segment, parsed; one whose stored rule no longer parses is skipped and logged."""
    definitions = []
    for segment in session.scalars(select(Segment).order_by(Segment.id)):
        try:
            definitions.append(as_definition(segment))
        except TwofoldError:
            log.exception("segment %s has a rule that does not parse; skipped", segment.id)
    return in_dependency_order(definitions)


def as_definition(segment: Segment) -> Definition:
    target: Target = "accounts" if segment.target == "accounts" else "persons"
    node = parse_rule(segment.rule, target=target)
    return Definition(segment.id, segment.name, target, node, segment.version or 0)


def in_dependency_order(definitions: Iterable[Definition]) -> list[Definition]:
    """Referenced segments first (a stable topological order; cycles cannot be saved)."""
    by_id = {d.id: d for d in definitions}
    ordered: list[Definition] = []
    done: set[int] = set()

    def visit(definition: Definition, path: frozenset[int]) -> None:
        if definition.id in done or definition.id in path:
            return
        for ref in sorted(definition.reads.segments):
            if ref in by_id:
                visit(by_id[ref], path | {definition.id})
        done.add(definition.id)
        ordered.append(definition)

    for definition in by_id.values():
        visit(definition, frozenset())
    return ordered


def dependents(definitions: Iterable[Definition], changed: set[int]) -> set[int]:
    """Segments that refer to one of ``changed``, directly or through others."""
    graph: dict[int, set[int]] = {}
    for definition in definitions:
        for ref in definition.reads.segments:
            graph.setdefault(ref, set()).add(definition.id)
    found: set[int] = set()
    frontier = list(changed)
    while frontier:
        for user in graph.get(frontier.pop(), ()):
            if user not in found:
                found.add(user)
                frontier.append(user)
    return found


def find_cycle(segment_id: int, references: Mapping[int, Iterable[int]]) -> list[int] | None:
    """A path ``segment_id → ... → segment_id`` through ``references``, if one exists."""
    stack: list[tuple[int, list[int]]] = [(segment_id, [segment_id])]
    seen: set[int] = set()
    while stack:
        current, path = stack.pop()
        for ref in references.get(current, ()):
            if ref == segment_id:
                return [*path, ref]
            if ref not in seen:
                seen.add(ref)
                stack.append((ref, [*path, ref]))
    return None


def references_of(session: Session) -> dict[int, set[int]]:
    """Stored segments' references, for cycle checks before a save."""
    found: dict[int, set[int]] = {}
    for segment in session.scalars(select(Segment)):
        try:
            found[segment.id] = set(as_definition(segment).reads.segments)
        except TwofoldError:
            found[segment.id] = set()
    return found


def summary(definition: Definition) -> dict[str, Any]:
    reads = definition.reads
    return {
        "event_names": sorted(reads.event_names),
        "orders": reads.orders,
        "segments": sorted(reads.segments),
        "time_relative": reads.time_relative,
    }
