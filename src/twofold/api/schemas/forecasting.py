"""Output shapes of the forecast, quotas, exchange rates, calls and accuracy."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from twofold.api.schemas.common import OutModel, RecordOut, money
from twofold.core.money import format_amount
from twofold.forecasting.accuracy import AccuracyReport, AccuracyRow
from twofold.forecasting.forecast import Forecast, ForecastTotals, RepForecast, TeamNode
from twofold.forecasting.periods import Period, period_from_start
from twofold.forecasting.quotas import quota_period
from twofold.store.models import ExchangeRate, ForecastSubmission, Quota


class CategoriesOut(BaseModel):
    """Each forecast category's own total (not cumulative), in the base currency."""

    closed: str = Field(description="won deals")
    commit: str
    best_case: str
    pipeline: str
    omitted: str


class UnconvertedOut(BaseModel):
    """Money without an exchange rate for its date, in its own currency (not in the totals)."""

    currency: str
    amount: str
    deal_count: int
    quota: str | None


class TotalsOut(BaseModel):
    """Categories, weighted pipeline and quota; ``quota`` is null when none is set."""

    categories: CategoriesOut
    weighted: str = Field(
        description="sum of amount * probability / 100 over open deals that are not omitted"
    )
    quota: str | None
    deal_count: int
    unconverted: list[UnconvertedOut]

    @classmethod
    def totals_of(cls, totals: ForecastTotals, currency: str) -> dict[str, Any]:
        """The fields of ``totals`` with money as decimal strings."""
        return {
            "categories": CategoriesOut(
                **{key: format_amount(value, currency) for key, value in totals.categories.items()}
            ),
            "weighted": format_amount(totals.weighted, currency),
            "quota": money(totals.quota, currency),
            "deal_count": totals.deal_count,
            "unconverted": [
                UnconvertedOut(
                    currency=code,
                    amount=format_amount(missing.amount, code),
                    deal_count=missing.deal_count,
                    quota=money(missing.quota, code),
                )
                for code, missing in sorted(totals.unconverted.items())
            ],
        }


class RepOut(TotalsOut):
    """One user's own deals and quota (``user_id`` null: deals nobody owns)."""

    user_id: int | None
    name: str
    manager_id: int | None

    @classmethod
    def of(cls, row: RepForecast, currency: str) -> RepOut:
        """Render a per-rep row."""
        return cls(
            user_id=row.user_id,
            name=row.name,
            manager_id=row.manager_id,
            **TotalsOut.totals_of(row.totals, currency),
        )


class TeamNodeOut(TotalsOut):
    """A user with their whole team's totals and their reports below them."""

    user_id: int | None
    name: str
    children: list[TeamNodeOut]

    @classmethod
    def of(cls, node: TeamNode, currency: str) -> TeamNodeOut:
        """Render a roll-up node and its children."""
        return cls(
            user_id=node.user_id,
            name=node.name,
            children=[cls.of(child, currency) for child in node.children],
            **TotalsOut.totals_of(node.totals, currency),
        )


class PeriodOut(BaseModel):
    """A period's label, kind and first and last days."""

    period: str = Field(examples=["2027-Q1"])
    period_kind: str
    start: date
    end: date

    @staticmethod
    def period_of(period: Period) -> dict[str, Any]:
        """The period fields of an answer."""
        return {
            "period": period.label,
            "period_kind": period.kind.value,
            "start": period.start,
            "end": period.end,
        }


class ForecastOut(TotalsOut, PeriodOut):
    """The forecast of a period for a team (``owner_id``) or the whole company (null)."""

    owner_id: int | None
    currency: str
    reps: list[RepOut]
    rollup: list[TeamNodeOut]

    @classmethod
    def of(cls, forecast: Forecast) -> ForecastOut:
        """Render a forecast."""
        currency = forecast.currency
        return cls(
            **PeriodOut.period_of(forecast.period),
            owner_id=forecast.owner_id,
            currency=currency,
            **TotalsOut.totals_of(forecast.totals, currency),
            reps=[RepOut.of(row, currency) for row in forecast.reps],
            rollup=[TeamNodeOut.of(node, currency) for node in forecast.rollup],
        )


class QuotaOut(RecordOut):
    """A user's quota for a month or a quarter."""

    user_id: int
    period: str
    period_kind: str
    period_start: date
    period_end: date
    amount: str
    currency: str

    @classmethod
    def of(cls, quota: Quota) -> QuotaOut:
        """Render a quota."""
        period = quota_period(quota)
        return cls(
            id=quota.id,
            version=quota.version,
            created_at=quota.created_at,
            updated_at=quota.updated_at,
            user_id=quota.user_id,
            period=period.label,
            period_kind=period.kind.value,
            period_start=period.start,
            period_end=period.end,
            amount=format_amount(quota.amount, quota.currency),
            currency=quota.currency,
        )


class ExchangeRateOut(RecordOut):
    """One unit of ``currency`` is worth ``rate`` units of ``base_currency`` from ``valid_from``."""

    currency: str
    base_currency: str
    rate: str
    valid_from: date

    @classmethod
    def of(cls, rate: ExchangeRate) -> ExchangeRateOut:
        """Render a rate (as a plain decimal string without trailing zeros)."""
        values = {key: getattr(rate, key) for key in cls.model_fields if key != "rate"}
        return cls(rate=_plain(Decimal(rate.rate)), **values)


class SubmissionOut(OutModel):
    """A call and the team's forecast when it was made."""

    id: int
    user_id: int
    period: str
    period_kind: str
    period_start: date
    period_end: date
    amount: str
    currency: str
    note: str | None
    categories: dict[str, str]
    weighted: str
    quota: str | None
    deal_count: int
    unconverted: list[dict[str, Any]]
    submitted_at: datetime

    @classmethod
    def of(cls, submission: ForecastSubmission) -> SubmissionOut:
        """Render a submission."""
        currency = submission.currency
        period = period_from_start(submission.period_kind, submission.period_start)
        return cls(
            id=submission.id,
            user_id=submission.user_id,
            period=period.label,
            period_kind=period.kind.value,
            period_start=period.start,
            period_end=period.end,
            amount=format_amount(submission.amount, currency),
            currency=currency,
            note=submission.note,
            categories=submission.categories,
            weighted=format_amount(submission.weighted, currency),
            quota=money(submission.quota, currency),
            deal_count=submission.deal_count,
            unconverted=submission.unconverted,
            submitted_at=submission.submitted_at,
        )


class AccuracyItemOut(BaseModel):
    """A user's last call for the period against what their team closed."""

    user_id: int
    name: str
    submission_id: int
    submitted_at: datetime
    call: str
    actual: str | None
    difference: str | None = Field(description="actual minus call")
    accuracy_percent: str | None = Field(description="actual / call * 100, one decimal")

    @classmethod
    def of(cls, row: AccuracyRow) -> AccuracyItemOut:
        """Render an accuracy row."""
        currency = row.submission.currency
        return cls(
            user_id=row.user_id,
            name=row.name,
            submission_id=row.submission.id,
            submitted_at=row.submission.submitted_at,
            call=format_amount(row.submission.amount, currency),
            actual=money(row.actual, currency),
            difference=money(row.difference, currency),
            accuracy_percent=None if row.accuracy_percent is None else str(row.accuracy_percent),
        )


class AccuracyOut(PeriodOut):
    """Calls made for a period by a team, with what was closed."""

    owner_id: int | None
    currency: str
    period_ended: bool
    items: list[AccuracyItemOut]

    @classmethod
    def of(cls, report: AccuracyReport) -> AccuracyOut:
        """Render an accuracy report."""
        return cls(
            **PeriodOut.period_of(report.period),
            owner_id=report.owner_id,
            currency=report.currency,
            period_ended=report.period_ended,
            items=[AccuracyItemOut.of(row) for row in report.rows],
        )


def _plain(value: Decimal) -> str:
    """``1.0825`` rather than ``1.0825000000``; whole rates keep no exponent (``150``)."""
    normalised = value.normalize()
    return format(normalised, "f")
