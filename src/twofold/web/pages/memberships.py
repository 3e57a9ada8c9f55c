"""Putting a person at an account (title, department, reporting line, buying roles)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from twofold.accounts.actions import get_account
from twofold.accounts.memberships import MembershipCreate, add_membership
from twofold.store.models import Membership
from twofold.web.dependencies import DbSession, SubmittedForm, WebFormUser
from twofold.web.forms import FormProblems, schema_input, submitted
from twofold.web.pages.accounts import account_page_response
from twofold.web.pages.shared import RecordId, see_other

MEMBERSHIP_FIELDS = ("person_id", "title", "department", "reports_to_id", "started_on")

router = APIRouter()


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
    roles = [role for role in form.getlist("buying_roles") if isinstance(role, str)]
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
