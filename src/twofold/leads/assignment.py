"""Lead assignment: ordered rules (territory: the lead's country → users in turn), a
round robin whose position is stored on the rule, and a fallback owner.

Fair under concurrency: the rule row is read ``FOR UPDATE`` (PostgreSQL), so two
transactions assigning at once take turns on it and never hand out the same position; on
SQLite every writing transaction holds the database's write lock from its start.
"""

from __future__ import annotations

from typing import Any, Final

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.auth.permissions import ensure_manager
from twofold.core.errors import NotFound, ValidationFailed
from twofold.core.inputs import InputModel
from twofold.core.places import parse_country
from twofold.store.changes import apply_changes, ensure_version
from twofold.store.config_entries import read_config, write_config
from twofold.store.models import LeadAssignmentRule, User

FALLBACK_KEY: Final = "leads.fallback_owner_id"
MAX_USERS: Final = 100


class RuleFields(InputModel):
    """Fields an assignment rule can be written with."""

    position: int | None = Field(default=None, ge=0, le=10_000, description="lower goes first")
    countries: list[str] | None = Field(
        default=None, max_length=300, description="ISO codes; empty: every lead"
    )
    user_ids: list[int] | None = Field(
        default=None, max_length=MAX_USERS, description="who gets the leads, in turn"
    )
    active: bool | None = None


class RuleCreate(RuleFields):
    """A new rule: a name and at least one user."""

    name: str = Field(min_length=1, max_length=200, examples=["Benelux"])
    user_ids: list[int] | None = Field(default=None, min_length=1, max_length=MAX_USERS)


class RuleUpdate(RuleFields):
    """A partial update of a rule."""

    name: str | None = Field(default=None, min_length=1, max_length=200)


def assignment_rules(session: Session) -> list[LeadAssignmentRule]:
    """Every rule, in the order they are tried."""
    query = select(LeadAssignmentRule).order_by(LeadAssignmentRule.position, LeadAssignmentRule.id)
    return list(session.scalars(query))


def get_rule(session: Session, rule_id: int) -> LeadAssignmentRule:
    """One rule, or ``NotFound``."""
    rule = session.get(LeadAssignmentRule, rule_id)
    if rule is None:
        raise NotFound(f"no assignment rule {rule_id}")
    return rule


def create_rule(session: Session, *, actor: User, data: RuleCreate) -> LeadAssignmentRule:
    """Add a rule (admins and managers)."""
    ensure_manager(actor)
    if not data.user_ids:
        raise ValidationFailed.on("user_ids", "name at least one user")
    values = _clean(session, data)
    rule = LeadAssignmentRule(
        **{"position": 0, "countries": [], "active": True, **values}, name=data.name
    )
    session.add(rule)
    session.flush()
    return rule


def update_rule(
    session: Session,
    *,
    actor: User,
    rule: LeadAssignmentRule,
    data: RuleUpdate,
    expected_version: int | None,
) -> LeadAssignmentRule:
    """Change a rule; a new user list starts its turn from the beginning."""
    ensure_manager(actor)
    ensure_version(rule, expected_version)
    values = _clean(session, data)
    if data.name is not None:
        values["name"] = data.name
    changes = apply_changes(rule, values)
    if "user_ids" in changes:
        rule.next_index = 0
    session.flush()
    return rule


def delete_rule(session: Session, *, actor: User, rule: LeadAssignmentRule) -> None:
    """Remove a rule."""
    ensure_manager(actor)
    session.delete(rule)
    session.flush()


def fallback_owner_id(session: Session) -> int | None:
    """Who gets the leads no rule takes (``None``: they stay unassigned)."""
    value = read_config(session, FALLBACK_KEY, None)
    return int(value) if isinstance(value, int) else None


def set_fallback_owner(session: Session, *, actor: User, user_id: int | None) -> int | None:
    """Set or clear the fallback owner (admins and managers)."""
    ensure_manager(actor)
    if user_id is not None:
        _check_users(session, [user_id], field="fallback_owner_id")
    write_config(session, FALLBACK_KEY, user_id)
    return user_id


def choose_owner(session: Session, country: str | None) -> int | None:
    """The owner the rules give a new lead from ``country``: the first active rule whose
    countries include it (or that has none) hands out its next active user; else the
    fallback owner."""
    for rule_id, countries in session.execute(
        select(LeadAssignmentRule.id, LeadAssignmentRule.countries)
        .where(LeadAssignmentRule.active.is_(True))
        .order_by(LeadAssignmentRule.position, LeadAssignmentRule.id)
    ):
        if countries and country not in countries:
            continue
        owner = _next_in_turn(session, rule_id)
        if owner is not None:
            return owner
    return fallback_owner_id(session)


def _next_in_turn(session: Session, rule_id: int) -> int | None:
    """The rule's next active user, moving its durable position on (under a row lock)."""
    rule = session.get(LeadAssignmentRule, rule_id, with_for_update=True, populate_existing=True)
    if rule is None or not rule.user_ids:
        return None
    active = set(
        session.scalars(select(User.id).where(User.id.in_(rule.user_ids), User.is_active.is_(True)))
    )
    count = len(rule.user_ids)
    for step in range(count):
        index = (rule.next_index + step) % count
        if rule.user_ids[index] in active:
            rule.next_index = (index + 1) % count
            session.flush()
            return int(rule.user_ids[index])
    return None


def _clean(session: Session, data: RuleFields) -> dict[str, Any]:
    values: dict[str, Any] = {key: getattr(data, key) for key in data.model_fields_set - {"name"}}
    for key in ("position", "active", "user_ids", "countries"):
        if key in values and values[key] is None:
            raise ValidationFailed.on(key, "must not be empty")
    if "countries" in values:
        values["countries"] = list(
            dict.fromkeys(
                parse_country(code, field=f"countries[{index}]")
                for index, code in enumerate(values["countries"])
            )
        )
    if "user_ids" in values:
        if not values["user_ids"]:
            raise ValidationFailed.on("user_ids", "name at least one user")
        values["user_ids"] = list(dict.fromkeys(values["user_ids"]))
        _check_users(session, values["user_ids"], field="user_ids")
    return values


def _check_users(session: Session, user_ids: list[int], *, field: str) -> None:
    known = set(session.scalars(select(User.id).where(User.id.in_(user_ids))))
    missing = [user_id for user_id in user_ids if user_id not in known]
    if missing:
        raise ValidationFailed.on(field, f"no user {', '.join(map(str, missing))}")
