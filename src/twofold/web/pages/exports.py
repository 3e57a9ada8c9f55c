""" "Export CSV" on the accounts, people and deals lists: the list's search and custom-field
filters, streamed (the shapes are the API's, see ``api/record_export.py``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from twofold.accounts.queries import AccountFilters, list_accounts
from twofold.api.dependencies import get_database
from twofold.api.record_export import (
    ACCOUNT_COLUMNS,
    DEAL_COLUMNS,
    PERSON_COLUMNS,
    account_row,
    csv_download,
    deal_row,
    every_row,
    person_row,
)
from twofold.api.routes.support import custom_filters
from twofold.core.enums import StageKind
from twofold.deals.queries import DealFilters, list_deals
from twofold.persons.queries import PersonFilters, list_persons
from twofold.store.listing import PageRequest
from twofold.web.dependencies import WebUser
from twofold.web.pages.shared import OptionalId

router = APIRouter()
Custom = Annotated[dict[str, str], Depends(custom_filters)]


@router.get("/accounts/export.csv", include_in_schema=False)
def export_accounts(
    request: Request, _user: WebUser, custom: Custom, q: str = ""
) -> StreamingResponse:
    """The accounts list as CSV."""
    filters = AccountFilters(search=q.strip() or None, custom=custom)

    def page_of(session: Session, page: PageRequest) -> Any:
        return list_accounts(session, filters=filters, page=page)

    rows = every_row(get_database(request), page_of, account_row)
    return csv_download("accounts.csv", ACCOUNT_COLUMNS, rows)


@router.get("/people/export.csv", include_in_schema=False)
def export_people(
    request: Request, _user: WebUser, custom: Custom, q: str = "", account_id: OptionalId = None
) -> StreamingResponse:
    """The people list as CSV."""
    filters = PersonFilters(search=q.strip() or None, account_id=account_id, custom=custom)

    def page_of(session: Session, page: PageRequest) -> Any:
        return list_persons(session, filters=filters, page=page)

    rows = every_row(get_database(request), page_of, person_row)
    return csv_download("persons.csv", PERSON_COLUMNS, rows)


@router.get("/deals/export.csv", include_in_schema=False)
def export_deals(
    request: Request,
    _user: WebUser,
    custom: Custom,
    q: str = "",
    account_id: OptionalId = None,
    status: StageKind | None = None,
) -> StreamingResponse:
    """The deals list as CSV."""
    filters = DealFilters(
        search=q.strip() or None,
        account_id=account_id,
        status=status.value if status else None,
        custom=custom,
    )

    def page_of(session: Session, page: PageRequest) -> Any:
        return list_deals(session, filters=filters, page=page)

    rows = every_row(get_database(request), page_of, deal_row)
    return csv_download("deals.csv", DEAL_COLUMNS, rows)
