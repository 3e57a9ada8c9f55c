"""/api/v1/{accounts,persons,deals}/export.csv: a list, with the list's filters, as CSV.

The header names are the CSV import's field names, so an export can be edited and imported
again (``twofold_id`` is informational; ``external_id`` is the upsert key).
"""

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
from twofold.api.routes.accounts import account_filters
from twofold.api.routes.deals import deal_filters
from twofold.api.routes.persons import person_filters
from twofold.deals.queries import DealFilters, list_deals
from twofold.persons.queries import PersonFilters, list_persons
from twofold.store.listing import PageRequest

router = APIRouter(tags=["exports"])


@router.get("/accounts/export.csv", response_class=StreamingResponse)
def export_accounts(
    request: Request, filters: Annotated[AccountFilters, Depends(account_filters)]
) -> StreamingResponse:
    """Every account the list would answer with these filters, as CSV."""

    def page_of(session: Session, page: PageRequest) -> Any:
        return list_accounts(session, filters=filters, page=page)

    rows = every_row(get_database(request), page_of, account_row)
    return csv_download("accounts.csv", ACCOUNT_COLUMNS, rows)


@router.get("/persons/export.csv", response_class=StreamingResponse)
def export_persons(
    request: Request, filters: Annotated[PersonFilters, Depends(person_filters)]
) -> StreamingResponse:
    """Every person the list would answer with these filters, as CSV."""

    def page_of(session: Session, page: PageRequest) -> Any:
        return list_persons(session, filters=filters, page=page)

    rows = every_row(get_database(request), page_of, person_row)
    return csv_download("persons.csv", PERSON_COLUMNS, rows)


@router.get("/deals/export.csv", response_class=StreamingResponse)
def export_deals(
    request: Request, filters: Annotated[DealFilters, Depends(deal_filters)]
) -> StreamingResponse:
    """Every deal the list would answer with these filters, as CSV."""

    def page_of(session: Session, page: PageRequest) -> Any:
        return list_deals(session, filters=filters, page=page)

    rows = every_row(get_database(request), page_of, deal_row)
    return csv_download("deals.csv", DEAL_COLUMNS, rows)
