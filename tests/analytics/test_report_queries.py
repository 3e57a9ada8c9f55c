"""The reports are aggregates: the number of SQL statements they run does not grow with the
number of deals (nothing is loaded deal by deal)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from analytics_world import BASE, HYGIENE_NOW, AnalyticsWorld, build_analytics_world
from twofold.analytics.reports import (
    ReportRequest,
    coverage_report,
    funnel_report,
    hygiene_report,
    outcomes_report,
    revenue_report,
)
from twofold.analytics.scope import AnalyticsFilters
from twofold.deals.actions import create_deal, move_deal_to_stage
from twofold.deals.schemas import DealCreate
from twofold.forecasting.periods import parse_period
from twofold.store.database import Database
from twofold.store.models import Deal, User


@pytest.fixture
def world(database: Database, admin: User) -> AnalyticsWorld:
    with database.transaction() as session:
        return build_analytics_world(session, session.merge(admin))


@contextmanager
def counted(database: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(database.engine, "before_cursor_execute", count)


def run_every_report(session: Session, actor: User) -> None:
    request = ReportRequest(
        actor=actor, filters=AnalyticsFilters(), period=parse_period("2027-Q1"), base_currency=BASE
    )
    reports: list[Callable[[Session, ReportRequest], object]] = [
        coverage_report,
        funnel_report,
        outcomes_report,
        revenue_report,
    ]
    for report in reports:
        report(session, request)
    hygiene_report(
        session, actor=actor, filters=AnalyticsFilters(), base_currency=BASE, now=HYGIENE_NOW
    )


def test_statements_do_not_grow_with_deals(database: Database, world: AnalyticsWorld) -> None:
    def statements() -> int:
        with database.transaction() as session, counted(database) as seen:
            actor = session.get(User, world.admin_id)
            assert actor is not None
            run_every_report(session, actor)
        return len(seen)

    before = statements()
    with database.transaction() as session:
        admin = session.get(User, world.admin_id)
        acme = session.get(Deal, world.deals["O1"])
        assert admin is not None
        assert acme is not None
        for number in range(12):
            values = {
                "name": f"More {number}",
                "account_id": acme.account_id,
                "stage_id": world.stages["Qualification"],
                "amount": "100",
                "currency": "USD" if number % 2 else "EUR",
                "expected_close_date": "2027-02-15",
                "owner_id": world.users["rep_a"],
            }
            deal = create_deal(session, actor=admin, data=DealCreate.model_validate(values))
            if number % 3:
                stage = world.stages["Closed won" if number % 3 == 1 else "Closed lost"]
                move_deal_to_stage(session, actor=admin, deal=deal, stage_id=stage, lost_reason="x")
    assert statements() == before
