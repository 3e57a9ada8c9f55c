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
from twofold.api.record_export import csv_download, every_row
from twofold.api.routes.accounts import account_filters
from twofold.api.routes.deals import deal_filters
from twofold.api.routes.persons import person_filters
from twofold.deals.queries import DealFilters, list_deals
from twofold.persons.queries import PersonFilters, list_persons
from twofold.store.listing import PageRequest
from twofold.store.models import Account, Deal, Person

router = APIRouter(tags=["exports"])
ACCOUNT_COLUMNS = (
    "twofold_id", "external_id", "name", "domains", "industry", "employees", "annual_revenue",
    "annual_revenue_currency", "country", "region", "tier", "lifecycle", "owner_id",
    "parent_id", "created_at", "updated_at",
)  # fmt: skip
PERSON_COLUMNS = (
    "twofold_id", "external_id", "first_name", "last_name", "email", "other_emails", "phone",
    "title", "lifecycle_stage", "owner_id", "created_at", "updated_at",
)  # fmt: skip
DEAL_COLUMNS = (
    "twofold_id", "external_id", "name", "account_id", "person_id", "pipeline_id", "stage_id",
    "amount", "currency", "expected_close_date", "probability", "forecast_category",
    "owner_id", "source", "next_step", "created_at", "closed_at",
)  # fmt: skip


def _joined(items: list[str]) -> str:
    return ";".join(items)


def _account_row(a: Account) -> tuple[Any, ...]:
    return (
        a.id, a.external_id, a.name, _joined(a.domains), a.industry, a.employees,
        a.annual_revenue, a.annual_revenue_currency, a.country, a.region, a.tier,
        a.lifecycle, a.owner_id, a.parent_id, a.created_at.isoformat(), a.updated_at.isoformat(),
    )  # fmt: skip


def _person_row(p: Person) -> tuple[Any, ...]:
    return (
        p.id, p.external_id, p.first_name, p.last_name, p.emails[0] if p.emails else None,
        _joined(p.emails[1:]), _joined(p.phones), p.title, p.lifecycle_stage, p.owner_id,
        p.created_at.isoformat(), p.updated_at.isoformat(),
    )  # fmt: skip


def _deal_row(d: Deal) -> tuple[Any, ...]:
    return (
        d.id, d.external_id, d.name, d.account_id, d.person_id, d.pipeline_id, d.stage_id,
        d.amount, d.currency, d.expected_close_date, d.probability, d.forecast_category,
        d.owner_id, d.source, d.next_step, d.created_at.isoformat(),
        d.closed_at.isoformat() if d.closed_at else None,
    )  # fmt: skip


@router.get("/accounts/export.csv", response_class=StreamingResponse)
def export_accounts(
    request: Request, filters: Annotated[AccountFilters, Depends(account_filters)]
) -> StreamingResponse:
    """Every account the list would answer with these filters, as CSV."""

    def page_of(session: Session, page: PageRequest) -> Any:
        return list_accounts(session, filters=filters, page=page)

    rows = every_row(get_database(request), page_of, _account_row)
    return csv_download("accounts.csv", ACCOUNT_COLUMNS, rows)


@router.get("/persons/export.csv", response_class=StreamingResponse)
def export_persons(
    request: Request, filters: Annotated[PersonFilters, Depends(person_filters)]
) -> StreamingResponse:
    """Every person the list would answer with these filters, as CSV."""

    def page_of(session: Session, page: PageRequest) -> Any:
        return list_persons(session, filters=filters, page=page)

    rows = every_row(get_database(request), page_of, _person_row)
    return csv_download("persons.csv", PERSON_COLUMNS, rows)


@router.get("/deals/export.csv", response_class=StreamingResponse)
def export_deals(
    request: Request, filters: Annotated[DealFilters, Depends(deal_filters)]
) -> StreamingResponse:
    """Every deal the list would answer with these filters, as CSV."""

    def page_of(session: Session, page: PageRequest) -> Any:
        return list_deals(session, filters=filters, page=page)

    rows = every_row(get_database(request), page_of, _deal_row)
    return csv_download("deals.csv", DEAL_COLUMNS, rows)
