"""People at an account: putting a person there, changing their membership (title, department,
reporting line, buying roles, dates; ``ended_on`` marks a leaver), and removing a membership
entered by mistake (after a confirmation page)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from twofold.accounts.actions import get_account
from twofold.accounts.memberships import (
    MembershipCreate,
    MembershipUpdate,
    account_members,
    add_membership,
    get_membership,
    remove_membership,
    update_membership,
)
from twofold.core.errors import NotFound
from twofold.persons.actions import display_name, get_person
from twofold.store.models import Account, Membership
from twofold.web.dependencies import DbSession, SubmittedForm, WebFormUser, WebUser, is_htmx
from twofold.web.forms import FormProblems, FormView, schema_input, submitted
from twofold.web.pages.account_page import (
    BUYING_ROLES,
    account_page_response,
    person_form_context,
    shown_members,
)
from twofold.web.pages.shared import RecordId, as_text, expected_version, see_other
from twofold.web.templating import render

MEMBERSHIP_FIELDS = ("person_id", "title", "department", "reports_to_id", "started_on")
EDIT_FIELDS = ("title", "department", "reports_to_id", "started_on", "ended_on")

router = APIRouter()


@router.get("/accounts/{account_id}/people/new", include_in_schema=False)
def new_membership_form(
    request: Request, session: DbSession, _user: WebUser, account_id: RecordId
) -> Response:
    """The "add a person" form: a fragment for the account page (HTMX), else a whole page."""
    account = get_account(session, account_id)
    members = shown_members(session, account.id)
    context = {"account": account, **person_form_context(session, FormView(), members)}
    template = "accounts/_person_form.html" if is_htmx(request) else "accounts/add_person.html"
    return render(request, template, context)


@router.post("/accounts/{account_id}/people", include_in_schema=False)
def add_person_to_account(
    request: Request,
    session: DbSession,
    user: WebFormUser,
    form: SubmittedForm,
    account_id: RecordId,
) -> Response:
    """Add the membership, or show the account page again with the form open and marked."""
    account = get_account(session, account_id)
    roles = _roles(form)
    problems = FormProblems()
    added: Membership | None = None
    with problems.capture(session):
        values = {
            **schema_input(form, MEMBERSHIP_FIELDS),
            "account_id": account.id,
            "buying_roles": roles,
        }
        added = add_membership(session, actor=user, data=MembershipCreate.model_validate(values))
    if added is None:
        member_form = submitted(form, problems)
        member_form.values["buying_roles"] = ",".join(roles)
        return account_page_response(
            request, session, account, member_form=member_form, status_code=problems.status
        )
    return see_other(f"/accounts/{account.id}#people-heading")


@router.get("/accounts/{account_id}/people/{membership_id}", include_in_schema=False)
def membership_page(
    request: Request,
    session: DbSession,
    _user: WebUser,
    account_id: RecordId,
    membership_id: RecordId,
) -> Response:
    """The form that changes one person's membership of the account."""
    account = get_account(session, account_id)
    membership = _membership_at(session, account, membership_id)
    return _membership_form(request, session, account, membership, _edit_values(membership))


@router.post("/accounts/{account_id}/people/{membership_id}", include_in_schema=False)
def update_membership_from_form(
    request: Request,
    session: DbSession,
    user: WebFormUser,
    form: SubmittedForm,
    account_id: RecordId,
    membership_id: RecordId,
) -> Response:
    """Save the membership form, or show it again with what was wrong."""
    account = get_account(session, account_id)
    membership = _membership_at(session, account, membership_id)
    roles = _roles(form)
    problems = FormProblems()
    with problems.capture(session):
        values = {**schema_input(form, EDIT_FIELDS, keep_empty=True), "buying_roles": roles}
        update_membership(
            session,
            actor=user,
            membership=membership,
            data=MembershipUpdate.model_validate(values),
            expected_version=expected_version(form),
        )
    if problems:
        edit_form = submitted(form, problems)
        edit_form.values["buying_roles"] = ",".join(roles)
        return _membership_form(
            request, session, account, membership, edit_form, status_code=problems.status
        )
    return see_other(f"/accounts/{account.id}#people-heading")


@router.get("/accounts/{account_id}/people/{membership_id}/remove", include_in_schema=False)
def remove_membership_page(
    request: Request,
    session: DbSession,
    _user: WebUser,
    account_id: RecordId,
    membership_id: RecordId,
) -> Response:
    """Ask before removing a membership (and suggest "Left on" for people who left)."""
    account = get_account(session, account_id)
    membership = _membership_at(session, account, membership_id)
    person = get_person(session, membership.person_id)
    context = {"account": account, "membership": membership, "person": person}
    return render(request, "accounts/remove_membership.html", context)


@router.post("/accounts/{account_id}/people/{membership_id}/remove", include_in_schema=False)
def remove_membership_from_form(
    session: DbSession,
    user: WebFormUser,
    account_id: RecordId,
    membership_id: RecordId,
) -> Response:
    """Remove the membership, then back to the account's people."""
    account = get_account(session, account_id)
    membership = _membership_at(session, account, membership_id)
    remove_membership(session, actor=user, membership=membership)
    return see_other(f"/accounts/{account.id}#people-heading")


def _roles(form: FormData) -> list[str]:
    return [role for role in form.getlist("buying_roles") if isinstance(role, str)]


def _membership_at(session: Session, account: Account, membership_id: int) -> Membership:
    """The membership, when it is one of this account's (else ``NotFound``)."""
    membership = get_membership(session, membership_id)
    if membership.account_id != account.id:
        raise NotFound(f"no membership {membership_id} at {account.name}")
    return membership


def _membership_form(
    request: Request,
    session: Session,
    account: Account,
    membership: Membership,
    form: FormView,
    *,
    status_code: int = 200,
) -> Response:
    members = account_members(session, account.id)
    person = next(person for item, person in members if item.id == membership.id)
    colleagues = [
        (str(other.id), display_name(other))
        for item, other in members
        if other.id != membership.person_id
        and (item.ended_on is None or other.id == membership.reports_to_id)
    ]
    context = {
        "account": account,
        "membership": membership,
        "person": person,
        "form": form,
        "colleagues": colleagues,
        "buying_roles": BUYING_ROLES,
    }
    return render(request, "accounts/membership.html", context, status_code=status_code)


def _edit_values(membership: Membership) -> FormView:
    values = {name: as_text(getattr(membership, name)) for name in EDIT_FIELDS}
    values["buying_roles"] = ",".join(membership.buying_roles)
    values["version"] = str(membership.version)
    return FormView(values=values)
