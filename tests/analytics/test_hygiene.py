"""The hygiene report at a fixed moment (2027-03-31 12:00 UTC) over the open deals of
tests/analytics_world.py, on both databases."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from analytics_world import BASE, HYGIENE_NOW, AnalyticsWorld, build_analytics_world
from twofold.analytics.hygiene import Hygiene
from twofold.analytics.reports import hygiene_report
from twofold.analytics.scope import AnalyticsFilters
from twofold.store.database import Database
from twofold.store.models import User


@pytest.fixture
def world(database: Database, admin: User) -> AnalyticsWorld:
    with database.transaction() as session:
        return build_analytics_world(session, session.merge(admin))


def hygiene(
    session: Session,
    world: AnalyticsWorld,
    *,
    filters: AnalyticsFilters | None = None,
    idle_days: int = 30,
    limit: int = 20,
    now: datetime = HYGIENE_NOW,
) -> Hygiene:
    actor = session.get(User, world.admin_id)
    assert actor is not None
    return hygiene_report(
        session,
        actor=actor,
        filters=filters or AnalyticsFilters(),
        base_currency=BASE,
        idle_days=idle_days,
        limit=limit,
        now=now,
    ).result


def flagged(result: Hygiene) -> dict[str, list[str]]:
    """Each check's deals by name, stalest first; counts must match the lists here."""
    for name, check in result.checks.items():
        assert check.count == len(check.deals), name
    return {name: [deal.name for deal in check.deals] for name, check in result.checks.items()}


def test_every_check_at_a_fixed_moment(database: Database, world: AnalyticsWorld) -> None:
    with database.transaction() as session:
        result = hygiene(session, world)
    assert result.open_count == 5
    # Idle since 2027-03-01 12:00. Rotting ages: Qualification 14 days, Discovery and
    # Solution demo 21. O1 has a call on 03-20; O4's call (01-15) is too old.
    assert flagged(result) == {
        "rotting": ["O4", "O1", "O2"],  # in since 01-10, 01-20, 02-20
        "stale": ["O4", "O2"],  # O1 had a call; O3 and O5 moved lately
        "past_close_date": ["O4", "O2", "O5"],  # 01-20, 02-15, 02-20
        "no_next_step": ["O4", "O2"],
        "no_recent_activity": ["O4", "O2", "O3", "O5"],
        "missing_required_fields": ["O2"],  # Solution demo now requires a next step
    }
    [o2] = result.checks["missing_required_fields"].deals
    assert o2.missing == ["next_step"]
    assert o2.days_in_stage == 39  # 02-20 to 03-31 12:00
    assert (o2.owner_id, o2.owner_name) == (world.users["rep_b"], "Bob Rep")


def test_idle_days_limit_and_filters(database: Database, world: AnalyticsWorld) -> None:
    with database.transaction() as session:
        # 80 days back (2027-01-10 12:00): O4's call on 01-15 counts, and only O4 entered its
        # stage before then, so nothing is stale.
        longer = flagged(hygiene(session, world, idle_days=80))
        limited = hygiene(session, world, limit=1)
        rep_a = flagged(
            hygiene(session, world, filters=AnalyticsFilters(owner_id=world.users["rep_a"]))
        )
        emea = hygiene(session, world, filters=AnalyticsFilters(region="EMEA"))
        renewals = hygiene(session, world, filters=AnalyticsFilters(pipeline_id=world.renewals_id))
    assert longer["stale"] == []
    assert longer["no_recent_activity"] == ["O2", "O3", "O5"]
    assert limited.checks["no_recent_activity"].count == 4
    assert [deal.name for deal in limited.checks["no_recent_activity"].deals] == ["O4"]
    assert rep_a["rotting"] == ["O1"]
    assert rep_a["no_recent_activity"] == ["O3"]
    assert rep_a["past_close_date"] == []
    assert emea.open_count == 3  # O1, O3, O5 on Acme
    assert renewals.open_count == 0


def test_a_call_today_makes_a_deal_fresh(database: Database, world: AnalyticsWorld) -> None:
    with database.transaction() as session:
        # 25 days later O1's call (03-20) is more than 30 days old.
        later = flagged(hygiene(session, world, now=HYGIENE_NOW + timedelta(days=25)))
    assert "O1" in later["stale"]
    assert "O1" in later["no_recent_activity"]
