"""Accounts: the searchable list, the pickers' options, and the create form (the account page
and its edit form are in ``account_page``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from twofold.accounts.actions import create_account
from twofold.accounts.lookups import account_choices, account_names
from twofold.accounts.queries import AccountFilters, list_accounts
from twofold.accounts.schemas import AccountCreate
from twofold.api.dependencies import AppSettings
from twofold.auth.directory import user_names
from twofold.core.enums import AccountLifecycle, AccountTier
from twofold.store.listing import PageRequest
from twofold.store.models import Account
from twofold.web.custom_fields import (
    custom_context,
    custom_fields,
    custom_input,
)
from twofold.web.dependencies import DbSession, SubmittedForm, WebFormUser, WebUser
from twofold.web.forms import FormProblems, FormView, parse_id, schema_input, submitted
from twofold.web.list_views import list_view, load_page, remember_columns
from twofold.web.pages.shared import (
    PAGE_SIZE,
    OptionalId,
    amount_text,
    as_text,
    owner_choices,
    see_other,
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
LIFECYCLES = [(item.value, item.value.replace("_", " ").capitalize()) for item in AccountLifecycle]

router = APIRouter()


@router.get("/accounts", include_in_schema=False)
def account_list(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    _user: WebUser,
    q: str = "",
    cursor: str | None = None,
) -> Response:
    """Accounts by name, filtered by a substring of the name or a domain and by custom fields
    (``custom.<key>=value``), with the chosen custom fields as columns; cursor-paginated."""
    view = list_view(request, session, "account", kept={"q": q})
    view, page, status = load_page(
        view,
        lambda: list_accounts(
            session,
            filters=AccountFilters(search=q.strip() or None, custom=view.filters),
            page=PageRequest(limit=PAGE_SIZE, cursor=cursor or None),
        ),
    )
    owners = user_names(session, (account.owner_id for account in page.items))
    context = {"page": page, "query": q, "owners": owners, "view": view}
    response = render(request, "accounts/list.html", context, status_code=status)
    return remember_columns(response, view, secure=settings.secure_cookies)


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


def _new_account_form(
    request: Request, session: Session, form: FormView, *, status_code: int = 200
) -> Response:
    return render(
        request,
        "accounts/new.html",
        {
            "form": form,
            **account_form_choices(session, form),
            **custom_context(custom_fields(session, "account")),
        },
        status_code=status_code,
    )


def account_form_choices(session: Session, form: FormView) -> dict[str, object]:
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


def edit_values(account: Account, *, custom_values: dict[str, str] | None = None) -> FormView:
    """The edit form filled in from the stored account (and its custom fields' values)."""
    values = {name: as_text(getattr(account, name)) for name in ACCOUNT_FIELDS}
    values["annual_revenue"] = amount_text(account.annual_revenue, account.annual_revenue_currency)
    values["domains"] = ", ".join(account.domains)
    values["version"] = str(account.version)
    values.update(custom_values or {})
    return FormView(values=values)
