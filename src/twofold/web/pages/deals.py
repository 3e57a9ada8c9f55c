"""Deals: the searchable list and the form that creates a deal."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from twofold.accounts.actions import get_account
from twofold.accounts.lookups import account_choices, account_names
from twofold.api.dependencies import AppSettings
from twofold.auth.directory import user_names
from twofold.core.enums import StageKind
from twofold.core.errors import NotFound
from twofold.deals.actions import DEFAULT_CURRENCY, create_deal
from twofold.deals.queries import DealFilters, list_deals
from twofold.deals.schemas import DealCreate
from twofold.pipelines.actions import get_stage
from twofold.store.listing import PageRequest
from twofold.store.models import Deal
from twofold.web.custom_fields import custom_context, custom_fields, custom_input
from twofold.web.dependencies import DbSession, SubmittedForm, WebFormUser, WebUser, form_text
from twofold.web.forms import FormProblems, FormView, parse_id, schema_input, submitted
from twofold.web.list_views import list_view, load_page, remember_columns
from twofold.web.pages.shared import (
    PAGE_SIZE,
    OptionalId,
    as_text,
    owner_choices,
    pipelines_with_stages,
    see_other,
    stage_index,
)
from twofold.web.templating import render

CREATE_FIELDS = (
    "name",
    "account_id",
    "stage_id",
    "amount",
    "currency",
    "expected_close_date",
    "owner_id",
    "next_step",
    "source",
)

router = APIRouter()


@router.get("/deals", include_in_schema=False)
def deal_list(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    _user: WebUser,
    q: str = "",
    cursor: str | None = None,
    account_id: OptionalId = None,
    status: StageKind | None = None,
) -> Response:
    """Deals, most recently changed first, filtered by a substring of the name, by account, by
    status (open, won, lost) and by custom fields, with the chosen custom fields as columns."""
    account = get_account(session, account_id) if account_id is not None else None
    kept = {"q": q, "account_id": as_text(account_id), "status": status.value if status else ""}
    view = list_view(request, session, "deal", kept=kept)
    view, page, answer = load_page(
        view,
        lambda: list_deals(
            session,
            filters=DealFilters(
                search=q.strip() or None,
                account_id=account_id,
                status=status.value if status else None,
                custom=view.filters,
            ),
            page=PageRequest(limit=PAGE_SIZE, cursor=cursor or None),
        ),
    )
    context = {
        "page": page,
        "query": q,
        "view": view,
        "account": account,
        "status": status.value if status else "",
        "stages": stage_index(session),
        "users": user_names(session, (deal.owner_id for deal in page.items)),
        "accounts": account_names(session, (deal.account_id for deal in page.items)),
    }
    response = render(request, "deals/list.html", context, status_code=answer)
    return remember_columns(response, view, secure=settings.secure_cookies)


@router.get("/deals/new", include_in_schema=False)
def new_deal_page(
    request: Request, session: DbSession, user: WebUser, account_id: OptionalId = None
) -> Response:
    """The form for a new deal (on the account given, when coming from an account page)."""
    form = FormView(
        values={
            "owner_id": str(user.id),
            "account_id": as_text(account_id),
            "currency": DEFAULT_CURRENCY,
        }
    )
    return _new_deal_form(request, session, form)


@router.post("/deals", include_in_schema=False)
def create_deal_from_form(
    request: Request, session: DbSession, user: WebFormUser, form: SubmittedForm
) -> Response:
    """Create the deal in the chosen stage, or show the form again with what was wrong."""
    problems = FormProblems()
    created: Deal | None = None
    with problems.capture(session):
        values = schema_input(form, CREATE_FIELDS)
        values.update(_pipeline_of_stage(session, form_text(form, "stage_id")))
        values.update(custom_input(form, custom_fields(session, "deal")))
        created = create_deal(session, actor=user, data=DealCreate.model_validate(values))
    if created is None:
        return _new_deal_form(
            request, session, submitted(form, problems), status_code=problems.status
        )
    return see_other(f"/deals/{created.id}")


def _pipeline_of_stage(session: Session, stage_text: str) -> dict[str, Any]:
    """The form picks a stage; the deal also needs that stage's pipeline."""
    if not stage_text.strip().isdigit():
        return {}
    try:
        return {"pipeline_id": get_stage(session, int(stage_text)).pipeline_id}
    except NotFound:
        return {}  # create_deal reports the unknown stage on the stage_id field


def _new_deal_form(
    request: Request, session: Session, form: FormView, *, status_code: int = 200
) -> Response:
    accounts = account_choices(session)
    chosen = parse_id(form.value("account_id"))
    if chosen is not None and all(account_id != chosen for account_id, _ in accounts):
        accounts = [*account_names(session, [chosen]).items(), *accounts]
    context = {
        "form": form,
        "account_choices": [(str(account_id), name) for account_id, name in accounts],
        "owner_choices": owner_choices(session),
        "pipelines": pipelines_with_stages(session),
        **custom_context(custom_fields(session, "deal")),
    }
    return render(request, "deals/new.html", context, status_code=status_code)
