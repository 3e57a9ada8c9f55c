"""What the generator's phases hand each other: clock, team, pipelines, compact record facts.

Facts about millions of records are kept in ``array`` columns indexed by position (account
index, deal index...), not as objects, so the large size stays within a few hundred MB.
"""

from __future__ import annotations

import random
from array import array
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from twofold.core.enums import StageKind
from twofold.demo.specs import TableSpec
from twofold.store.models import Stage

Choice = TypeVar("Choice")
DAY = 86_400
HISTORY_DAYS = 540  # deals and activities cover the last 18 months
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class IdSequence:
    """The next free ids of one table; the generator assigns ids itself."""

    def __init__(self, start: int) -> None:
        self.next = start

    def take(self) -> int:
        """The next id."""
        value = self.next
        self.next += 1
        return value


@dataclass(frozen=True)
class Clock:
    """``now`` and conversions between datetimes and whole epoch seconds."""

    now: datetime

    @property
    def now_ts(self) -> int:
        """``now`` in whole seconds since the epoch."""
        return int(self.now.timestamp())

    def at(self, timestamp: int) -> datetime:
        """The aware UTC datetime of an epoch second."""
        return _EPOCH + timedelta(seconds=timestamp)


@dataclass(frozen=True)
class StagePlan:
    """A stage as the generator needs it."""

    id: int
    name: str
    probability: int
    forecast_category: str
    kind: str
    entry_criteria: tuple[str, ...]
    rotting_days: int | None

    @classmethod
    def of(cls, stage: Stage) -> StagePlan:
        """Copy the fields of a stage row."""
        return cls(
            id=stage.id,
            name=stage.name,
            probability=stage.probability,
            forecast_category=stage.forecast_category,
            kind=stage.kind,
            entry_criteria=tuple(stage.entry_criteria),
            rotting_days=stage.rotting_days,
        )


@dataclass(frozen=True)
class PipelinePlan:
    """A pipeline's open stages in order, plus where deals are won and lost."""

    id: int
    name: str
    open_stages: tuple[StagePlan, ...]
    won: StagePlan
    lost: StagePlan

    @classmethod
    def of(cls, pipeline_id: int, name: str, stages: list[Stage]) -> PipelinePlan:
        """Sort a pipeline's stages by kind; it needs an open, a won and a lost stage."""
        plans = [StagePlan.of(stage) for stage in sorted(stages, key=lambda s: (s.position, s.id))]
        open_stages = tuple(plan for plan in plans if plan.kind == StageKind.OPEN)
        won = next((plan for plan in plans if plan.kind == StageKind.WON), None)
        lost = next((plan for plan in plans if plan.kind == StageKind.LOST), None)
        if not open_stages or won is None or lost is None:
            raise ValueError(f"pipeline {name!r} needs open, won and lost stages for the demo")
        return cls(id=pipeline_id, name=name, open_stages=open_stages, won=won, lost=lost)


@dataclass
class Team:
    """The demo sales team's user ids."""

    managers: list[int]
    reps: list[int]
    marketers: list[int]
    viewers: list[int]
    emails: list[str]
    reps_by_region: dict[str, list[int]]


@dataclass
class AccountFacts:
    """Per-account columns (index = account id - ``first_id``)."""

    first_id: int
    names: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    created: array[int] = field(default_factory=lambda: array("q"))
    owner: array[int] = field(default_factory=lambda: array("q"))
    country: array[int] = field(default_factory=lambda: array("B"))
    tier: array[int] = field(default_factory=lambda: array("B"))
    lifecycle: array[int] = field(default_factory=lambda: array("B"))
    partner_ids: list[int] = field(default_factory=list)

    @property
    def count(self) -> int:
        """How many accounts were generated."""
        return len(self.names)


@dataclass
class PersonFacts:
    """Where each account's people are (contiguous ids) and who left or buys for themselves."""

    first_id: int
    start: array[int] = field(default_factory=lambda: array("q"))
    count: array[int] = field(default_factory=lambda: array("q"))
    left: bytearray = field(default_factory=bytearray)
    consumer_first_id: int = 0
    consumer_names: list[str] = field(default_factory=list)
    consumer_created: array[int] = field(default_factory=lambda: array("q"))
    memberships: int = 0


@dataclass
class DealFacts:
    """Per-deal columns the activity phase needs (index = deal id - ``first_id``)."""

    first_id: int
    created: array[int] = field(default_factory=lambda: array("q"))
    active_until: array[int] = field(default_factory=lambda: array("q"))
    owner: array[int] = field(default_factory=lambda: array("q"))
    account_index: array[int] = field(default_factory=lambda: array("q"))
    person_id: array[int] = field(default_factory=lambda: array("q"))

    @property
    def count(self) -> int:
        """How many deals were generated."""
        return len(self.created)


@dataclass
class World:
    """Everything shared between phases of one build."""

    seed: int
    clock: Clock
    team: Team
    pipeline: PipelinePlan
    renewals: PipelinePlan
    ids: dict[str, IdSequence]
    accounts: AccountFacts | None = None
    persons: PersonFacts | None = None
    deals: DealFacts | None = None

    def rng(self, phase: str) -> random.Random:
        """An independent, reproducible random stream per phase."""
        return phase_rng(self.seed, phase)

    def ids_for(self, spec: TableSpec) -> IdSequence:
        """The next free ids of ``spec``'s table (shared by every phase that writes it)."""
        return self.ids[spec.name]


def weighted(weights: Mapping[Choice, int]) -> tuple[Choice, ...]:
    """Each choice repeated by its (small, whole) weight, for a fast ``rng.choice``."""
    return tuple(choice for choice, weight in weights.items() for _ in range(weight))


def phase_rng(seed: int, phase: str) -> random.Random:
    """The random stream of one phase of the build with ``seed`` (string seeds are stable)."""
    return random.Random(f"twofold-demo/{seed}/{phase}")  # noqa: S311 - demo data, not secrets
