"""How a deal walks through its pipeline's stages over time.

Each deal starts in the first stage, stays a random time in each stage, then is lost or
moves on, until it is won or lost or ``now`` is reached (still open). A few deals stall on
purpose, so that rotting deals show.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cached_property

from twofold.demo.world import DAY, PipelinePlan, StagePlan
from twofold.pipelines.criteria import ROLE_PREFIX

STALLED_SHARE = 0.08
# Chance of being lost when leaving each open stage, for new business and for renewals.
_NEW_BUSINESS_LOSSES = (0.30, 0.25, 0.20, 0.18, 0.15)
_RENEWAL_LOSSES = (0.08, 0.08, 0.04)
# A stay lasts (rotting days x this share x a triangular(0.2, 1.7, 0.8) draw): always less than
# the rotting age, so only the deliberately stalled deals show as rotting.
_STAY_SHARE_OF_ROTTING = 0.55
_DAYS_WITHOUT_ROTTING = 30
# Criteria the generator can always meet; a deal is never routed past a stage needing others.
_FILLABLE = frozenset(
    {
        "amount",
        "expected_close_date",
        "next_step",
        "source",
        "owner_id",
        "competitors",
        "stakeholders",
    }
)


@dataclass(frozen=True)
class Route:
    """How deals move through one pipeline: time and loss chance per open stage, and gates."""

    plan: PipelinePlan
    stays: tuple[tuple[float, float], ...]  # (typical days in stage, chance of loss) per stage
    reach: int  # open stages a deal of this kind can enter (criteria it cannot meet stop it)
    can_win: bool

    @classmethod
    def through(cls, plan: PipelinePlan, *, on_account: bool) -> Route:
        """Route deals on an account (or on a person) through ``plan``."""
        losses = (
            _RENEWAL_LOSSES if len(plan.open_stages) <= len(_RENEWAL_LOSSES)
            else _NEW_BUSINESS_LOSSES
        )  # fmt: skip
        stays = tuple(
            (
                (stage.rotting_days or _DAYS_WITHOUT_ROTTING) * _STAY_SHARE_OF_ROTTING,
                losses[min(position, len(losses) - 1)],
            )
            for position, stage in enumerate(plan.open_stages)
        )
        holder = "account_id" if on_account else "person_id"
        reach = next(
            (p for p, stage in enumerate(plan.open_stages) if not _can_fill(stage, holder)),
            len(plan.open_stages),
        )
        can_win = reach == len(plan.open_stages) and _can_fill(plan.won, holder)
        return cls(plan=plan, stays=stays, reach=reach, can_win=can_win)


def _can_fill(stage: StagePlan, holder: str) -> bool:
    return all(
        name in _FILLABLE or name == holder or name.startswith(ROLE_PREFIX)
        for name in stage.entry_criteria
    )


@dataclass
class Path:
    """The stages one deal visited, with the epoch second it entered each."""

    visits: list[tuple[StagePlan, int]]
    stalled: bool = False

    @property
    def current(self) -> StagePlan:
        """The stage the deal is in now."""
        return self.visits[-1][0]

    @cached_property
    def needed(self) -> set[str]:
        """Every entry criterion met on the way (the lost stage also needs a lost reason)."""
        return {name for stage, _ in self.visits for name in stage.entry_criteria}


def walk(rng: random.Random, route: Route, *, earliest: int, now: int) -> Path:
    """Simulate one deal's way through its pipeline between ``earliest`` and ``now``."""
    if rng.random() < STALLED_SHARE:
        return _stalled_walk(rng, route, earliest=earliest, now=now)
    plan = route.plan
    entered = now - int((now - earliest) * rng.random() ** 1.7)  # the business grows
    path = Path([(plan.open_stages[0], entered)])
    position = 0
    while True:
        typical_days, loss_chance = route.stays[position]
        entered += _stay(rng, typical_days)
        if entered >= now:
            return path
        if rng.random() < loss_chance:
            path.visits.append((plan.lost, entered))
            return path
        position += 1
        if position < route.reach:
            path.visits.append((plan.open_stages[position], entered))
        elif position == len(plan.open_stages) and route.can_win:
            path.visits.append((plan.won, entered))
            return path
        else:
            return path  # the next gate asks for something this deal cannot have


def _stalled_walk(rng: random.Random, route: Route, *, earliest: int, now: int) -> Path:
    """A deal stuck in an open stage for well past the stage's rotting age."""
    plan = route.plan
    target = rng.randrange(route.reach)
    stays = [_stay(rng, route.stays[position][0]) for position in range(target)]
    rotting_days = plan.open_stages[target].rotting_days or _DAYS_WITHOUT_ROTTING
    idle = int(rotting_days * DAY * rng.uniform(1.5, 5.0))
    entered = now - idle - sum(stays)
    if entered < earliest:
        return Path([(plan.open_stages[0], earliest)], stalled=True)
    path = Path([(plan.open_stages[0], entered)], stalled=True)
    for position, stay in enumerate(stays, start=1):
        entered += stay
        path.visits.append((plan.open_stages[position], entered))
    return path


def _stay(rng: random.Random, typical_days: float) -> int:
    """Seconds in one stage: at least an hour, at most 1.7 x the typical stay."""
    return max(3_600, int(typical_days * DAY * rng.triangular(0.2, 1.7, 0.8)))
