"""Exchange rates and quotas for the demo company, so that its forecast page has something to say.

Rates: one per month for the 18 months of history and the current month, for every currency of
the demo's countries, around the rates in ``countries.py`` (a few percent of drift). Quotas: each
rep gets a monthly quota for the months of the current quarter (so that quarter's quota is the
sum of its months) and an explicit quota for the next quarter, sized from what they won in the
last year. A few dozen to a few thousand rows, written in one transaction after the bulk load.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Context, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from twofold.core.enums import StageKind
from twofold.demo.countries import COUNTRIES, USD_RATES
from twofold.demo.world import World
from twofold.forecasting.periods import Period, PeriodKind, period_containing
from twofold.store.database import Database
from twofold.store.models import Deal, ExchangeRate, Quota, Stage

RATE_MONTHS = 19
RATE_DRIFT = 0.03
RATE_DIGITS = Context(prec=6)
QUOTA_STRETCH = 1.2  # quotas ask for a fifth more than last year's pace
NEXT_QUARTER_GROWTH = 1.05
QUOTA_STEP = 1_000
MIN_MONTHLY_QUOTA = 5_000


@dataclass(frozen=True)
class ForecastPlan:
    """How many rates and quotas the demo got."""

    exchange_rates: int
    quotas: int


def add_forecast_plan(database: Database, world: World, *, base_currency: str) -> ForecastPlan:
    """Write the demo's exchange rates into ``base_currency`` and its reps' quotas."""
    today = world.clock.now.date()
    with database.transaction() as session:
        rates = _exchange_rates(world, base_currency=base_currency, today=today)
        session.add_all(rates)
        quotas = _quotas(session, world, base_currency=base_currency, today=today)
        session.add_all(quotas)
    return ForecastPlan(exchange_rates=len(rates), quotas=len(quotas))


def _exchange_rates(world: World, *, base_currency: str, today: date) -> list[ExchangeRate]:
    """Monthly rates of every demo currency into the base currency (none for an unknown base)."""
    if base_currency not in USD_RATES:
        return []
    rng = world.rng("exchange-rates")
    currencies = sorted({country.currency for country in COUNTRIES} - {base_currency})
    month = period_containing(today, PeriodKind.MONTH)
    months = [month]
    for _ in range(RATE_MONTHS - 1):
        months.insert(0, months[0].preceding())
    rates: list[ExchangeRate] = []
    for currency in currencies:
        middle = USD_RATES[base_currency] / USD_RATES[currency]
        for period in months:
            drifted = middle * (1 + rng.uniform(-RATE_DRIFT, RATE_DRIFT))
            rate = RATE_DIGITS.create_decimal_from_float(drifted)
            rates.append(
                ExchangeRate(
                    base_currency=base_currency,
                    currency=currency,
                    valid_from=period.start,
                    rate=rate,
                )
            )
    return rates


def _quotas(session: Session, world: World, *, base_currency: str, today: date) -> list[Quota]:
    """Monthly quotas for this quarter's months and a quarter quota for the next quarter."""
    won = _won_last_year(session, base_currency=base_currency, today=today)
    quarter = period_containing(today, PeriodKind.QUARTER)
    quotas: list[Quota] = []
    for rep in world.team.reps:
        monthly = _rounded(max(MIN_MONTHLY_QUOTA, won.get(rep, 0) / 12 * QUOTA_STRETCH))
        quotas.extend(_quota(rep, month, monthly, base_currency) for month in quarter.months())
        next_quarter = _rounded(monthly * 3 * NEXT_QUARTER_GROWTH)
        quotas.append(_quota(rep, quarter.following(), next_quarter, base_currency))
    return quotas


def _quota(user_id: int, period: Period, amount: int, currency: str) -> Quota:
    return Quota(
        user_id=user_id,
        period_kind=period.kind.value,
        period_start=period.start,
        amount=Decimal(amount),
        currency=currency,
    )


def _won_last_year(session: Session, *, base_currency: str, today: date) -> dict[int, float]:
    """What each owner won in the last 365 days, roughly in the base currency."""
    since = today - timedelta(days=365)
    query = (
        select(Deal.owner_id, Deal.currency, func.sum(Deal.amount))
        .join(Stage, Stage.id == Deal.stage_id)
        .where(Stage.kind == StageKind.WON, Deal.expected_close_date >= since)
        .group_by(Deal.owner_id, Deal.currency)
    )
    base_per_usd = USD_RATES.get(base_currency, 1.0)
    won: dict[int, float] = defaultdict(float)
    for owner_id, currency, total in session.execute(query):
        if owner_id is not None and total is not None:
            won[owner_id] += float(total) / USD_RATES.get(currency, 1.0) * base_per_usd
    return won


def _rounded(amount: float) -> int:
    """Up to the next thousand."""
    return int(math.ceil(amount / QUOTA_STEP) * QUOTA_STEP)
