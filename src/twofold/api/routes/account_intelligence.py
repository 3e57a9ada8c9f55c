"""/api/v1: account health (with history), ABM board, share of wallet and whitespace,
health recompute and weights."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import Field, StrictInt
from sqlalchemy.orm import Session

from twofold.accounts.actions import get_account
from twofold.accounts.lookups import account_names
from twofold.api.dependencies import ApiUser, AppSettings, DbSession, EventIngestion
from twofold.api.routes.support import Paging
from twofold.api.schemas.common import ListOut
from twofold.api.schemas.intelligence import (
    AbmCardOut,
    AbmCountsOut,
    AccountHealthOut,
    HealthPointOut,
    HealthReasonOut,
    HealthWeightsOut,
    RecomputeOut,
    WalletOut,
)
from twofold.core.enums import AbmStatus
from twofold.core.inputs import InputModel
from twofold.core.settings import Settings
from twofold.core.time import utcnow
from twofold.ingest.runtime import Ingestion
from twofold.intelligence.config import health_weights, set_health_weights
from twofold.intelligence.queries import (
    BoardFilters,
    abm_board,
    abm_counts,
    health_history,
)
from twofold.intelligence.recompute import compute_health, recompute_health
from twofold.intelligence.wallet import clear_potential, set_potential, share_of_wallet, whitespace

router = APIRouter(tags=["account intelligence"])


class PotentialIn(InputModel):
    """An estimate of what the account could spend with us in a year."""

    amount: str = Field(examples=["250000.00"])
    currency: str = Field(examples=["EUR"])


class WeightsIn(InputModel):
    """New weights for some signals (0-100 each; the others keep theirs)."""

    weights: dict[str, StrictInt]


def _health_out(
    session: Session, *, account_id: int, settings: Settings, ingestion: Ingestion
) -> AccountHealthOut:
    now = utcnow()
    [result] = compute_health(
        session,
        store=ingestion.store,
        now=now,
        default_lead_days=settings.renewal_lead_days,
        account_ids=[account_id],
    )
    history = health_history(session, account_id=account_id, today=now.date())
    return AccountHealthOut(
        account_id=account_id,
        score=result.score,
        reasons=[HealthReasonOut(**reason.as_dict()) for reason in result.reasons],
        abm_status=result.abm_status.value,
        abm_reason=result.abm_reason,
        computed_at=now,
        history=[
            HealthPointOut(
                day=point.day,
                score=point.score,
                reasons=[HealthReasonOut.model_validate(reason) for reason in point.reasons],
            )
            for point in history
        ],
    )


@router.get("/accounts/{account_id}/health")
def account_health(
    account_id: int, session: DbSession, settings: AppSettings, ingestion: EventIngestion
) -> AccountHealthOut:
    """The health score now (with a reason per signal), ABM status, and daily history."""
    get_account(session, account_id)
    return _health_out(session, account_id=account_id, settings=settings, ingestion=ingestion)


@router.post("/accounts/{account_id}/health")
def snapshot_account_health(
    account_id: int,
    session: DbSession,
    settings: AppSettings,
    ingestion: EventIngestion,
    user: ApiUser,
) -> AccountHealthOut:
    """Recompute the account's health now and store it as today's snapshot."""
    get_account(session, account_id)
    recompute_health(
        session,
        actor=user,
        store=ingestion.store,
        now=utcnow(),
        default_lead_days=settings.renewal_lead_days,
        account_ids=[account_id],
    )
    return _health_out(session, account_id=account_id, settings=settings, ingestion=ingestion)


@router.post("/health/recompute")
def recompute_all(
    session: DbSession, settings: AppSettings, ingestion: EventIngestion, user: ApiUser
) -> RecomputeOut:
    """Recompute every account's health and ABM status, and today's snapshots (managers)."""
    now = utcnow()
    count = recompute_health(
        session,
        actor=user,
        store=ingestion.store,
        now=now,
        default_lead_days=settings.renewal_lead_days,
    )
    return RecomputeOut(accounts=count, day=now.date())


@router.get("/health/weights")
def weights(session: DbSession) -> HealthWeightsOut:
    """The weight of each signal: the most points it can take off 100."""
    return HealthWeightsOut(weights={k.value: v for k, v in health_weights(session).items()})


@router.put("/health/weights")
def change_weights(data: WeightsIn, session: DbSession, user: ApiUser) -> HealthWeightsOut:
    """Change some weights (admins)."""
    changed = set_health_weights(session, actor=user, weights=data.weights)
    return HealthWeightsOut(weights={k.value: v for k, v in changed.items()})


@router.get("/abm")
def board(
    session: DbSession,
    paging: Paging,
    abm_status: AbmStatus | None = None,
    owner_id: int | None = None,
    industry: Annotated[str | None, Query(max_length=100)] = None,
    region: Annotated[str | None, Query(max_length=100)] = None,
) -> ListOut[AbmCardOut]:
    """Accounts by ABM status with their health (as of the last recompute), least healthy
    first unless sorted by ``account_id``."""
    filters = BoardFilters(
        abm_status=abm_status.value if abm_status else None,
        owner_id=owner_id,
        industry=industry,
        region=region,
    )
    page = abm_board(session, filters=filters, page=paging)
    names = account_names(session, [row.account_id for row in page.items])
    return ListOut(
        items=[
            AbmCardOut(
                account_id=row.account_id,
                name=names.get(row.account_id, ""),
                abm_status=row.abm_status,
                abm_reason=row.abm_reason,
                score=row.score,
                computed_at=row.computed_at,
            )
            for row in page.items
        ],
        next_cursor=page.next_cursor,
    )


@router.get("/abm/counts")
def board_counts(
    session: DbSession,
    owner_id: int | None = None,
    industry: Annotated[str | None, Query(max_length=100)] = None,
    region: Annotated[str | None, Query(max_length=100)] = None,
) -> AbmCountsOut:
    """How many accounts each ABM status holds."""
    filters = BoardFilters(owner_id=owner_id, industry=industry, region=region)
    counts = abm_counts(session, filters=filters)
    return AbmCountsOut(**{status.value: counts.get(status.value, 0) for status in AbmStatus})


@router.get("/accounts/{account_id}/wallet")
def wallet(account_id: int, session: DbSession, settings: AppSettings) -> WalletOut:
    """Share of wallet in the base currency, and the whitespace."""
    account = get_account(session, account_id)
    found = share_of_wallet(
        session, account=account, base_currency=settings.base_currency, today=utcnow().date()
    )
    return WalletOut.of(found, whitespace(session, account=account))


@router.put("/accounts/{account_id}/wallet/potential")
def put_potential(
    account_id: int, data: PotentialIn, session: DbSession, settings: AppSettings, user: ApiUser
) -> WalletOut:
    """Set the estimate of the account's yearly potential."""
    account = get_account(session, account_id)
    set_potential(session, actor=user, account=account, amount=data.amount, currency=data.currency)
    return wallet(account_id, session, settings)


@router.delete("/accounts/{account_id}/wallet/potential", status_code=status.HTTP_204_NO_CONTENT)
def delete_potential(account_id: int, session: DbSession, user: ApiUser) -> None:
    """Forget the estimate (employees x revenue per employee applies again)."""
    clear_potential(session, actor=user, account=get_account(session, account_id))
