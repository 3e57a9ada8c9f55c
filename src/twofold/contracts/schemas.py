"""Input shapes for contracts and their product lines."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from twofold.core.enums import BillingPeriod, ContractStatus
from twofold.core.inputs import InputModel

MAX_LEAD_DAYS = 3650
MAX_LINES = 100


class ContractLineIn(InputModel):
    """A product line: free text until products exist, with its yearly amount."""

    description: str = Field(min_length=1, max_length=300, examples=["Analytics add-on"])
    amount: str = Field(examples=["12000.00"])


class ContractFields(InputModel):
    """Fields a contract can be written with (all optional for PATCH)."""

    account_id: int | None = None
    person_id: int | None = None
    status: ContractStatus | None = None
    start_date: date | None = None
    end_date: date | None = Field(default=None, description="the term's last day (inclusive)")
    auto_renew: bool | None = None
    billing_period: BillingPeriod | None = None
    mrr: str | None = Field(default=None, examples=["1000.00"], description="monthly revenue")
    arr: str | None = Field(
        default=None, examples=["12000.00"], description="annual revenue; 12 x MRR unless given"
    )
    currency: str | None = Field(default=None, examples=["EUR"])
    owner_id: int | None = None
    won_deal_id: int | None = Field(default=None, description="the deal that won the contract")
    renewal_lead_days: int | None = Field(
        default=None,
        ge=0,
        le=MAX_LEAD_DAYS,
        description="days before the end the renewal deal is made (default: the setting)",
    )
    notes: str | None = Field(default=None, max_length=10_000)
    lines: list[ContractLineIn] | None = Field(default=None, max_length=MAX_LINES)


class ContractCreate(ContractFields):
    """A new contract on an account or a person."""

    name: str = Field(min_length=1, max_length=300, examples=["Acme subscription 2027"])
    start_date: date
    end_date: date


class ContractUpdate(ContractFields):
    """A partial update; ``lines``, when sent, replaces every line."""

    name: str | None = Field(default=None, min_length=1, max_length=300)
