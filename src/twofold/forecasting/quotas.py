"""Quotas per user per month or quarter.

A quarter without a quota of its own has the sum of its months' quotas; a month has only
the quota set for it (docs/decisions/0004-forecasting.md).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from twofold.auth.permissions import ensure_admin
from twofold.core.enums import RecordType
from twofold.core.errors import NotFound
from twofold.core.money import format_amount, parse_amount, parse_currency
from twofold.forecasting.periods import Period, PeriodKind, parse_period, period_from_start
from twofold.forecasting.schemas import QuotaSet
from twofold.forecasting.teams import get_user, visible_user_ids
from twofold.store.listing import Page, PageRequest, paginate
from twofold.store.models import Quota, User
from twofold.timeline import kinds
from twofold.timeline.entries import append_to_timelines, field_changes

SORTABLE = {"period_start": Quota.period_start, "user_id": Quota.user_id, "id": Quota.id}


def set_quota(session: Session, *, actor: User, base_currency: str, data: QuotaSet) -> Quota:
    """Set (or replace) a user's quota for a month or quarter; admins only."""
    ensure_admin(actor)
    user = get_user(session, data.user_id)
    period = parse_period(data.period)
    currency = parse_currency(data.currency) if data.currency else base_currency
    amount = parse_amount(data.amount, currency)
    quota = session.scalar(
        select(Quota).where(
            Quota.user_id == user.id,
            Quota.period_kind == period.kind.value,
            Quota.period_start == period.start,
        )
    )
    before = {"amount": quota.amount, "currency": quota.currency} if quota else {}
    if quota is None:
        quota = Quota(user_id=user.id, period_kind=period.kind.value, period_start=period.start)
        session.add(quota)
    elif quota.amount == amount and quota.currency == currency:
        return quota
    quota.amount, quota.currency = amount, currency
    session.flush()
    append_to_timelines(
        session,
        actor=actor,
        records=[(RecordType.USER, user.id)],
        kind=kinds.QUOTA_SET,
        summary=f"Quota of {user.name} for {period.label}: "
        f"{format_amount(amount, currency)} {currency}",
        changes=field_changes(before, {"amount": amount, "currency": currency}),
    )
    return quota


def get_quota(session: Session, quota_id: int) -> Quota:
    """The quota with this id, or ``NotFound``."""
    quota = session.get(Quota, quota_id)
    if quota is None:
        raise NotFound(f"no quota {quota_id}")
    return quota


def remove_quota(session: Session, *, actor: User, quota: Quota) -> None:
    """Delete a quota (admins only); a quarter falls back to the sum of its months."""
    ensure_admin(actor)
    period = quota_period(quota)
    append_to_timelines(
        session,
        actor=actor,
        records=[(RecordType.USER, quota.user_id)],
        kind=kinds.QUOTA_REMOVED,
        summary=f"Quota for {period.label} removed",
        changes=field_changes({"amount": quota.amount, "currency": quota.currency}, {}),
    )
    session.delete(quota)
    session.flush()


def quota_period(quota: Quota) -> Period:
    """The month or quarter a quota is for."""
    return period_from_start(quota.period_kind, quota.period_start)


def list_quotas(
    session: Session,
    *,
    actor: User,
    user_id: int | None,
    period: Period | None,
    page: PageRequest,
) -> Page[Quota]:
    """Quotas the actor may see (their team's; admins everyone's), oldest period first."""
    query = select(Quota)
    visible = visible_user_ids(actor)
    if visible is not None:
        query = query.where(Quota.user_id.in_(visible))
    if user_id is not None:
        query = query.where(Quota.user_id == user_id)
    if period is not None:
        query = query.where(
            Quota.period_kind == period.kind.value, Quota.period_start == period.start
        )
    return paginate(
        session,
        query,
        page=page,
        sortable=SORTABLE,
        default_sort="period_start",
        id_column=Quota.id,
    )


@dataclass(frozen=True)
class QuotaPart:
    """A quota amount in its own currency, and the day its exchange rate is taken on."""

    amount: Decimal
    currency: str
    rate_day: date


def period_quotas(
    session: Session, *, period: Period, user_ids: Select[tuple[int]] | None
) -> dict[int, list[QuotaPart]]:
    """Each user's quota for ``period``: the quota set for it, or for a quarter its months'.

    Each part converts at the rate of the first day of the period it was set for.
    """
    months = [month.start for month in period.months()]
    own = and_(Quota.period_kind == period.kind.value, Quota.period_start == period.start)
    by_month = and_(Quota.period_kind == PeriodKind.MONTH.value, Quota.period_start.in_(months))
    query = select(
        Quota.user_id, Quota.period_kind, Quota.period_start, Quota.amount, Quota.currency
    )
    query = query.where(or_(own, by_month) if period.kind == PeriodKind.QUARTER else own)
    if user_ids is not None:
        query = query.where(Quota.user_id.in_(user_ids))
    explicit: dict[int, list[QuotaPart]] = {}
    from_months: dict[int, list[QuotaPart]] = defaultdict(list)
    for row in session.execute(query):
        part = QuotaPart(
            amount=Decimal(row.amount), currency=row.currency, rate_day=row.period_start
        )
        if row.period_kind == period.kind.value:
            explicit[row.user_id] = [part]
        else:
            from_months[row.user_id].append(part)
    return {**from_months, **explicit}
