"""Input shapes for quotas, exchange rates and forecast submissions."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from twofold.core.inputs import InputModel


class QuotaSet(InputModel):
    """A user's quota for a month (``2027-03``) or a quarter (``2027-Q1``)."""

    user_id: int
    period: str = Field(max_length=20, examples=["2027-Q1"])
    amount: str = Field(max_length=40, examples=["250000.00"])
    currency: str | None = Field(
        default=None, max_length=3, examples=["USD"], description="default: the base currency"
    )


class ExchangeRateCreate(InputModel):
    """How many units of the base currency one unit of ``currency`` is worth from a date on."""

    currency: str = Field(max_length=3, examples=["EUR"])
    rate: str = Field(max_length=40, examples=["1.0825"])
    valid_from: date


class ExchangeRateUpdate(InputModel):
    """A corrected rate."""

    rate: str = Field(max_length=40, examples=["1.0825"])


class SubmissionCreate(InputModel):
    """Your call for a period: what you expect to close, in the base currency."""

    period: str = Field(max_length=20, examples=["2027-Q1"])
    amount: str = Field(max_length=40, examples=["180000.00"])
    currency: str | None = Field(
        default=None, max_length=3, description="must be the base currency when sent"
    )
    note: str | None = Field(default=None, max_length=2000)
