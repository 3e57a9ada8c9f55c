"""/api/v1/exchange-rates: dated rates into the base currency (admins record them)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from twofold.api.dependencies import ApiUser, AppSettings, DbSession, ExpectedVersion
from twofold.api.routes.support import Paging, set_etag
from twofold.api.schemas.common import ListOut
from twofold.api.schemas.forecasting import ExchangeRateOut
from twofold.forecasting.rates import (
    add_exchange_rate,
    get_exchange_rate,
    list_exchange_rates,
    update_exchange_rate,
)
from twofold.forecasting.schemas import ExchangeRateCreate, ExchangeRateUpdate

router = APIRouter(prefix="/exchange-rates", tags=["forecast"])


@router.get("")
def list_(
    session: DbSession,
    settings: AppSettings,
    paging: Paging,
    currency: Annotated[str | None, Query(max_length=3, examples=["EUR"])] = None,
) -> ListOut[ExchangeRateOut]:
    """Rates into the base currency, newest ``valid_from`` first."""
    page = list_exchange_rates(
        session, base_currency=settings.base_currency, currency=currency, page=paging
    )
    return ListOut(items=[ExchangeRateOut.of(r) for r in page.items], next_cursor=page.next_cursor)


@router.post("", status_code=status.HTTP_201_CREATED)
def create(
    data: ExchangeRateCreate,
    session: DbSession,
    user: ApiUser,
    settings: AppSettings,
    response: Response,
) -> ExchangeRateOut:
    """Record what one unit of a currency is worth in the base currency from a date on."""
    rate = add_exchange_rate(session, actor=user, base_currency=settings.base_currency, data=data)
    set_etag(response, rate.version)
    return ExchangeRateOut.of(rate)


@router.get("/{rate_id}")
def read(rate_id: int, session: DbSession, response: Response) -> ExchangeRateOut:
    """One exchange rate."""
    rate = get_exchange_rate(session, rate_id)
    set_etag(response, rate.version)
    return ExchangeRateOut.of(rate)


@router.patch("/{rate_id}")
def update(
    rate_id: int,
    data: ExchangeRateUpdate,
    session: DbSession,
    user: ApiUser,
    expected_version: ExpectedVersion,
    response: Response,
) -> ExchangeRateOut:
    """Correct a rate (admins only); the old value stays on its timeline."""
    rate = get_exchange_rate(session, rate_id)
    update_exchange_rate(
        session, actor=user, rate=rate, data=data, expected_version=expected_version
    )
    set_etag(response, rate.version)
    return ExchangeRateOut.of(rate)
