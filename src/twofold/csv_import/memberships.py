"""Importing memberships (a person at an account): the person by external id or email, the
account by external id or domain; an existing membership of the pair is updated."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.accounts.memberships import (
    MembershipCreate,
    MembershipUpdate,
    add_membership,
    get_membership,
    update_membership,
)
from twofold.core.enums import BuyingRole
from twofold.csv_import import values
from twofold.csv_import.references import Directory
from twofold.csv_import.row_actions import Outcome
from twofold.csv_import.rows import Cells, CheckedRow
from twofold.csv_import.values import CellProblem
from twofold.store.models import Membership, User

FIELDS = ("title", "department", "buying_roles", "started_on", "ended_on")


def check_membership(row: CheckedRow, cells: Cells, _directory: Directory) -> None:
    """Parse one membership row into ``row.values``."""
    row.parse(cells, "person_external_id", lambda v: values.text(v, max_length=200))
    row.parse(cells, "person_email", lambda v: values.emails(v)[0])
    row.parse(cells, "account_external_id", lambda v: values.text(v, max_length=200))
    row.parse(cells, "account_domain", lambda v: values.domains(v)[0])
    row.parse(cells, "title", lambda v: values.text(v, max_length=200))
    row.parse(cells, "department", lambda v: values.text(v, max_length=100))
    row.parse(
        cells,
        "buying_roles",
        lambda v: [values.choice(item, BuyingRole) for item in values.split_list(v)],
    )
    row.parse(cells, "started_on", values.iso_date)
    row.parse(cells, "ended_on", values.iso_date)
    if not ({"person_external_id", "person_email"} & row.values.keys()) and not row.problems:
        row.problem("person_email", "a membership needs a person (email or external id)")
    if not ({"account_external_id", "account_domain"} & row.values.keys()) and not row.problems:
        row.problem("account_domain", "a membership needs an account (domain or external id)")


def membership_action(session: Session, actor: User, directory: Directory) -> Any:
    """The action that writes one checked membership row."""

    def write(row: CheckedRow) -> Outcome:
        person_id = person_of(row.values, directory)
        account_id = account_of(row.values, directory)
        fields = {key: row.values[key] for key in FIELDS if key in row.values}
        existing = session.scalar(
            select(Membership.id).where(
                Membership.person_id == person_id, Membership.account_id == account_id
            )
        )
        if existing is None:
            data = MembershipCreate(person_id=person_id, account_id=account_id, **fields)
            add_membership(session, actor=actor, data=data)
            return "created"
        membership = get_membership(session, existing)
        update_membership(
            session, actor=actor, membership=membership, data=MembershipUpdate(**fields)
        )
        return "updated"

    return write


def person_of(row_values: dict[str, Any], directory: Directory) -> int:
    """The stored person a row names (external id first, then email)."""
    if "person_external_id" in row_values:
        found = directory.person_by_external_id(row_values["person_external_id"])
        if found is None:
            raise CellProblem(f"no person with external id {row_values['person_external_id']!r}")
        return found
    found = directory.person_by_email(row_values["person_email"])
    if found is None:
        raise CellProblem(f"no person with the email {row_values['person_email']!r}")
    return found


def account_of(row_values: dict[str, Any], directory: Directory) -> int:
    """The stored account a row names (external id first, then domain)."""
    if "account_external_id" in row_values:
        found = directory.account_by_external_id(row_values["account_external_id"])
        if found is None:
            raise CellProblem(f"no account with external id {row_values['account_external_id']!r}")
        return found
    found = directory.account_by_domain(row_values["account_domain"])
    if found is None:
        raise CellProblem(f"no account with the domain {row_values['account_domain']!r}")
    return found
