"""How closed deals turned out: win rate, sales cycle, average won amount, pipeline velocity,
and the win rate per segment (industry, size band, region, source).

The deals are those *closed in the period* (``closed_at`` in it, now in a won or lost stage);
velocity multiplies those rates with the number of deals open now (decision 0012).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from twofold.analytics.conversion import MoneySum, PeriodRates, period_moments
from twofold.analytics.scope import Scope, size_band_of
from twofold.forecasting.periods import Period
from twofold.store.durations import days_between
from twofold.store.models import Account, Deal

PERCENT_PLACES = Decimal("0.1")
DAY_PLACES = Decimal("0.1")
SEGMENT_DIMENSIONS = ("industry", "size_band", "region", "source")
NONE_LABEL = "(none)"


@dataclass
class SegmentRate:
    """Won and lost deals of one value of a segment dimension."""

    value: str
    won_count: int = 0
    lost_count: int = 0

    @property
    def win_rate(self) -> Decimal | None:
        """Won as a percentage of closed, one decimal."""
        return win_rate(self.won_count, self.lost_count)


@dataclass
class Outcomes:
    """Win rate, cycle and velocity of the deals closed in a period."""

    won_count: int
    lost_count: int
    won_amount: MoneySum
    cycle_days_total: float
    open_count: int
    segments: dict[str, list[SegmentRate]] = field(default_factory=dict)

    @property
    def win_rate(self) -> Decimal | None:
        """Won as a percentage of won + lost, one decimal; ``None`` when nothing closed."""
        return win_rate(self.won_count, self.lost_count)

    @property
    def average_cycle_days(self) -> Decimal | None:
        """Mean days from a won deal's creation to its close, one decimal."""
        exact = self._exact_cycle_days()
        return None if exact is None else exact.quantize(DAY_PLACES)

    def _exact_cycle_days(self) -> Decimal | None:
        if not self.won_count:
            return None
        # julianday arithmetic leaves float noise in the last digits; six decimals are exact.
        return Decimal(repr(round(self.cycle_days_total / self.won_count, 6)))

    @property
    def average_won_amount(self) -> Decimal | None:
        """Mean converted amount of the won deals that have a rate (unrounded)."""
        if not self.won_amount.deal_count:
            return None
        return self.won_amount.amount / self.won_amount.deal_count

    @property
    def velocity_per_day(self) -> Decimal | None:
        """(open deals x win rate x average won amount) / average cycle days (unrounded)."""
        average, cycle = self.average_won_amount, self._exact_cycle_days()
        closed = self.won_count + self.lost_count
        if average is None or not cycle or not closed:
            return None
        share_won = Decimal(self.won_count) / closed
        return self.open_count * share_won * average / cycle


def win_rate(won: int, lost: int) -> Decimal | None:
    """``won / (won + lost) * 100`` to one decimal, ``None`` without closed deals."""
    if not won + lost:
        return None
    return (Decimal(won) * 100 / (won + lost)).quantize(PERCENT_PLACES)


def closed_in(scope: Scope, period: Period) -> ColumnElement[bool]:
    """Deals of the scope closed (won or lost) in the period."""
    start, end = period_moments(period)
    # "+ 0" keeps SQLite from reading every won and lost deal through ix_deals_stage_close
    # instead of the period's range of the covering ix_deals_closed (measured: 3x slower).
    closing_stage = (Deal.stage_id + 0).in_(scope.won_stage_ids + scope.lost_stage_ids)
    return scope.deals() & (Deal.closed_at >= start) & (Deal.closed_at < end) & closing_stage


def is_won(scope: Scope) -> ColumnElement[int]:
    """1 for a deal in a won stage, else 0."""
    return case((Deal.stage_id.in_(scope.won_stage_ids), 1), else_=0)


def compute_outcomes(
    session: Session, *, scope: Scope, period: Period, rates: PeriodRates
) -> Outcomes:
    """Win rate, cycle, won amounts and velocity for the scope's deals closed in the period."""
    deals = (
        select(
            is_won(scope).label("won"),
            Deal.currency,
            rates.bucket(Deal.closed_at, timestamps=True).label("bucket"),
            Deal.amount,
            days_between(Deal.created_at, Deal.closed_at).label("days"),
        )
        .where(closed_in(scope, period))
        .subquery("closed_deals")
    )
    keys = (deals.c.won, deals.c.currency, deals.c.bucket)
    query = select(*keys, func.count(), func.sum(deals.c.amount), func.sum(deals.c.days)).group_by(
        *keys
    )
    won_amount, counts, cycle_days = MoneySum(), {0: 0, 1: 0}, 0.0
    for won, currency, bucket, count, amount, days in session.execute(query):
        counts[int(won)] += int(count)
        if won:
            rates.add(won_amount, currency=currency, bucket=bucket, amount=amount, count=count)
            cycle_days += float(days or 0)
    open_count = session.scalar(
        select(func.count()).where(scope.deals(), Deal.stage_id.in_(scope.open_stage_ids))
    )
    return Outcomes(
        won_count=counts[1],
        lost_count=counts[0],
        won_amount=won_amount,
        cycle_days_total=cycle_days,
        open_count=int(open_count or 0),
        segments=segment_rates(session, scope=scope, period=period),
    )


def segment_rates(
    session: Session, *, scope: Scope, period: Period
) -> dict[str, list[SegmentRate]]:
    """Won and lost counts per industry, size band, region and source, most closed first.

    One grouped query over every combination; the per-dimension totals are added up here.
    """
    deals = (
        select(
            Account.industry,
            size_band_of(Account.employees).label("size_band"),
            Account.region,
            Deal.source,
            is_won(scope).label("won"),
        )
        .select_from(Deal)
        .outerjoin(Account, Account.id == Deal.account_id)
        .where(closed_in(scope, period))
        .subquery("closed_segments")
    )
    keys = (deals.c.industry, deals.c.size_band, deals.c.region, deals.c.source, deals.c.won)
    query = select(*keys, func.count()).group_by(*keys)
    tables: dict[str, dict[str, SegmentRate]] = {name: {} for name in SEGMENT_DIMENSIONS}
    for *values, won, count in session.execute(query):
        for name, value in zip(SEGMENT_DIMENSIONS, values, strict=True):
            label = value if value else NONE_LABEL
            row = tables[name].get(label) or tables[name].setdefault(label, SegmentRate(label))
            if won:
                row.won_count += int(count)
            else:
                row.lost_count += int(count)
    ordered: dict[str, list[SegmentRate]] = defaultdict(list)
    for name, rows in tables.items():
        ordered[name] = sorted(
            rows.values(), key=lambda row: (-(row.won_count + row.lost_count), row.value)
        )
    return dict(ordered)
