"""Health score, reasons, ABM status and their storage, against values worked out by hand,
on both databases (events from a real DuckDB event store)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from twofold.accounts.actions import create_account
from twofold.accounts.memberships import MembershipCreate, add_membership
from twofold.accounts.schemas import AccountCreate
from twofold.activities.actions import log_activity
from twofold.activities.schemas import ActivityCreate
from twofold.contracts.actions import create_contract
from twofold.contracts.schemas import ContractCreate
from twofold.core.enums import ActivityKind, BuyingRole
from twofold.core.errors import PermissionDenied, ValidationFailed
from twofold.core.time import naive_utc, utcnow
from twofold.deals.actions import create_deal
from twofold.deals.committee import add_stakeholder
from twofold.deals.schemas import DealCreate, StakeholderCreate
from twofold.events.store import EventStore
from twofold.intelligence.config import Signal, health_weights, set_health_weights
from twofold.intelligence.health import points
from twofold.intelligence.queries import health_history
from twofold.intelligence.recompute import AccountHealthResult, compute_health, recompute_health
from twofold.persons.actions import create_person
from twofold.persons.schemas import PersonCreate
from twofold.store.database import Database
from twofold.store.models import AccountHealth, HealthSnapshot, User

NOW = utcnow().replace(microsecond=0)
TODAY = NOW.date()


@dataclass(frozen=True)
class World:
    acme: int
    quiet: int
    prospect: int
    people: dict[str, int]


@pytest.fixture
def world(database: Database, admin: User) -> World:
    """Acme: activity 64 days ago, an open deal covering 2 of 8 key roles, a champion who
    left 10 days ago, 2 open support issues (+1 done), a contract ending in 40 days without
    a renewal. Quiet: nothing. Prospect: an open deal without stakeholders, a call 5 days
    ago."""
    with database.transaction() as session:
        actor = session.merge(admin)

        def account(name: str) -> int:
            return create_account(session, actor=actor, data=AccountCreate(name=name)).id

        def person(first: str, last: str) -> int:
            data = PersonCreate(first_name=first, last_name=last)
            return create_person(session, actor=actor, data=data).id

        def activity(kind: ActivityKind, account_id: int, days_ago: int, **fields: object) -> None:
            data = ActivityCreate(
                kind=kind,
                subject=f"{kind} {days_ago}",
                occurred_at=NOW - timedelta(days=days_ago),
                account_ids=[account_id],
                **fields,
            )
            log_activity(session, actor=actor, data=data)

        acme, quiet, prospect = account("Acme"), account("Quiet"), account("Prospect")
        people = {name: person(name, "Doe") for name in ("Jane", "Eve", "Bob", "Pat", "Sam")}
        activity(ActivityKind.CALL, acme, 64)
        activity(ActivityKind.SUPPORT, acme, 70)
        activity(ActivityKind.SUPPORT, acme, 80)
        activity(ActivityKind.SUPPORT, acme, 90, done=True)
        activity(ActivityKind.CALL, prospect, 5)
        deal = create_deal(session, actor=actor, data=DealCreate(name="Acme more", account_id=acme))
        for name, role in (
            ("Eve", BuyingRole.ECONOMIC_BUYER),
            ("Bob", BuyingRole.CHAMPION),
            ("Pat", BuyingRole.INFLUENCER),
        ):
            add_stakeholder(
                session,
                actor=actor,
                deal=deal,
                data=StakeholderCreate(person_id=people[name], buying_role=role),
            )
        create_deal(session, actor=actor, data=DealCreate(name="First", account_id=prospect))
        add_membership(
            session,
            actor=actor,
            data=MembershipCreate(
                person_id=people["Jane"],
                account_id=acme,
                buying_roles=[BuyingRole.CHAMPION],
                ended_on=TODAY - timedelta(days=10),
            ),
        )
        create_contract(
            session,
            actor=actor,
            data=ContractCreate(
                name="Acme 2027",
                account_id=acme,
                status="active",
                start_date=TODAY - timedelta(days=325),
                end_date=TODAY + timedelta(days=40),
                mrr="1000",
                currency="EUR",
            ),
        )
        return World(acme=acme, quiet=quiet, prospect=prospect, people=people)


def health(database: Database, store: EventStore | None = None) -> dict[int, AccountHealthResult]:
    with database.transaction() as session:
        results = compute_health(session, store=store, now=NOW, default_lead_days=90)
    return {result.account_id: result for result in results}


def messages(result: AccountHealthResult) -> list[str]:
    return [reason.message for reason in result.reasons if reason.points]


def test_points_round_halves_away_from_zero() -> None:
    assert points(15, Decimal("0.5")) == -8
    assert points(20, Decimal("0.75")) == -15
    assert points(0, Decimal(1)) == 0


def test_scores_and_reasons_without_events(database: Database, world: World) -> None:
    results = health(database)
    acme = results[world.acme]
    # 100 - 15 (activity, 64 days: 75 % of 20) - 11 (6/8 of 15 = 11.25) - 15 (champion)
    #     - 10 (2 of 3 issues: 2/3 of 15) - 10 (renewal) = 39
    assert acme.score == 39
    assert messages(acme) == [
        "No activity in 64 days (\u221215)",
        "Champion Jane Doe left on " + str(TODAY - timedelta(days=10)) + " (\u221215)",
        "Key buying roles 25% covered on the open deal (\u221211)",
        "2 open support issues (\u221210)",
        "Contract Acme 2027 ends in 40 days with no renewal deal (\u221210)",
    ]
    assert {r.signal: r.points for r in acme.reasons}[Signal.ENGAGEMENT.value] == 0
    assert (acme.abm_status, acme.abm_reason) == (
        "customer",
        "Active contract Acme 2027 (12000.00 EUR ARR)",
    )
    quiet = results[world.quiet]
    assert (quiet.score, messages(quiet)) == (80, ["No activity recorded (\u221220)"])
    assert quiet.abm_status == "cold"
    prospect = results[world.prospect]
    assert prospect.score == 85  # no stakeholder on its open deal: all 15
    assert messages(prospect) == ["Key buying roles 0% covered on the open deal (\u221215)"]
    assert (prospect.abm_status, prospect.abm_reason) == ("in_pipeline", "Open deal First")


@pytest.fixture
def store(tmp_path: Path, world: World) -> EventStore:
    """Sam (at Quiet) last seen 45 days ago; Eve (at Prospect) used the product 3 days ago;
    Pat (at Quiet, but left) was seen today."""
    events = EventStore(tmp_path / "events.duckdb")
    with events.writer() as cursor:
        for person, account, left in (
            (world.people["Sam"], world.quiet, False),
            (world.people["Eve"], world.prospect, False),
            (world.people["Pat"], world.quiet, True),
        ):
            cursor.execute(
                "INSERT INTO person_accounts (person_id, account_id, has_left) VALUES (?, ?, ?)",
                [person, account, left],
            )
        for person, name, days_ago in (
            (world.people["Sam"], "Page Viewed", 45),
            (world.people["Eve"], "Product Used", 3),
            (world.people["Pat"], "Page Viewed", 0),
        ):
            at = naive_utc(NOW - timedelta(days=days_ago))
            cursor.execute(
                "INSERT INTO person_event_counts VALUES (?, 'track', ?, 1, ?, ?)",
                [person, name, at, at],
            )
    yield events
    events.close()


def test_engagement_and_product_use_from_the_event_store(
    database: Database, world: World, store: EventStore
) -> None:
    results = health(database, store)
    quiet = results[world.quiet]
    # -20 activity, -8 engagement (45 days: half of 15, rounded up), -10 no product use.
    assert quiet.score == 62
    assert messages(quiet) == [
        "No activity recorded (\u221220)",
        "No product use recorded (\u221210)",
        "No engagement in 45 days (\u22128)",
    ]
    assert quiet.abm_status == "cold"  # Pat's visit today does not count: Pat left
    prospect = results[world.prospect]
    assert prospect.score == 85
    assert "Product used 3 days ago" in [r.message for r in prospect.reasons]
    acme = results[world.acme]
    assert acme.score == 39 - 15 - 10  # nobody at Acme sends events; no product use


def test_nurture_needs_recent_engagement_and_no_open_deal(
    database: Database, admin: User, world: World, store: EventStore
) -> None:
    with store.writer() as cursor:
        cursor.execute(
            "UPDATE person_event_counts SET last_at = ? WHERE person_id = ?",
            [naive_utc(NOW - timedelta(days=2)), world.people["Sam"]],
        )
    quiet = health(database, store)[world.quiet]
    assert (quiet.abm_status, quiet.abm_reason) == (
        "nurture",
        "1 person engaged in the last 30 days",
    )


def test_recompute_stores_current_rows_and_one_snapshot_a_day(
    database: Database, admin: User, world: World
) -> None:
    for _ in range(2):
        with database.transaction() as session:
            count = recompute_health(
                session, actor=session.merge(admin), store=None, now=NOW, default_lead_days=90
            )
        assert count == 3
    with database.transaction() as session:
        rows = {row.account_id: row for row in session.scalars(select(AccountHealth))}
        assert {key: row.score for key, row in rows.items()} == {
            world.acme: 39,
            world.quiet: 80,
            world.prospect: 85,
        }
        snapshots = list(session.scalars(select(HealthSnapshot)))
        assert len(snapshots) == 3
        history = health_history(session, account_id=world.acme, today=TODAY)
        assert [(point.day, point.score) for point in history] == [(TODAY, 39)]
        assert len(history[0].reasons) == 5  # only what cost points is kept


def test_weights_change_the_score_and_bad_weights_are_refused(
    database: Database, admin: User, world: World
) -> None:
    with database.transaction() as session:
        actor = session.merge(admin)
        set_health_weights(session, actor=actor, weights={"activity_recency": 40})
        assert health_weights(session)[Signal.ACTIVITY] == 40
        for bad in ({"nope": 1}, {"activity_recency": 101}, {"activity_recency": -1}):
            with pytest.raises(ValidationFailed):
                set_health_weights(session, actor=actor, weights=bad)
    assert health(database)[world.quiet].score == 60
    with database.transaction() as session:
        rep = User(email="rep@example.com", name="Rep", role="rep", password_hash="x")
        with pytest.raises(PermissionDenied):
            set_health_weights(session, actor=rep, weights={"activity_recency": 1})
        with pytest.raises(PermissionDenied):
            recompute_health(session, actor=rep, store=None, now=NOW, default_lead_days=90)
        assert health_weights(session)[Signal.ACTIVITY] == 40


def test_lead_days_decide_whether_the_contract_is_at_risk(database: Database, world: World) -> None:
    with database.transaction() as session:
        [acme] = compute_health(
            session, store=None, now=NOW, default_lead_days=30, account_ids=[world.acme]
        )
    assert acme.score == 49  # ends in 40 days: outside a 30-day lead, no renewal penalty
