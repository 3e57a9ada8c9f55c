"""Accounts: the searchable list, the account page, and the create and edit forms."""

from __future__ import annotations

from collections import defaultdict

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from twofold.accounts.actions import create_account, get_account, update_account
from twofold.accounts.hierarchy import account_rollup, hierarchy_tree
from twofold.accounts.lookups import account_choices, account_names
from twofold.accounts.memberships import account_members
from twofold.accounts.org_chart import org_chart
from twofold.accounts.queries import AccountFilters, list_accounts
from twofold.accounts.schemas import AccountCreate, AccountUpdate
from twofold.auth.directory import user_names
from twofold.core.enums import AccountLifecycle, AccountTier, BuyingRole, RecordType
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
from twofold.web.dependencies import DbSession, SubmittedForm, WebFormUser, WebUser
from twofold.web.forms import FormProblems, FormView, parse_id, schema_input, submitted
from twofold.web.pages.shared import (
    PAGE_SIZE,
    OptionalId,
    RecordId,
    amount_text,
    as_text,
    expected_version,
    owner_choices,
    see_other,
    stage_index,
    timeline_view,
)
from twofold.web.templating import render

ACCOUNT_FIELDS = (
    "name",
    "domains",
    "industry",
    "employees",
    "annual_revenue",
    "annual_revenue_currency",
    "country",
    "region",
    "tier",
    "lifecycle",
    "owner_id",
    "parent_id",
)
LIST_FIELDS = ("domains",)
TIERS = [(tier.value, tier.value.replace("_", " ").capitalize()) for tier in AccountTier]
BUYING_ROLES = [(role.value, role.value.replace("_", " ").capitalize()) for role in BuyingRole]
LIFECYCLES = [(item.value, item.value.replace("_", " ").capitalize()) for item in AccountLifecycle]

router = APIRouter()


@router.get("/accounts", include_in_schema=False)
def account_list(
    request: Request,
    session: DbSession,
    _user: WebUser,
    q: str = "",
    cursor: str | None = None,
) -> Response:
    """Accounts by name, filtered by a substring of the name or a domain; cursor-paginated."""
    page = list_accounts(
        session,
        filters=AccountFilters(search=q.strip() or None),
        page=PageRequest(limit=PAGE_SIZE, cursor=cursor or None),
    )
    owners = user_names(session, (account.owner_id for account in page.items))
    return render(request, "accounts/list.html", {"page": page, "query": q, "owners": owners})


@router.get("/accounts/choices", include_in_schema=False)
def account_options(
    request: Request,
    session: DbSession,
    _user: WebUser,
    picker_query: str = "",
    selected: str = "",
) -> Response:
    """``<option>``s of the accounts matching what was typed into an account picker."""
    choices = account_choices(session, search=picker_query)
    return render(request, "options.html", {"choices": choices, "selected": parse_id(selected)})


@router.get("/accounts/new", include_in_schema=False)
def newaccount_page_response(
    request: Request, session: DbSession, user: WebUser, parent_id: OptionalId = None
) -> Response:
    """The form for a new account (owned by the current user unless changed)."""
    form = FormView(values={"owner_id": str(user.id), "parent_id": as_text(parent_id)})
    return _new_account_form(request, session, form)


@router.post("/accounts", include_in_schema=False)
def create_account_from_form(
    request: Request, session: DbSession, user: WebFormUser, form: SubmittedForm
) -> Response:
    """Create the account, or show the form again with what was wrong."""
    problems = FormProblems()
    created: Account | None = None
    with problems.capture(session):
        values = schema_input(form, ACCOUNT_FIELDS, lists=LIST_FIELDS)
        values.update(custom_input(form, custom_fields(session, "account")))
        data = AccountCreate.model_validate(values)
        created = create_account(session, actor=user, data=data)
    if created is None:
        return _new_account_form(
            request, session, submitted(form, problems), status_code=problems.status
        )
    return see_other(f"/accounts/{created.id}")


@router.get("/accounts/{account_id}", include_in_schema=False)
def account_page(
    request: Request, session: DbSession, _user: WebUser, account_id: RecordId
) -> Response:
    """Everything about an account: hierarchy, people, org chart, open deals, timeline."""
    account = get_account(session, account_id)
    return account_page_response(request, session, account)


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


def _new_account_form(
    request: Request, session: Session, form: FormView, *, status_code: int = 200
) -> Response:
    return render(
        request,
        "accounts/new.html",
        {
            "form": form,
            **_form_choices(session, form),
            **custom_context(custom_fields(session, "account")),
        },
        status_code=status_code,
    )


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
    fields = custom_fields(session, "account")
    edit_form = edit_form or edit_values(
        account, custom_values=custom_form_values(fields, account.custom)
    )
    members = account_members(session, account.id)
    roots = org_chart(members)
    open_deals = list_deals(
        session,
        filters=DealFilters(account_id=account.id, status="open"),
        page=PageRequest(limit=PAGE_SIZE, sort="-updated_at"),
    )
    context = {
        "account": account,
        "parent_name": account_names(session, [account.parent_id]).get(account.parent_id or 0),
        "users": user_names(session, [account.owner_id, *(d.owner_id for d in open_deals.items)]),
        "tree": hierarchy_tree(session, account.id),
        "rollup": account_rollup(session, account.id),
        "departments": _by_department(members),
        "colleagues": {person.id: person for _membership, person in members},
        "org_roots": roots,
        "org_chart_data": org_chart_series(account.name, roots),
        "open_deals": open_deals,
        "stages": stage_index(session),
        "timeline": timeline_view(session, RecordType.ACCOUNT, account.id),
        "edit_form": edit_form,
        "member_form": member_form or FormView(),
        "buying_roles": BUYING_ROLES,
        "person_choices": _person_choices(session, member_form),
        **_form_choices(session, edit_form),
        **custom_context(fields),
    }
    return render(request, "accounts/detail.html", context, status_code=status_code)


def _by_department(
    members: list[tuple[Membership, Person]],
) -> dict[str, list[tuple[Membership, Person]]]:
    """People grouped by department (current people first within each), in name order."""
    groups: dict[str, list[tuple[Membership, Person]]] = defaultdict(list)
    for membership, person in members:
        groups[membership.department or "No department"].append((membership, person))
    for people in groups.values():
        people.sort(key=lambda pair: pair[0].ended_on is not None)
    return dict(sorted(groups.items(), key=lambda item: (item[0] == "No department", item[0])))


def _form_choices(session: Session, form: FormView) -> dict[str, object]:
    """Owners, tiers, lifecycles and parent accounts (the current parent always included)."""
    parents = account_choices(session)
    chosen = parse_id(form.value("parent_id"))
    if chosen is not None and all(account_id != chosen for account_id, _ in parents):
        parents = [*account_names(session, [chosen]).items(), *parents]
    return {
        "owner_choices": owner_choices(session),
        "tiers": TIERS,
        "lifecycles": LIFECYCLES,
        "parent_choices": [(str(account_id), name) for account_id, name in parents],
    }


def _person_choices(session: Session, form: FormView | None) -> list[tuple[str, str]]:
    """The person picker's first options (the chosen person always among them)."""
    choices = person_choices(session)
    chosen = parse_id(form.value("person_id")) if form else None
    if chosen is not None and all(person_id != chosen for person_id, _ in choices):
        choices = [*person_choices(session, person_ids=[chosen]), *choices]
    return [(str(person_id), label) for person_id, label in choices]


def edit_values(account: Account, *, custom_values: dict[str, str] | None = None) -> FormView:
    """The edit form filled in from the stored account (and its custom fields' values)."""
    values = {name: as_text(getattr(account, name)) for name in ACCOUNT_FIELDS}
    values["annual_revenue"] = amount_text(account.annual_revenue, account.annual_revenue_currency)
    values["domains"] = ", ".join(account.domains)
    values["version"] = str(account.version)
    values.update(custom_values or {})
    return FormView(values=values)
