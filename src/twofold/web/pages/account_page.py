"""The account page (details, hierarchy, roll-ups, open deals, people and their org chart,
timeline) and its edit form.

The page is read often and must stay fast for large accounts, so every list on it is bounded
and the forms that need long choice lists (owners, parent accounts, people to add) are not
drawn with it: they are fetched when the user opens them (``/accounts/{id}/edit``,
``/accounts/{id}/people/new``; HTMX swaps them in, and without JavaScript they are links to
whole pages). A refused form is the exception: it is drawn open, with its problems.
"""

from __future__ import annotations

from collections import defaultdict

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from twofold.accounts.actions import get_account, update_account
from twofold.accounts.hierarchy import account_rollup, hierarchy_tree
from twofold.accounts.lookups import account_names
from twofold.accounts.memberships import account_members
from twofold.accounts.org_chart import org_chart
from twofold.accounts.schemas import AccountUpdate
from twofold.auth.directory import user_names
from twofold.core.enums import BuyingRole, RecordType
from twofold.deals.queries import DealFilters, list_deals
from twofold.persons.lookups import person_choices
from twofold.store.listing import PageRequest
from twofold.store.models import Account, Membership, Person
from twofold.web.charts import org_chart_series
from twofold.web.custom_fields import (
    custom_context,
    custom_fields,
    custom_form_values,
    custom_input,
)
from twofold.web.dependencies import DbSession, SubmittedForm, WebFormUser, WebUser, is_htmx
from twofold.web.forms import FormProblems, FormView, parse_id, schema_input, submitted
from twofold.web.pages.accounts import (
    ACCOUNT_FIELDS,
    LIST_FIELDS,
    account_form_choices,
    edit_values,
)
from twofold.web.pages.shared import (
    RecordId,
    expected_version,
    see_other,
    stage_index,
    timeline_view,
)
from twofold.web.templating import render

# At most this many people are drawn (list and org chart); the rest are one link away.
PEOPLE_SHOWN = 200
OPEN_DEALS_SHOWN = 20
BUYING_ROLES = [(role.value, role.value.replace("_", " ").capitalize()) for role in BuyingRole]
Members = list[tuple[Membership, Person]]

router = APIRouter()


@router.get("/accounts/{account_id}", include_in_schema=False)
def account_page(
    request: Request, session: DbSession, _user: WebUser, account_id: RecordId
) -> Response:
    """Everything about an account: hierarchy, people, org chart, open deals, timeline."""
    account = get_account(session, account_id)
    return account_page_response(request, session, account)


@router.get("/accounts/{account_id}/edit", include_in_schema=False)
def account_edit_form(
    request: Request, session: DbSession, _user: WebUser, account_id: RecordId
) -> Response:
    """The edit form: a fragment for the account page (HTMX), else a page of its own."""
    account = get_account(session, account_id)
    fields = custom_fields(session, "account")
    form = edit_values(account, custom_values=custom_form_values(fields, account.custom))
    context = {"account": account, **_edit_form_context(session, form)}
    template = "accounts/_edit_form.html" if is_htmx(request) else "accounts/edit.html"
    return render(request, template, context)


@router.post("/accounts/{account_id}", include_in_schema=False)
def update_account_from_form(
    request: Request,
    session: DbSession,
    user: WebFormUser,
    form: SubmittedForm,
    account_id: RecordId,
) -> Response:
    """Save the edit form; a refusal shows the page again with the form open and marked."""
    account = get_account(session, account_id)
    problems = FormProblems()
    with problems.capture(session):
        values = schema_input(form, ACCOUNT_FIELDS, lists=LIST_FIELDS, keep_empty=True)
        values.update(custom_input(form, custom_fields(session, "account")))
        update_account(
            session,
            actor=user,
            account=account,
            data=AccountUpdate.model_validate(values),
            expected_version=expected_version(form),
        )
    if problems:
        return account_page_response(
            request,
            session,
            account,
            edit_form=submitted(form, problems),
            status_code=problems.status,
        )
    return see_other(f"/accounts/{account.id}")


def account_page_response(
    request: Request,
    session: Session,
    account: Account,
    *,
    edit_form: FormView | None = None,
    member_form: FormView | None = None,
    status_code: int = 200,
) -> Response:
    """The account page; a refused edit or new-person form is drawn open with its problems."""
    members = account_members(session, account.id, limit=PEOPLE_SHOWN + 1)
    people_truncated = len(members) > PEOPLE_SHOWN
    members = members[:PEOPLE_SHOWN]
    roots = org_chart(members)
    open_deals = list_deals(
        session,
        filters=DealFilters(account_id=account.id, status="open"),
        page=PageRequest(limit=OPEN_DEALS_SHOWN, sort="-updated_at"),
    )
    context = {
        "account": account,
        "parent_name": account_names(session, [account.parent_id]).get(account.parent_id or 0),
        "users": user_names(session, [account.owner_id, *(d.owner_id for d in open_deals.items)]),
        "tree": hierarchy_tree(session, account.id),
        "rollup": account_rollup(session, account.id),
        "departments": by_department(members),
        "people_truncated": people_truncated,
        "colleagues": {person.id: person for _membership, person in members},
        "org_roots": roots,
        "org_chart_data": org_chart_series(account.name, roots),
        "open_deals": open_deals,
        "stages": stage_index(session),
        "timeline": timeline_view(session, RecordType.ACCOUNT, account.id),
        "edit_form": edit_form,
        "member_form": member_form,
        **custom_context(custom_fields(session, "account")),
    }
    if edit_form is not None:
        context.update(_edit_form_context(session, edit_form))
    if member_form is not None:
        context.update(person_form_context(session, member_form, members))
    return render(request, "accounts/detail.html", context, status_code=status_code)


def shown_members(session: Session, account_id: int) -> Members:
    """The people the page draws: current people first, at most ``PEOPLE_SHOWN``."""
    return account_members(session, account_id, limit=PEOPLE_SHOWN)


def by_department(members: Members) -> dict[str, Members]:
    """People grouped by department (current people first within each), in name order."""
    groups: dict[str, Members] = defaultdict(list)
    for membership, person in members:
        groups[membership.department or "No department"].append((membership, person))
    for people in groups.values():
        people.sort(key=lambda pair: pair[0].ended_on is not None)
    return dict(sorted(groups.items(), key=lambda item: (item[0] == "No department", item[0])))


def person_form_context(session: Session, form: FormView, members: Members) -> dict[str, object]:
    """What the "add a person" form draws: its values, the person picker's first options (the
    chosen person always among them), colleagues to report to, departments and buying roles."""
    choices = person_choices(session)
    chosen = parse_id(form.value("person_id"))
    if chosen is not None and all(person_id != chosen for person_id, _ in choices):
        choices = [*person_choices(session, person_ids=[chosen]), *choices]
    departments = sorted({m.department for m, _person in members if m.department})
    return {
        "member_form": form,
        "person_choices": [(str(person_id), label) for person_id, label in choices],
        "colleague_people": [person for _membership, person in members],
        "department_names": departments,
        "buying_roles": BUYING_ROLES,
    }


def _edit_form_context(session: Session, form: FormView) -> dict[str, object]:
    return {
        "edit_form": form,
        **account_form_choices(session, form),
        **custom_context(custom_fields(session, "account")),
    }
