"""Input shapes for deals, stakeholders and partners."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import Field

from twofold.core.enums import BuyingRole, ForecastCategory, PartnerRole, Sentiment
from twofold.core.inputs import InputModel


class DealFields(InputModel):
    """Fields a deal can be written with (all optional for PATCH)."""

    account_id: int | None = None
    person_id: int | None = None
    pipeline_id: int | None = None
    stage_id: int | None = None
    amount: str | None = Field(default=None, examples=["48000.00"])
    currency: str | None = Field(default=None, examples=["EUR"])
    expected_close_date: date | None = None
    probability: int | None = Field(
        default=None, ge=0, le=100, description="overrides the stage's probability"
    )
    forecast_category: ForecastCategory | None = Field(
        default=None, description="overrides the stage's forecast category"
    )
    owner_id: int | None = None
    source: str | None = Field(default=None, max_length=100, examples=["referral"])
    next_step: str | None = Field(default=None, max_length=2000)
    lost_reason: str | None = Field(default=None, max_length=2000)
    competitors: list[str] | None = Field(default=None, max_length=50)
    custom: dict[str, Any] | None = None


class DealCreate(DealFields):
    """A new deal on an account or a person."""

    name: str = Field(min_length=1, max_length=300, examples=["Acme - 500 seats"])


class DealUpdate(DealFields):
    """A partial update; a new ``stage_id`` moves the deal through the stage gates."""

    name: str | None = Field(default=None, min_length=1, max_length=300)


class StakeholderCreate(InputModel):
    """A person on the deal's buying committee."""

    person_id: int
    buying_role: BuyingRole
    sentiment: Sentiment = Sentiment.UNKNOWN
    is_primary: bool = False


class StakeholderUpdate(InputModel):
    """Change a stakeholder's sentiment or make them the primary contact."""

    sentiment: Sentiment | None = None
    is_primary: bool | None = None


class PartnerCreate(InputModel):
    """A channel partner account on the deal."""

    account_id: int
    role: PartnerRole
