"""The team tree: every user may have a manager; forecasts roll up along it.

Who sees whose numbers: admins see everyone; everybody else sees themselves and the people
below them in the tree, directly or not (docs/decisions/0004-forecasting.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import CTE, Select, func, literal, select
from sqlalchemy.orm import Session

from twofold.auth.permissions import ensure_admin
from twofold.core.enums import RecordType, Role
from twofold.core.errors import NotFound, PermissionDenied, ValidationFailed
from twofold.store.changes import ensure_version
from twofold.store.models import User
from twofold.timeline import kinds
from twofold.timeline.entries import append_to_timelines, field_changes

MAX_DEPTH = 50


def team_subtree(user_id: int) -> CTE:
    """A recursive CTE of ``(id, depth)``: the user and everyone below them."""
    base = select(User.id.label("id"), literal(0).label("depth")).where(User.id == user_id)
    tree = base.cte("team_subtree", recursive=True)
    reports = select(User.id, tree.c.depth + 1).join(tree, User.manager_id == tree.c.id)
    return tree.union_all(reports.where(tree.c.depth < MAX_DEPTH))


def manager_chain(session: Session, user_id: int) -> list[int]:
    """Ids from ``user_id`` up to the top of the tree, nearest first (the user included)."""
    base = select(
        User.id.label("id"), User.manager_id.label("manager_id"), literal(0).label("depth")
    )
    chain = base.where(User.id == user_id).cte("manager_chain", recursive=True)
    above = select(User.id, User.manager_id, chain.c.depth + 1).join(
        chain, User.id == chain.c.manager_id
    )
    chain = chain.union_all(above.where(chain.c.depth < MAX_DEPTH))
    return list(session.scalars(select(chain.c.id).order_by(chain.c.depth)))


def get_user(session: Session, user_id: int, *, field: str = "user_id") -> User:
    """The user a field names; an unknown id is a validation error on that field."""
    user = session.get(User, user_id)
    if user is None:
        raise ValidationFailed.on(field, f"no user {user_id}")
    return user


def set_manager(
    session: Session,
    *,
    actor: User,
    user: User,
    manager_id: int | None,
    expected_version: int | None = None,
) -> User:
    """Put ``user`` under ``manager_id`` (or at the top with ``None``); admins only, no cycles."""
    ensure_admin(actor)
    ensure_version(user, expected_version)
    if manager_id is not None:
        ensure_valid_manager(session, user_id=user.id, manager_id=manager_id)
    if manager_id == user.manager_id:
        return user
    before = {"manager_id": user.manager_id}
    user.manager_id = manager_id
    session.flush()
    manager = session.get(User, manager_id) if manager_id is not None else None
    append_to_timelines(
        session,
        actor=actor,
        records=[(RecordType.USER, user.id)],
        kind=kinds.UPDATED,
        summary=f"{user.name} now reports to {manager.name}"
        if manager
        else f"{user.name} no longer reports to anyone",
        changes=field_changes(before, {"manager_id": manager_id}),
    )
    return user


def ensure_valid_manager(session: Session, *, user_id: int, manager_id: int) -> None:
    """Refuse an unknown manager, oneself, a manager from one's own team, or a tree too deep."""
    get_user(session, manager_id, field="manager_id")
    if manager_id == user_id:
        raise ValidationFailed.on("manager_id", "a user cannot be their own manager")
    chain = manager_chain(session, manager_id)
    if user_id in chain:
        raise ValidationFailed.on(
            "manager_id", f"user {manager_id} reports to this user already (a cycle)"
        )
    height = session.scalar(select(func.max(team_subtree(user_id).c.depth))) or 0
    if len(chain) + int(height) + 1 > MAX_DEPTH:
        raise ValidationFailed.on("manager_id", f"team trees are limited to {MAX_DEPTH} levels")


def ensure_can_view_team(session: Session, *, actor: User, owner_id: int) -> None:
    """Admins see every team; others their own and those below them."""
    if actor.role == Role.ADMIN or owner_id == actor.id:
        return
    if actor.id not in manager_chain(session, owner_id):
        raise PermissionDenied("you can only see your own forecast and your team's")


def visible_user_ids(actor: User) -> Select[tuple[int]] | None:
    """The users whose quotas and submissions ``actor`` may read (``None``: everyone)."""
    if actor.role == Role.ADMIN:
        return None
    return select(team_subtree(actor.id).c.id)


@dataclass(frozen=True)
class TeamMember:
    """A user in a team tree."""

    id: int
    name: str
    manager_id: int | None
    is_active: bool


def team_members(session: Session, root_id: int | None) -> list[TeamMember]:
    """The users under ``root_id`` (the root included), or every user for ``None``, by name."""
    query = select(User.id, User.name, User.manager_id, User.is_active).order_by(User.name, User.id)
    if root_id is not None:
        if session.get(User, root_id) is None:
            raise NotFound(f"no user {root_id}")
        query = query.where(User.id.in_(select(team_subtree(root_id).c.id)))
    return [
        TeamMember(id=row.id, name=row.name, manager_id=row.manager_id, is_active=row.is_active)
        for row in session.execute(query)
    ]
