"""/api/v1/quotas: quotas per user per month or quarter (admins set them)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from twofold.api.dependencies import ApiUser, AppSettings, DbSession
from twofold.api.routes.support import Paging, set_etag
from twofold.api.schemas.common import ListOut
from twofold.api.schemas.forecasting import QuotaOut
from twofold.forecasting.periods import parse_period
from twofold.forecasting.quotas import get_quota, list_quotas, remove_quota, set_quota
from twofold.forecasting.schemas import QuotaSet

router = APIRouter(prefix="/quotas", tags=["forecast"])


@router.get("")
def list_(
    session: DbSession,
    user: ApiUser,
    paging: Paging,
    user_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    period: Annotated[str | None, Query(max_length=20, examples=["2027-Q1"])] = None,
) -> ListOut[QuotaOut]:
    """Quotas you may see (your team's; admins everyone's)."""
    page = list_quotas(
        session,
        actor=user,
        user_id=user_id,
        period=parse_period(period) if period is not None else None,
        page=paging,
    )
    return ListOut(items=[QuotaOut.of(q) for q in page.items], next_cursor=page.next_cursor)


@router.put("")
def put(
    data: QuotaSet, session: DbSession, user: ApiUser, settings: AppSettings, response: Response
) -> QuotaOut:
    """Set a user's quota for a month or quarter, replacing the one set before (admins only)."""
    quota = set_quota(session, actor=user, base_currency=settings.base_currency, data=data)
    set_etag(response, quota.version)
    return QuotaOut.of(quota)


@router.delete("/{quota_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete(quota_id: int, session: DbSession, user: ApiUser) -> None:
    """Remove a quota (a quarter then falls back to the sum of its months); admins only."""
    remove_quota(session, actor=user, quota=get_quota(session, quota_id))
