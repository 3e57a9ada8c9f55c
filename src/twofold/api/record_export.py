"""Streaming a whole filtered list as CSV: the list query, page after page, in a read
transaction of its own (the request's transaction has ended when the body is sent)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from twofold.api.csv_export import csv_chunks
from twofold.store.database import Database
from twofold.store.listing import MAX_LIMIT, Page, PageRequest
from twofold.store.models import Account, Deal, Person

Item = TypeVar("Item")
# Header names are the CSV import's field names, so an export can be imported again.
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


def account_row(a: Account) -> tuple[Any, ...]:
    """An account as a CSV row (``ACCOUNT_COLUMNS``)."""
    return (
        a.id, a.external_id, a.name, _joined(a.domains), a.industry, a.employees,
        a.annual_revenue, a.annual_revenue_currency, a.country, a.region, a.tier,
        a.lifecycle, a.owner_id, a.parent_id, a.created_at.isoformat(), a.updated_at.isoformat(),
    )  # fmt: skip


def person_row(p: Person) -> tuple[Any, ...]:
    """A person as a CSV row (``PERSON_COLUMNS``)."""
    return (
        p.id, p.external_id, p.first_name, p.last_name, p.emails[0] if p.emails else None,
        _joined(p.emails[1:]), _joined(p.phones), p.title, p.lifecycle_stage, p.owner_id,
        p.created_at.isoformat(), p.updated_at.isoformat(),
    )  # fmt: skip


def deal_row(d: Deal) -> tuple[Any, ...]:
    """A deal as a CSV row (``DEAL_COLUMNS``)."""
    return (
        d.id, d.external_id, d.name, d.account_id, d.person_id, d.pipeline_id, d.stage_id,
        d.amount, d.currency, d.expected_close_date, d.probability, d.forecast_category,
        d.owner_id, d.source, d.next_step, d.created_at.isoformat(),
        d.closed_at.isoformat() if d.closed_at else None,
    )  # fmt: skip


PageOf = Callable[[Session, PageRequest], Page[Item]]


def every_row(
    database: Database, page_of: PageOf[Item], row_of: Callable[[Item], tuple[Any, ...]]
) -> Iterator[tuple[Any, ...]]:
    """The rows of every page of the list, in list order."""
    cursor: str | None = None
    while True:
        with database.transaction(write=False) as session:
            page = page_of(session, PageRequest(limit=MAX_LIMIT, cursor=cursor))
            rows = [row_of(item) for item in page.items]
        yield from rows
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def csv_download(
    filename: str, header: tuple[str, ...], rows: Iterator[tuple[Any, ...]]
) -> StreamingResponse:
    """An attachment streaming ``rows`` as CSV (formula-like cells quoted)."""
    return StreamingResponse(
        csv_chunks(header, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
