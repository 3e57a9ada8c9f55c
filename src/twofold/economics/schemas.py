"""Input shapes for marketing spend."""

from __future__ import annotations

from pydantic import Field

from twofold.core.enums import SpendPurpose
from twofold.core.inputs import InputModel


class MarketingSpendCreate(InputModel):
    """What was spent on a channel in a month (``2027-03``), and what for."""

    channel: str = Field(min_length=1, max_length=100, examples=["web"])
    month: str = Field(max_length=7, examples=["2027-03"])
    amount: str = Field(max_length=40, examples=["1250.00"])
    currency: str | None = Field(
        default=None, max_length=3, examples=["USD"], description="default: the base currency"
    )
    note: str = Field(default="", max_length=2000)
    purpose: SpendPurpose = Field(
        default=SpendPurpose.ACQUISITION,
        description="acquisition (counts in CAC) or retention (counts in retention cost)",
    )


class MarketingSpendUpdate(InputModel):
    """A corrected amount or note (channel, month and currency stay)."""

    amount: str | None = Field(default=None, max_length=40, examples=["1300.00"])
    note: str | None = Field(default=None, max_length=2000)
