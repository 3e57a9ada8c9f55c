"""/api/v1/economics: customer economics by period and channel, acquisition cohorts; and
/api/v1/marketing-spend: spend per channel and month (CAC). Definitions: decision 0014."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel

from twofold.api.dependencies import (
    ApiUser,
    AppSettings,
    DbSession,
    EventIngestion,
    ExpectedVersion,
)
from twofold.api.routes.support import Paging, set_etag
from twofold.api.schemas.common import ListOut
from twofold.core.money import format_amount
from twofold.core.time import utcnow
from twofold.economics.cohorts import cohort_matrix
from twofold.economics.report import DEFAULT_CHURN_DAYS, economics_report, parse_options
from twofold.economics.schemas import MarketingSpendCreate, MarketingSpendUpdate
from twofold.economics.spend import (
    add_spend,
    delete_spend,
    get_spend,
    list_spend,
    update_spend,
)
from twofold.orders.base_currency import exchange_rates, stage_purchases
from twofold.store.models import MarketingSpend

router = APIRouter(tags=["economics"])

Month = Annotated[str | None, Query(max_length=20, examples=["2026-01"])]


class MarketingSpendOut(BaseModel):
    """Spend on one channel in one month."""

    id: int
    channel: str
    month: str
    amount: str
    currency: str
    purpose: str
    note: str
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, spend: MarketingSpend) -> MarketingSpendOut:
        return cls(
            id=spend.id, channel=spend.channel, month=spend.month.strftime("%Y-%m"),
            amount=format_amount(spend.amount, spend.currency), currency=spend.currency,
            purpose=spend.purpose, note=spend.note, version=spend.version,
            created_at=spend.created_at, updated_at=spend.updated_at,
        )  # fmt: skip


@router.get("/economics")
def economics(
    settings: AppSettings,
    ingestion: EventIngestion,
    start: Month = None,
    end: Month = None,
    group_by: Annotated[str, Query(max_length=20)] = "total",
    channel: Annotated[str | None, Query(max_length=100)] = None,
    churn_days: Annotated[int, Query()] = DEFAULT_CHURN_DAYS,
) -> dict[str, Any]:
    """Order value, frequency, repeat purchases, churn, reactivation, historic CLV, spend,
    CAC, LTV:CAC and retention cost per period (``group_by`` total|month|quarter|channel|
    region: the customer's country trait), in the base currency; ``start``/``end`` are
    months (2026-01) or quarters, both included."""
    options = parse_options(
        start=start, end=end, group_by=group_by, channel=channel, churn_days=churn_days
    )
    return economics_report(
        ingestion.store, ingestion.database, base_currency=settings.base_currency,
        options=options,
    )  # fmt: skip


@router.get("/economics/cohorts")
def cohorts(
    session: DbSession,
    settings: AppSettings,
    ingestion: EventIngestion,
    start: Month = None,
    end: Month = None,
    channel: Annotated[str | None, Query(max_length=100)] = None,
) -> dict[str, Any]:
    """Monthly acquisition cohorts (first purchase from ``start`` to ``end``; by acquisition
    channel when given): size and, per month since, customers who bought and retention (%)."""
    options = parse_options(start=start, end=end, channel=channel)
    rates = exchange_rates(session, base_currency=settings.base_currency)
    today = utcnow().date()
    with ingestion.store.reader() as reader:
        stage_purchases(
            reader, base_currency=settings.base_currency, rates=rates,
            until=datetime.combine(today, datetime.max.time()),
        )  # fmt: skip
        rows = cohort_matrix(
            reader, start=options.start, end=options.end, channel=options.channel, today=today
        )
    return {"channel": options.channel, "cohorts": rows}


@router.get("/marketing-spend")
def list_marketing_spend(
    session: DbSession,
    paging: Paging,
    channel: Annotated[str | None, Query(max_length=100)] = None,
) -> ListOut[MarketingSpendOut]:
    """Spend entries, newest month first."""
    page = list_spend(session, channel=channel, page=paging)
    return ListOut(
        items=[MarketingSpendOut.of(s) for s in page.items], next_cursor=page.next_cursor
    )


@router.post("/marketing-spend", status_code=status.HTTP_201_CREATED)
def create_marketing_spend(
    data: MarketingSpendCreate,
    session: DbSession,
    user: ApiUser,
    settings: AppSettings,
    response: Response,
) -> MarketingSpendOut:
    """Record a channel's spend for a month (admins and marketers; 409 for a second entry
    of the same channel, month and currency)."""
    spend = add_spend(session, actor=user, base_currency=settings.base_currency, data=data)
    set_etag(response, spend.version)
    return MarketingSpendOut.of(spend)


@router.get("/marketing-spend/{spend_id}")
def read_marketing_spend(
    spend_id: int, session: DbSession, response: Response
) -> MarketingSpendOut:
    """One spend entry."""
    spend = get_spend(session, spend_id)
    set_etag(response, spend.version)
    return MarketingSpendOut.of(spend)


@router.patch("/marketing-spend/{spend_id}")
def update_marketing_spend(
    spend_id: int,
    data: MarketingSpendUpdate,
    session: DbSession,
    user: ApiUser,
    expected_version: ExpectedVersion,
    response: Response,
) -> MarketingSpendOut:
    """Correct the amount or note (``If-Match`` optional)."""
    spend = get_spend(session, spend_id)
    update_spend(session, actor=user, spend=spend, data=data, expected_version=expected_version)
    set_etag(response, spend.version)
    return MarketingSpendOut.of(spend)


@router.delete("/marketing-spend/{spend_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_marketing_spend(
    spend_id: int, session: DbSession, user: ApiUser, expected_version: ExpectedVersion
) -> None:
    """Remove a spend entry."""
    spend = get_spend(session, spend_id)
    delete_spend(session, actor=user, spend=spend, expected_version=expected_version)
