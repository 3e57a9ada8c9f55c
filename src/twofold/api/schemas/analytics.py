"""Output shapes of the pipeline analytics (money as decimal strings in the base currency)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from twofold.analytics.conversion import MoneySum
from twofold.analytics.coverage import Coverage
from twofold.analytics.funnel import FunnelStage, PipelineFunnel
from twofold.analytics.hygiene import CHECKS, FlaggedDeal, FlaggedDeals, Hygiene
from twofold.analytics.outcomes import SEGMENT_DIMENSIONS, Outcomes, SegmentRate
from twofold.analytics.reports import Report
from twofold.analytics.revenue import Revenue
from twofold.analytics.scope import AnalyticsFilters
from twofold.api.schemas.common import money
from twofold.api.schemas.forecasting import PeriodOut
from twofold.core.money import format_amount


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


class FiltersOut(BaseModel):
    """The filters the report was computed with (``team_of`` filled in for non-admins)."""

    pipeline_id: int | None
    owner_id: int | None
    team_of: int | None
    industry: str | None
    region: str | None
    size_band: str | None
    source: str | None

    @classmethod
    def of(cls, filters: AnalyticsFilters) -> FiltersOut:
        """Render the filters."""
        return cls(**filters.__dict__)


class UnconvertedMoneyOut(BaseModel):
    """Money without an exchange rate for its date, in its own currency (not in the totals)."""

    currency: str
    amount: str
    deal_count: int


class MoneyOut(BaseModel):
    """A total in the base currency, the deals in it, and what could not be converted."""

    amount: str
    deal_count: int
    unconverted: list[UnconvertedMoneyOut]

    @classmethod
    def of(cls, total: MoneySum, currency: str) -> MoneyOut:
        """Render a converted sum."""
        return cls(
            amount=format_amount(total.amount, currency),
            deal_count=total.deal_count,
            unconverted=[
                UnconvertedMoneyOut(
                    currency=code,
                    amount=format_amount(missing.amount, code),
                    deal_count=missing.deal_count,
                )
                for code, missing in sorted(total.unconverted.items())
            ],
        )


class ReportOut(PeriodOut):
    """What every period report starts with."""

    currency: str
    filters: FiltersOut

    @staticmethod
    def head_of(report: Report[Any]) -> dict[str, Any]:
        """The period, currency and filters of an answer."""
        assert report.period is not None
        return {
            **PeriodOut.period_of(report.period),
            "currency": report.currency,
            "filters": FiltersOut.of(report.scope.filters),
        }


class QuotaUnconvertedOut(BaseModel):
    """Quota without an exchange rate, in its own currency."""

    currency: str
    amount: str


class CoverageOut(ReportOut):
    """Open pipeline against the quota still to close."""

    open_pipeline: MoneyOut = Field(description="open deals (not omitted) closing in the period")
    won: MoneyOut = Field(description="won deals of the quota holders closing in the period")
    quota: str | None
    remaining_quota: str | None = Field(description="quota - won, at least 0")
    coverage: str | None = Field(description="open_pipeline / remaining_quota, two decimals")
    quota_unconverted: list[QuotaUnconvertedOut]

    @classmethod
    def of(cls, report: Report[Coverage]) -> CoverageOut:
        """Render the coverage report."""
        coverage, currency = report.result, report.currency
        return cls(
            **ReportOut.head_of(report),
            open_pipeline=MoneyOut.of(coverage.open_pipeline, currency),
            won=MoneyOut.of(coverage.won, currency),
            quota=money(coverage.quota, currency),
            remaining_quota=money(coverage.remaining_quota, currency),
            coverage=_decimal(coverage.ratio),
            quota_unconverted=[
                QuotaUnconvertedOut(currency=code, amount=format_amount(amount, code))
                for code, amount in sorted(coverage.quota_unconverted.items())
            ],
        )


class LostReasonOut(BaseModel):
    """How many deals were lost for one reason."""

    reason: str
    count: int


class FunnelStageOut(BaseModel):
    """One step of the funnel."""

    stage_id: int
    name: str
    kind: str
    reached: int = Field(description="closed deals that got at least this far")
    lost: int = Field(description="closed deals lost with this as their furthest stage")
    conversion_percent: str | None = Field(description="reached the next step / reached this")
    lost_reasons: list[LostReasonOut]
    stays: int = Field(description="finished stays in the stage of these deals")
    average_days: str | None = Field(description="mean days of a finished stay")

    @classmethod
    def of(cls, stage: FunnelStage) -> FunnelStageOut:
        """Render a funnel step."""
        return cls(
            stage_id=stage.stage_id,
            name=stage.name,
            kind=stage.kind,
            reached=stage.reached,
            lost=stage.lost_here,
            conversion_percent=_decimal(stage.conversion_percent),
            lost_reasons=[LostReasonOut(reason=r, count=c) for r, c in stage.lost_reasons],
            stays=stage.stays,
            average_days=_decimal(stage.average_days),
        )


class PipelineFunnelOut(BaseModel):
    """The funnel of one pipeline."""

    pipeline_id: int
    name: str
    won_count: int
    lost_count: int
    stages: list[FunnelStageOut]

    @classmethod
    def of(cls, funnel: PipelineFunnel) -> PipelineFunnelOut:
        """Render one pipeline's funnel."""
        return cls(
            pipeline_id=funnel.pipeline_id,
            name=funnel.name,
            won_count=funnel.won_count,
            lost_count=funnel.lost_count,
            stages=[FunnelStageOut.of(stage) for stage in funnel.stages],
        )


class FunnelOut(ReportOut):
    """The stage funnel of the deals closed in the period, per pipeline."""

    pipelines: list[PipelineFunnelOut]

    @classmethod
    def of(cls, report: Report[list[PipelineFunnel]]) -> FunnelOut:
        """Render the funnel report."""
        return cls(
            **ReportOut.head_of(report),
            pipelines=[PipelineFunnelOut.of(funnel) for funnel in report.result],
        )


class SegmentRateOut(BaseModel):
    """Won and lost deals of one segment value."""

    value: str
    won_count: int
    lost_count: int
    win_rate: str | None

    @classmethod
    def of(cls, row: SegmentRate) -> SegmentRateOut:
        """Render a segment row."""
        return cls(
            value=row.value,
            won_count=row.won_count,
            lost_count=row.lost_count,
            win_rate=_decimal(row.win_rate),
        )


class OutcomesOut(ReportOut):
    """Win rate, cycle, velocity and win rate by segment of the deals closed in the period."""

    won_count: int
    lost_count: int
    win_rate: str | None = Field(description="won / (won + lost) * 100, one decimal")
    average_cycle_days: str | None = Field(description="mean days from created to won")
    won_amount: MoneyOut
    average_won_amount: str | None
    open_deal_count: int = Field(description="deals open now")
    velocity_per_day: str | None = Field(
        description="open deals * win rate * average won amount / average cycle days"
    )
    segments: dict[str, list[SegmentRateOut]]

    @classmethod
    def of(cls, report: Report[Outcomes]) -> OutcomesOut:
        """Render the outcomes report."""
        outcomes, currency = report.result, report.currency
        return cls(
            **ReportOut.head_of(report),
            won_count=outcomes.won_count,
            lost_count=outcomes.lost_count,
            win_rate=_decimal(outcomes.win_rate),
            average_cycle_days=_decimal(outcomes.average_cycle_days),
            won_amount=MoneyOut.of(outcomes.won_amount, currency),
            average_won_amount=money(outcomes.average_won_amount, currency),
            open_deal_count=outcomes.open_count,
            velocity_per_day=money(outcomes.velocity_per_day, currency),
            segments={
                name: [SegmentRateOut.of(row) for row in outcomes.segments.get(name, [])]
                for name in SEGMENT_DIMENSIONS
            },
        )


class MonthRevenueOut(BaseModel):
    """Expected and actual revenue of one month."""

    month: str = Field(examples=["2027-01"])
    expected: MoneyOut
    actual: MoneyOut


class NamedMoneyOut(MoneyOut):
    """Won revenue of one region or industry."""

    name: str


class RevenueOut(ReportOut):
    """Expected vs actual by month; won revenue by region and by industry."""

    months: list[MonthRevenueOut]
    by_region: list[NamedMoneyOut]
    by_industry: list[NamedMoneyOut]

    @classmethod
    def of(cls, report: Report[Revenue]) -> RevenueOut:
        """Render the revenue report."""
        revenue, currency = report.result, report.currency

        def named(rows: list[tuple[str, MoneySum]]) -> list[NamedMoneyOut]:
            return [
                NamedMoneyOut(name=name, **MoneyOut.of(total, currency).model_dump())
                for name, total in rows
            ]

        return cls(
            **ReportOut.head_of(report),
            months=[
                MonthRevenueOut(
                    month=row.month.strftime("%Y-%m"),
                    expected=MoneyOut.of(row.expected, currency),
                    actual=MoneyOut.of(row.actual, currency),
                )
                for row in revenue.months
            ],
            by_region=named(revenue.by_region),
            by_industry=named(revenue.by_industry),
        )


class FlaggedDealOut(BaseModel):
    """A deal a check flags."""

    deal_id: int
    name: str
    owner_id: int | None
    owner_name: str | None
    stage_id: int
    stage_name: str
    amount: str | None
    currency: str
    expected_close_date: date | None
    days_in_stage: int
    missing: list[str] = Field(description="the stage's entry criteria the deal lacks")

    @classmethod
    def of(cls, deal: FlaggedDeal) -> FlaggedDealOut:
        """Render a flagged deal (its amount in its own currency)."""
        return cls(**{**deal.__dict__, "amount": money(deal.amount, deal.currency)})


class CheckOut(BaseModel):
    """How many open deals a check flags, and the first of them."""

    count: int
    deals: list[FlaggedDealOut]

    @classmethod
    def of(cls, flagged: FlaggedDeals) -> CheckOut:
        """Render one check."""
        return cls(count=flagged.count, deals=[FlaggedDealOut.of(d) for d in flagged.deals])


class HygieneOut(BaseModel):
    """Rotting, stale and untidy open deals as of ``as_of``."""

    as_of: datetime
    idle_days: int
    filters: FiltersOut
    open_deal_count: int
    checks: dict[str, CheckOut]

    @classmethod
    def of(cls, report: Report[Hygiene]) -> HygieneOut:
        """Render the hygiene report."""
        hygiene = report.result
        return cls(
            as_of=hygiene.now,
            idle_days=hygiene.idle_days,
            filters=FiltersOut.of(report.scope.filters),
            open_deal_count=hygiene.open_count,
            checks={name: CheckOut.of(hygiene.checks[name]) for name in CHECKS},
        )
