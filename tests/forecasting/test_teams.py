"""The team tree: managers set by admins, cycles and over-deep trees refused, nothing stored."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forecast_world import ForecastWorld, build_forecast_world
from support import PASSWORD
from twofold.auth.users import create_user
from twofold.core.errors import PermissionDenied, PreconditionFailed, ValidationFailed
from twofold.forecasting.teams import MAX_DEPTH, manager_chain, set_manager, team_members
from twofold.store.database import Database
from twofold.store.models import TimelineEntry, User


@pytest.fixture
def world(database: Database, admin: User) -> ForecastWorld:
    with database.transaction() as session:
        return build_forecast_world(session, session.merge(admin))


def refusal(database: Database, actor_id: int, user_id: int, manager_id: int | None) -> str:
    """Try to set a manager; return the message of the refusal (nothing is stored)."""
    with database.transaction() as session:
        actor, user = session.get(User, actor_id), session.get(User, user_id)
        assert actor is not None
        assert user is not None
        before = user.manager_id
        with pytest.raises((ValidationFailed, PermissionDenied)) as refused:
            set_manager(session, actor=actor, user=user, manager_id=manager_id)
        assert user.manager_id == before
        return str(refused.value)


def test_cycles_and_bad_managers_are_refused(database: Database, world: ForecastWorld) -> None:
    admin = world.admin_id
    assert "a cycle" in refusal(database, admin, world.head_id, world.rep_a_id)
    assert "a cycle" in refusal(database, admin, world.mgr_id, world.rep_b_id)
    assert "their own manager" in refusal(database, admin, world.rep_a_id, world.rep_a_id)
    assert "no user 999999" in refusal(database, admin, world.rep_a_id, 999_999)
    assert "only admins" in refusal(database, world.head_id, world.rep_c_id, world.mgr_id)
    with database.transaction() as session:
        assert manager_chain(session, world.rep_a_id) == [
            world.rep_a_id,
            world.mgr_id,
            world.head_id,
        ]


def test_moving_a_user_moves_their_team(database: Database, world: ForecastWorld) -> None:
    with database.transaction() as session:
        admin, mgr = session.get(User, world.admin_id), session.get(User, world.mgr_id)
        assert admin is not None
        assert mgr is not None
        set_manager(
            session, actor=admin, user=mgr, manager_id=world.outsider_id, expected_version=2
        )
        names = [member.name for member in team_members(session, world.outsider_id)]
        assert names == ["Ava Rep", "Ben Rep", "Milo Manager", "Otto Outsider"]
        latest = session.scalars(
            select(TimelineEntry.changes)
            .where(TimelineEntry.record_type == "user", TimelineEntry.record_id == mgr.id)
            .order_by(TimelineEntry.id.desc())
        ).first()
        assert latest == {"manager_id": {"before": world.head_id, "after": world.outsider_id}}
        with pytest.raises(PreconditionFailed):
            set_manager(session, actor=admin, user=mgr, manager_id=None, expected_version=2)
        set_manager(session, actor=admin, user=mgr, manager_id=None)
        assert mgr.manager_id is None


def test_trees_deeper_than_the_limit_are_refused(database: Database, admin: User) -> None:
    with database.transaction() as session:
        actor = session.merge(admin)
        chain = [
            create_user(
                session,
                email=f"u{index}@example.com",
                name=f"U{index}",
                password=PASSWORD,
                role="rep",
            )
            for index in range(MAX_DEPTH + 1)
        ]
        for lower, upper in zip(chain[1:MAX_DEPTH], chain[: MAX_DEPTH - 1], strict=True):
            set_manager(session, actor=actor, user=lower, manager_id=upper.id)
        with pytest.raises(ValidationFailed) as refused:
            set_manager(session, actor=actor, user=chain[MAX_DEPTH], manager_id=chain[-2].id)
        assert f"limited to {MAX_DEPTH} levels" in str(refused.value)
        assert chain[MAX_DEPTH].manager_id is None
