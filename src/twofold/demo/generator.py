"""Build a whole demo company, deterministically from a seed, in bulk.

Order of work: the sales team and the pipelines go through the domain functions (a few
rows); accounts, persons, deals and activities, with everything hanging off them, are
generated lazily and written in chunks by ``bulk.BulkWriter`` with ids assigned here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from twofold.core.errors import Conflict
from twofold.core.progress import ProgressReporter, SilentProgress
from twofold.core.settings import DEFAULT_BASE_CURRENCY
from twofold.core.time import as_utc, utcnow
from twofold.demo.accounts import generate_accounts
from twofold.demo.activities import generate_activities
from twofold.demo.bulk import (
    BulkWriter,
    InsertMethod,
    analyze,
    next_ids,
    open_sink,
    reset_sequences,
)
from twofold.demo.contracts import add_contracts
from twofold.demo.deals import generate_deals
from twofold.demo.forecasts import add_forecast_plan
from twofold.demo.leads import add_leads
from twofold.demo.load_schema import relaxed_for_load
from twofold.demo.persons import generate_persons
from twofold.demo.quotes import add_quotes
from twofold.demo.sequences import add_sequences
from twofold.demo.sizes import DemoSize
from twofold.demo.specs import (
    ACCOUNTS,
    ACTIVITIES,
    ACTIVITY_ACCOUNTS,
    ACTIVITY_DEALS,
    ACTIVITY_PERSONS,
    ALL_SPECS,
    DEALS,
    MEMBERSHIPS,
    PARTNERS,
    PERSONS,
    STAGE_HISTORY,
    STAKEHOLDERS,
    TIMELINE,
)
from twofold.demo.team import DEMO_PASSWORD, create_team, prepare_pipelines
from twofold.demo.world import Clock, IdSequence, World, phase_rng
from twofold.store.database import Database
from twofold.store.models import Account


@dataclass(frozen=True)
class DemoSummary:
    """What a build created: row counts per kind, the demo users, and how long it took."""

    users: int
    accounts: int
    persons: int
    memberships: int
    deals: int
    stage_visits: int
    stakeholders: int
    partners: int
    activities: int
    activity_links: int
    timeline_entries: int
    exchange_rates: int = 0
    quotas: int = 0
    contracts: int = 0
    contract_lines: int = 0
    sequence_enrollments: int = 0
    leads: int = 0
    user_emails: list[str] = field(default_factory=list)
    user_password: str = DEMO_PASSWORD
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        """Every row written in bulk (users and pipelines not included)."""
        return (
            self.accounts
            + self.persons
            + self.memberships
            + self.deals
            + self.stage_visits
            + self.stakeholders
            + self.partners
            + self.activities
            + self.activity_links
            + self.timeline_entries
        )


def build_demo_company(
    database: Database,
    *,
    size: DemoSize,
    seed: int = 7,
    progress: ProgressReporter | None = None,
    now: datetime | None = None,
    insert_method: InsertMethod = "auto",
    base_currency: str = DEFAULT_BASE_CURRENCY,
) -> DemoSummary:
    """Fill a migrated database that has no accounts yet with a realistic demo company.

    The same ``seed``, ``size`` and ``now`` give the same rows. ``insert_method="core"``
    writes through SQLAlchemy Core in this process instead of the fast writer process.
    Exchange rates and quotas are expressed in ``base_currency`` (the installation's).
    """
    started = time.perf_counter()
    reporter = progress or SilentProgress()
    world = prepare_world(database, size=size, seed=seed, now=as_utc(now or utcnow()))
    written = _generate(database, world, size=size, progress=reporter, method=insert_method)
    reset_sequences(database, ALL_SPECS)
    analyze(database, ALL_SPECS)
    plan = add_forecast_plan(database, world, base_currency=base_currency)
    contracts = add_contracts(database, world)
    quotes = add_quotes(database, world)
    enrolled = add_sequences(database, world)
    leads = add_leads(database, world)
    links = sum(
        written[spec.name] for spec in (ACTIVITY_ACCOUNTS, ACTIVITY_PERSONS, ACTIVITY_DEALS)
    )
    return DemoSummary(
        users=len(world.team.emails), accounts=written[ACCOUNTS.name],
        persons=written[PERSONS.name], memberships=written[MEMBERSHIPS.name],
        deals=written[DEALS.name], stage_visits=written[STAGE_HISTORY.name],
        stakeholders=written[STAKEHOLDERS.name], partners=written[PARTNERS.name],
        activities=written[ACTIVITIES.name], activity_links=links,
        timeline_entries=written[TIMELINE.name] + quotes.timeline_entries + leads.timeline_entries,
        exchange_rates=plan.exchange_rates,
        quotas=plan.quotas, contracts=contracts.contracts, contract_lines=contracts.lines,
        sequence_enrollments=enrolled, leads=leads.leads,
        user_emails=list(world.team.emails),
        seconds=time.perf_counter() - started,
    )  # fmt: skip


def prepare_world(database: Database, *, size: DemoSize, seed: int, now: datetime) -> World:
    """Check the database is empty, add the team and pipelines, and reserve the next ids."""
    ensure_no_accounts(database)
    with database.transaction() as session:
        team = create_team(session, accounts=size.accounts, rng=phase_rng(seed, "team"))
        pipeline, renewals = prepare_pipelines(session, actor_id=team.managers[0])
    ids = {name: IdSequence(start) for name, start in next_ids(database, ALL_SPECS).items()}
    return World(
        seed=seed, clock=Clock(now), team=team, pipeline=pipeline, renewals=renewals, ids=ids
    )


def _generate(
    database: Database,
    world: World,
    *,
    size: DemoSize,
    progress: ProgressReporter,
    method: InsertMethod,
) -> dict[str, int]:
    """Generate every phase into the bulk writer; return the rows written per table."""
    with relaxed_for_load(database, ALL_SPECS, progress=progress):
        with open_sink(database, ALL_SPECS, method) as sink:
            writer = BulkWriter(sink, ALL_SPECS)
            world.accounts = generate_accounts(
                world, writer, total=size.accounts, progress=progress
            )
            world.persons = generate_persons(world, writer, total=size.persons, progress=progress)
            world.deals = generate_deals(world, writer, total=size.deals, progress=progress)
            generate_activities(world, writer, total=size.activities, progress=progress)
            writer.finish()
            progress.start("Committing", 1)  # the writer catches up, commits and checks
        progress.advance(1)
    return writer.written


def ensure_no_accounts(database: Database) -> None:
    """Refuse to build into a database that already has accounts (``Conflict``)."""
    with database.sessions() as session:
        if session.scalar(select(Account.id).limit(1)) is not None:
            raise Conflict(
                "the database already has accounts; the demo company is built into an empty "
                "database (start from a fresh data directory)"
            )
