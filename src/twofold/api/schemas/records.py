"""Output shapes of accounts, persons, memberships, pipelines, deals and activities."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import Field

from twofold.api.schemas.common import OutModel, RecordOut, money
from twofold.store.models import Account, Deal


class AccountOut(RecordOut):
    """An account."""

    name: str
    external_id: str | None = Field(description="its id in the system it was imported from")
    domains: list[str]
    industry: str | None
    employees: int | None
    annual_revenue: str | None
    annual_revenue_currency: str | None
    country: str | None
    region: str | None
    tier: str | None
    lifecycle: str
    owner_id: int | None
    parent_id: int | None
    custom: dict[str, Any]

    @classmethod
    def of(cls, account: Account) -> AccountOut:
        """Render an account (money as a decimal string)."""
        values = {key: getattr(account, key) for key in cls.model_fields}
        values["annual_revenue"] = money(account.annual_revenue, account.annual_revenue_currency)
        return cls(**values)


class PersonOut(RecordOut):
    """A person: lead, contact or consumer."""

    external_id: str | None = Field(description="its id in the system it was imported from")
    first_name: str
    last_name: str
    emails: list[str]
    phones: list[str]
    title: str | None
    owner_id: int | None
    lifecycle_stage: str
    traits: dict[str, Any]
    custom: dict[str, Any]


class MembershipOut(RecordOut):
    """A person at an account."""

    person_id: int
    account_id: int
    title: str | None
    department: str | None
    reports_to_id: int | None
    buying_roles: list[str]
    started_on: date | None
    ended_on: date | None
    left: bool = Field(description="true when ended_on is set")


class StageOut(OutModel):
    """A stage of a pipeline."""

    id: int
    pipeline_id: int
    name: str
    position: int
    probability: int
    kind: str
    forecast_category: str
    entry_criteria: list[str]
    exit_criteria: list[str]
    rotting_days: int | None
    version: int


class PipelineOut(OutModel):
    """A pipeline with its stages in order."""

    id: int
    name: str
    is_default: bool
    position: int
    version: int
    stages: list[StageOut]


class DealOut(RecordOut):
    """A deal; ``status`` is its stage's kind (open, won, lost)."""

    name: str
    external_id: str | None = Field(description="its id in the system it was imported from")
    account_id: int | None
    person_id: int | None
    pipeline_id: int
    stage_id: int
    status: str
    amount: str | None
    currency: str
    expected_close_date: date | None
    probability: int
    probability_overridden: bool
    forecast_category: str
    forecast_category_overridden: bool
    owner_id: int | None
    source: str | None
    next_step: str | None
    lost_reason: str | None
    competitors: list[str]
    custom: dict[str, Any]
    stage_entered_at: datetime
    closed_at: datetime | None

    @classmethod
    def of(cls, deal: Deal, *, status: str) -> DealOut:
        """Render a deal with its status and money as a decimal string."""
        values = {key: getattr(deal, key) for key in cls.model_fields if key != "status"}
        values["amount"] = money(deal.amount, deal.currency)
        return cls(status=status, **values)


class StakeholderOut(OutModel):
    """A member of a deal's buying committee."""

    id: int
    deal_id: int
    person_id: int
    buying_role: str
    sentiment: str
    is_primary: bool


class PartnerOut(OutModel):
    """A channel partner on a deal."""

    id: int
    deal_id: int
    account_id: int
    role: str


class StageVisitOut(OutModel):
    """One stay of a deal in a stage."""

    stage_id: int
    stage_name: str
    entered_at: datetime
    left_at: datetime | None
    entered_by_id: int | None
    left_by_id: int | None
    days_in_stage: float


class RoleCoverageOut(OutModel):
    """A buying role on the committee map."""

    role: str
    label: str
    key: bool
    covered: bool
    person_ids: list[int]
    sentiments: list[str]


class ActivityOut(RecordOut):
    """An activity with the records it is linked to."""

    kind: str
    subject: str
    body: str | None
    occurred_at: datetime
    due_at: datetime | None
    done_at: datetime | None
    outcome: str | None
    objections: list[str]
    competitor_mentions: list[str]
    owner_id: int | None
    account_ids: list[int]
    person_ids: list[int]
    deal_ids: list[int]
