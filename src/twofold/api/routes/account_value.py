"""/api/v1: B2B account value — renewal outlooks, expected value, expansion history; the
renewal rates they are learned from; recompute and settings (decision 0021)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import StrictInt

from twofold.account_value.compute import recompute_account_values
from twofold.account_value.queries import latest_rate_fit, stored_account_value
from twofold.account_value.settings import account_value_settings, set_account_value_settings
from twofold.accounts.actions import get_account
from twofold.api.dependencies import ApiUser, DbSession
from twofold.api.schemas.account_value import (
    AccountValueOut,
    AccountValueRecomputeOut,
    AccountValueSettingsOut,
    RenewalRatesOut,
)
from twofold.core.inputs import InputModel
from twofold.core.time import utcnow

router = APIRouter(tags=["account value"])


class AccountValueSettingsIn(InputModel):
    """Some settings to change (the others keep theirs)."""

    annual_discount_rate: str | None = None
    horizon_years: StrictInt | None = None
    segment_by: list[str] | None = None
    prior_strength: StrictInt | None = None
    grace_days: StrictInt | None = None


@router.get("/accounts/{account_id}/value")
def account_value(account_id: int, session: DbSession) -> AccountValueOut:
    """The account's stored value: expected contract value, each active contract's renewal
    probability and reasons, its expansion history."""
    get_account(session, account_id)
    return AccountValueOut.of(stored_account_value(session, account_id=account_id))


@router.post("/accounts/{account_id}/value")
def recompute_account_value(account_id: int, session: DbSession, user: ApiUser) -> AccountValueOut:
    """Recompute and store the account's value now (rates learned from every account)."""
    get_account(session, account_id)
    recompute_account_values(session, actor=user, now=utcnow(), account_ids=[account_id])
    return AccountValueOut.of(stored_account_value(session, account_id=account_id))


@router.post("/account-values/recompute")
def recompute_every_account_value(session: DbSession, user: ApiUser) -> AccountValueRecomputeOut:
    """Refit the renewal rates and recompute every account's value (managers)."""
    run = recompute_account_values(session, actor=user, now=utcnow())
    return AccountValueRecomputeOut(
        accounts=len(run.results),
        contracts=sum(len(result.contracts) for result in run.results),
        terms_learned_from=run.rates.counts.get((), (0, 0))[0],
    )


@router.get("/account-values/rates")
def renewal_rates(session: DbSession) -> RenewalRatesOut:
    """The latest fit: past terms and smoothed renewal rate per segment."""
    return RenewalRatesOut.of(latest_rate_fit(session))


@router.get("/account-values/settings")
def settings(session: DbSession) -> AccountValueSettingsOut:
    """Discount rate, horizon, segment fields, prior strength, grace days."""
    return AccountValueSettingsOut.of(account_value_settings(session))


@router.put("/account-values/settings")
def change_settings(
    data: AccountValueSettingsIn, session: DbSession, user: ApiUser
) -> AccountValueSettingsOut:
    """Change some settings (admins); they apply from the next recompute."""
    changes: dict[str, Any] = data.model_dump(exclude_none=True)
    return AccountValueSettingsOut.of(
        set_account_value_settings(session, actor=user, changes=changes)
    )
