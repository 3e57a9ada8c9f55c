"""The demo sales team (users) and the two pipelines, written through the domain functions."""

from __future__ import annotations

import math
import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.auth.passwords import hash_password
from twofold.auth.users import create_user
from twofold.core.enums import ForecastCategory, Role, StageKind
from twofold.core.errors import Conflict
from twofold.demo.countries import COUNTRIES, REGIONS
from twofold.demo.names import NAME_POOLS, ascii_slug
from twofold.demo.world import PipelinePlan, Team
from twofold.pipelines.actions import create_pipeline, pipeline_stages
from twofold.pipelines.defaults import ensure_default_pipeline
from twofold.pipelines.schemas import PipelineCreate, StageCreate
from twofold.store.models import Pipeline, User

DEMO_PASSWORD = "demo-password-123"  # noqa: S105 - published demo credentials, not a secret
DEMO_EMAIL_DOMAIN = "twofold.example"
RENEWALS_PIPELINE_NAME = "Renewals"
ACCOUNTS_PER_REP = 40
MIN_REPS, MAX_REPS = 4, 500
REPS_PER_MANAGER = 8
# create_user hashes each password with argon2 (tens of ms); above this, hash once.
MAX_USERS_ONE_BY_ONE = 50
_TEAM_CULTURES = ("english", "english", "german", "french", "hispanic", "indian", "dutch")


def team_shape(accounts: int) -> dict[Role, int]:
    """How many users of each role a company with ``accounts`` accounts gets."""
    reps = min(MAX_REPS, max(MIN_REPS, math.ceil(accounts / ACCOUNTS_PER_REP)))
    managers = max(2, math.ceil(reps / REPS_PER_MANAGER))
    return {Role.MANAGER: managers, Role.REP: reps, Role.MARKETER: 2, Role.VIEWER: 1}


def create_team(session: Session, *, accounts: int, rng: random.Random) -> Team:
    """Add managers, reps (each reporting to a manager), marketers and a viewer."""
    people = _team_members(session, team_shape(accounts), rng)
    if len(people) <= MAX_USERS_ONE_BY_ONE:
        users = [
            create_user(session, email=email, name=name, password=DEMO_PASSWORD, role=role)
            for role, name, email in people
        ]
    else:
        users = _add_users_sharing_one_hash(session, people)
    by_role: dict[str, list[User]] = {role.value: [] for role in Role}
    for user in users:
        by_role[user.role].append(user)
    managers, reps = by_role[Role.MANAGER], by_role[Role.REP]
    for manager in managers[1:]:
        manager.manager_id = managers[0].id  # the first manager heads sales
    for index, rep in enumerate(reps):
        rep.manager_id = managers[index % len(managers)].id
    session.flush()
    return Team(
        managers=[user.id for user in managers],
        reps=[user.id for user in reps],
        marketers=[user.id for user in by_role[Role.MARKETER]],
        viewers=[user.id for user in by_role[Role.VIEWER]],
        emails=[user.email for user in users],
        reps_by_region=_territories([user.id for user in reps]),
    )


def _team_members(
    session: Session, shape: dict[Role, int], rng: random.Random
) -> list[tuple[Role, str, str]]:
    taken = set(session.scalars(select(User.email)))
    members: list[tuple[Role, str, str]] = []
    for role, count in shape.items():
        for _ in range(count):
            pool = NAME_POOLS[rng.choice(_TEAM_CULTURES)]
            first, last = rng.choice(pool.first), rng.choice(pool.last)
            local = f"{ascii_slug(first)}.{ascii_slug(last)}"
            email, number = f"{local}@{DEMO_EMAIL_DOMAIN}", 1
            while email in taken:
                number += 1
                email = f"{local}{number}@{DEMO_EMAIL_DOMAIN}"
            taken.add(email)
            members.append((role, f"{first} {last}", email))
    return members


def _add_users_sharing_one_hash(
    session: Session, people: list[tuple[Role, str, str]]
) -> list[User]:
    password_hash = hash_password(DEMO_PASSWORD)
    users = [
        User(email=email, name=name, password_hash=password_hash, role=role.value)
        for role, name, email in people
    ]
    session.add_all(users)
    session.flush()
    return users


def _territories(reps: list[int]) -> dict[str, list[int]]:
    """Split reps over regions in proportion to where the accounts are; every region gets one."""
    weights = dict.fromkeys(REGIONS, 0)
    for country in COUNTRIES:
        weights[country.region] += country.weight
    total = sum(weights.values())
    territories: dict[str, list[int]] = {region: [] for region in REGIONS}
    for index, rep in enumerate(reps):
        if index < len(REGIONS):
            territories[REGIONS[index]].append(rep)
            continue
        region = max(
            REGIONS, key=lambda name: weights[name] / total - len(territories[name]) / len(reps)
        )
        territories[region].append(rep)
    return territories


def prepare_pipelines(session: Session, *, actor_id: int) -> tuple[PipelinePlan, PipelinePlan]:
    """The default pipeline and a Renewals pipeline (created unless they already exist)."""
    default = ensure_default_pipeline(session)
    renewals = session.scalar(select(Pipeline).where(Pipeline.name == RENEWALS_PIPELINE_NAME))
    if renewals is None:
        actor = session.get(User, actor_id)
        if actor is None:
            raise Conflict(f"user {actor_id} disappeared while building the demo")
        renewals = create_pipeline(session, actor=actor, data=_renewals_definition())
    return (
        PipelinePlan.of(default.id, default.name, pipeline_stages(session, default.id)),
        PipelinePlan.of(renewals.id, renewals.name, pipeline_stages(session, renewals.id)),
    )


# name, probability, kind, forecast category, entry criteria, rotting days
_RENEWAL_STAGES: tuple[tuple[str, int, StageKind, ForecastCategory, list[str], int | None], ...] = (
    ("Upcoming", 50, StageKind.OPEN, ForecastCategory.PIPELINE, ["amount"], 45),
    ("In discussion", 70, StageKind.OPEN, ForecastCategory.BEST_CASE,
     ["amount", "expected_close_date"], 30),
    ("Committed", 90, StageKind.OPEN, ForecastCategory.COMMIT,
     ["amount", "expected_close_date", "next_step"], 14),
    ("Renewed", 100, StageKind.WON, ForecastCategory.CLOSED, ["amount"], None),
    ("Churned", 0, StageKind.LOST, ForecastCategory.OMITTED, [], None),
)  # fmt: skip


def _renewals_definition() -> PipelineCreate:
    stages = [
        StageCreate(
            name=name,
            probability=probability,
            kind=kind,
            forecast_category=category,
            entry_criteria=list(criteria),
            rotting_days=rotting_days,
        )
        for name, probability, kind, category, criteria, rotting_days in _RENEWAL_STAGES
    ]
    return PipelineCreate(name=RENEWALS_PIPELINE_NAME, stages=stages)
