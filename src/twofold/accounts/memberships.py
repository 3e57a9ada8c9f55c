"""Memberships: a person at an account, with title, department, reporting line and roles."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session, load_only

from twofold.accounts.actions import get_account
from twofold.auth.permissions import ensure_can_edit
from twofold.core.enums import BuyingRole, RecordType
from twofold.core.errors import Conflict, NotFound, ValidationFailed
from twofold.core.inputs import InputModel
from twofold.persons.actions import display_name, get_person
from twofold.store.changes import apply_changes, ensure_version
from twofold.store.models import Account, Membership, Person, User
from twofold.timeline import kinds
from twofold.timeline.entries import append_to_timelines


class MembershipFields(InputModel):
    """Fields a membership can be written with."""

    title: str | None = Field(default=None, max_length=200, examples=["CFO"])
    department: str | None = Field(default=None, max_length=100, examples=["Finance"])
    reports_to_id: int | None = Field(default=None, description="a person at the same account")
    buying_roles: list[BuyingRole] | None = None
    started_on: date | None = None
    ended_on: date | None = Field(default=None, description="set when the person left")


class MembershipCreate(MembershipFields):
    """Put a person at an account."""

    person_id: int
    account_id: int


class MembershipUpdate(MembershipFields):
    """A partial update of a membership."""


def get_membership(session: Session, membership_id: int) -> Membership:
    """The membership with this id, or ``NotFound``."""
    membership = session.get(Membership, membership_id)
    if membership is None:
        raise NotFound(f"no membership {membership_id}")
    return membership


def add_membership(session: Session, *, actor: User, data: MembershipCreate) -> Membership:
    """Put a person at an account (editing the account's people needs edit rights on it)."""
    account = get_account(session, data.account_id)
    person = get_person(session, data.person_id)
    ensure_can_edit(actor, account.owner_id, record="account")
    duplicate = select(Membership.id).where(
        Membership.person_id == person.id, Membership.account_id == account.id
    )
    if session.scalar(duplicate) is not None:
        raise Conflict(f"{display_name(person)} is already at {account.name}")
    values = _clean_fields(session, data, account_id=account.id, person_id=person.id)
    _ensure_dates_in_order(values.get("started_on"), values.get("ended_on"))
    membership = Membership(
        person_id=person.id, account_id=account.id, **{"buying_roles": [], **values}
    )
    session.add(membership)
    session.flush()
    append_to_timelines(
        session,
        actor=actor,
        records=[(RecordType.ACCOUNT, account.id), (RecordType.PERSON, person.id)],
        kind=kinds.MEMBERSHIP_ADDED,
        summary=f"{display_name(person)} joined {account.name}",
        changes={"title": membership.title, "department": membership.department},
    )
    return membership


def update_membership(
    session: Session,
    *,
    actor: User,
    membership: Membership,
    data: MembershipUpdate,
    expected_version: int | None = None,
) -> Membership:
    """Change title, department, reporting line, roles or dates (``ended_on`` marks a leaver)."""
    account = get_account(session, membership.account_id)
    ensure_can_edit(actor, account.owner_id, record="account")
    ensure_version(membership, expected_version)
    values = _clean_fields(session, data, account_id=account.id, person_id=membership.person_id)
    _ensure_dates_in_order(
        values.get("started_on", membership.started_on), values.get("ended_on", membership.ended_on)
    )
    changes = apply_changes(membership, values)
    if changes:
        person = session.get(Person, membership.person_id)
        name = display_name(person) if person else f"Person {membership.person_id}"
        session.flush()
        left = "ended_on" in changes and membership.ended_on is not None
        summary = f"{name} left {account.name}" if left else f"{name} at {account.name} changed"
        append_to_timelines(
            session,
            actor=actor,
            records=[(RecordType.ACCOUNT, account.id), (RecordType.PERSON, membership.person_id)],
            kind=kinds.MEMBERSHIP_CHANGED,
            summary=summary,
            changes=changes,
        )
    return membership


def remove_membership(session: Session, *, actor: User, membership: Membership) -> None:
    """Delete a membership entered by mistake (people who left keep theirs, with ``ended_on``).

    Colleagues who reported to the person at this account then report to nobody there: a
    reporting line must stay inside the account.
    """
    account = get_account(session, membership.account_id)
    ensure_can_edit(actor, account.owner_id, record="account")
    person = session.get(Person, membership.person_id)
    name = display_name(person) if person else f"Person {membership.person_id}"
    reports = session.scalars(
        select(Membership).where(
            Membership.account_id == account.id,
            Membership.reports_to_id == membership.person_id,
        )
    ).all()
    for report in reports:
        report.reports_to_id = None
    append_to_timelines(
        session,
        actor=actor,
        records=[(RecordType.ACCOUNT, account.id), (RecordType.PERSON, membership.person_id)],
        kind=kinds.MEMBERSHIP_REMOVED,
        summary=f"{name} removed from {account.name}",
        changes={"reports_cleared": len(reports)} if reports else None,
    )
    session.delete(membership)
    session.flush()


def _clean_fields(
    session: Session, data: MembershipFields, *, account_id: int, person_id: int
) -> dict[str, Any]:
    values: dict[str, Any] = {
        key: getattr(data, key)
        for key in data.model_fields_set & set(MembershipFields.model_fields)
    }
    if "buying_roles" in values:
        values["buying_roles"] = list(dict.fromkeys(r.value for r in values["buying_roles"] or []))
    manager_id = values.get("reports_to_id")
    if manager_id is not None:
        if manager_id == person_id:
            raise ValidationFailed.on("reports_to_id", "a person cannot report to themselves")
        colleague = select(Membership.id).where(
            Membership.person_id == manager_id, Membership.account_id == account_id
        )
        if session.scalar(colleague) is None:
            raise ValidationFailed.on(
                "reports_to_id", f"person {manager_id} is not at this account"
            )
        _ensure_no_reporting_loop(
            session, account_id=account_id, person_id=person_id, manager_id=manager_id
        )
    return values


def _ensure_dates_in_order(started: date | None, ended: date | None) -> None:
    if started and ended and ended < started:
        raise ValidationFailed.on("ended_on", "must not be before started_on")


def _ensure_no_reporting_loop(
    session: Session, *, account_id: int, person_id: int, manager_id: int
) -> None:
    """Walk up the new manager's reporting line; meeting the person again would be a loop."""
    seen: set[int] = set()
    current: int | None = manager_id
    while current is not None and current not in seen:
        if current == person_id:
            raise ValidationFailed.on(
                "reports_to_id", f"person {manager_id} already reports (indirectly) to this person"
            )
        seen.add(current)
        current = session.scalar(
            select(Membership.reports_to_id).where(
                Membership.person_id == current, Membership.account_id == account_id
            )
        )


def account_members(
    session: Session, account_id: int, *, limit: int | None = None
) -> list[tuple[Membership, Person]]:
    """Everyone at an account, current people before leavers, then by department and name;
    the first ``limit`` of them when given. The persons carry their names only (pages show
    names; loading every person's emails, phones and traits would cost more than the query)."""
    query = (
        select(Membership, Person)
        .join(Person, Person.id == Membership.person_id)
        .options(load_only(Person.first_name, Person.last_name, Person.primary_email))
        .where(Membership.account_id == account_id)
        .order_by(
            Membership.ended_on.is_not(None),
            Membership.department,
            Person.last_name,
            Person.first_name,
            Person.id,
        )
        .limit(limit)
    )
    return [(row[0], row[1]) for row in session.execute(query)]


def person_accounts(session: Session, person_id: int) -> list[tuple[Membership, Account]]:
    """Every account a person is (or was) at."""
    query = (
        select(Membership, Account)
        .join(Account, Account.id == Membership.account_id)
        .where(Membership.person_id == person_id)
        .order_by(Membership.ended_on.is_not(None), Account.name)
    )
    return [(row[0], row[1]) for row in session.execute(query)]
