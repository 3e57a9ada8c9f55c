"""Input shapes for accounts, shared by the API, the web forms and the CLI."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from twofold.core.enums import AccountLifecycle, AccountTier
from twofold.core.inputs import InputModel


class AccountFields(InputModel):
    """Fields an account can be written with (all optional for PATCH)."""

    domains: list[str] | None = Field(default=None, examples=[["acme.com"]])
    industry: str | None = Field(default=None, max_length=100, examples=["Software"])
    employees: int | None = Field(default=None, ge=0, le=10_000_000)
    annual_revenue: str | None = Field(default=None, examples=["12500000.00"])
    annual_revenue_currency: str | None = Field(default=None, examples=["USD"])
    country: str | None = Field(default=None, examples=["NL"])
    region: str | None = Field(default=None, max_length=100, examples=["EMEA"])
    tier: AccountTier | None = None
    lifecycle: AccountLifecycle | None = None
    owner_id: int | None = None
    parent_id: int | None = None
    custom: dict[str, Any] | None = None


class AccountCreate(AccountFields):
    """A new account; only the name is required."""

    name: str = Field(min_length=1, max_length=300, examples=["Acme Corporation"])


class AccountUpdate(AccountFields):
    """A partial update: only the fields present are changed; ``null`` clears a field."""

    name: str | None = Field(default=None, min_length=1, max_length=300)
