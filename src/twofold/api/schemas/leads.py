"""Output shapes of web forms, submissions, leads, conversions and lead settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from twofold.api.schemas.common import OutModel, RecordOut
from twofold.leads.conversion import Converted
from twofold.leads.scoring_rules import ScoringRules
from twofold.store.models import WebForm


class FormOut(RecordOut):
    """A web form with its public token and where it posts."""

    name: str
    description: str
    token: str
    fields: list[dict[str, Any]]
    redirect_url: str | None
    consent_text: str | None
    active: bool
    limit_per_address: int
    limit_per_form: int
    public_path: str = Field(description="POST form-encoded or JSON here, no login")

    @classmethod
    def of(cls, form: WebForm) -> FormOut:
        """Render a form."""
        values = {key: getattr(form, key) for key in cls.model_fields if key != "public_path"}
        return cls(**values, public_path=f"/f/{form.token}")


class SnippetOut(BaseModel):
    """The HTML to paste into a web page."""

    html: str


class SubmissionOut(OutModel):
    """One stored submission."""

    id: int
    form_id: int
    person_id: int | None
    lead_id: int | None
    values: dict[str, Any]
    consent_given: bool
    page_url: str | None
    submitted_at: datetime


class LeadOut(RecordOut):
    """A lead: what it told us, where it stands, its score and why."""

    person_id: int
    status: str
    owner_id: int | None
    name: str
    email: str | None
    phone: str | None
    company: str | None
    domain: str | None
    title: str | None
    country: str | None
    source: str
    form_id: int | None
    fields: dict[str, Any]
    score: int
    score_reasons: list[dict[str, Any]]
    scored_at: datetime | None
    disqualified_reason: str | None
    converted_at: datetime | None
    converted_account_id: int | None
    converted_deal_id: int | None


class ConversionOut(BaseModel):
    """What a conversion produced or found."""

    lead: LeadOut
    person_id: int
    account_id: int
    account_created: bool
    membership_id: int
    deal_id: int | None

    @classmethod
    def of(cls, converted: Converted) -> ConversionOut:
        """Render a conversion."""
        return cls(
            lead=LeadOut.model_validate(converted.lead),
            person_id=converted.person.id,
            account_id=converted.account.id,
            account_created=converted.account_created,
            membership_id=converted.membership.id,
            deal_id=converted.deal.id if converted.deal else None,
        )


class AssignmentRuleOut(RecordOut):
    """An assignment rule and its round robin's next position."""

    name: str
    position: int
    countries: list[str]
    user_ids: list[int]
    next_index: int
    active: bool


class ScoringRulesOut(BaseModel):
    """The scoring rules in force."""

    fit: list[dict[str, Any]]
    engagement: list[dict[str, Any]]

    @classmethod
    def of(cls, rules: ScoringRules) -> ScoringRulesOut:
        """Render the rules."""
        return cls(**rules.as_dict())


class FallbackOwnerOut(BaseModel):
    """Who gets the leads no rule takes."""

    fallback_owner_id: int | None


class AssignedOut(BaseModel):
    """How many leads changed owner."""

    changed: int


class RescoredOut(BaseModel):
    """How many leads were scored."""

    rescored: int
