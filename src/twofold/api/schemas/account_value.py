"""Output shapes of B2B account value: renewal outlooks, expected value, expansion, rates."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from twofold.account_value.queries import AccountValueView, ContractOutlookView
from twofold.account_value.settings import AccountValueSettings
from twofold.store.models import RenewalRateFit


def _percent(fraction: float) -> float:
    return round(fraction * 100, 2)


class ContractOutlookOut(BaseModel):
    """An active contract's renewal outlook and expected value."""

    contract_id: int
    name: str
    term_end: date
    arr: str
    currency: str
    renewal_probability: float = Field(ge=0, le=100, description="percent")
    renewal_risk: str = Field(description="high (< 50 %), medium (< 75 %) or low")
    learned: bool = Field(description="false: no term has ended yet, the 50 % prior")
    reasons: list[str]
    expected_value: str

    @classmethod
    def of(cls, view: ContractOutlookView) -> ContractOutlookOut:
        """The API form of a stored outlook."""
        return cls(
            contract_id=view.contract_id,
            name=view.name,
            term_end=view.term_end,
            arr=str(view.arr.quantize(Decimal("0.01"))),
            currency=view.currency,
            renewal_probability=_percent(view.renewal_probability),
            renewal_risk=view.risk,
            learned=view.learned,
            reasons=view.reasons,
            expected_value=str(view.expected_value.quantize(Decimal("0.01"))),
        )


class ExpansionEventOut(BaseModel):
    """An ARR change: a renewal (as a new contract), an amendment, an extension, a churn."""

    date: date
    kind: str = Field(description="renewal, upsell, downsell or churn")
    contract_id: int
    contract: str
    arr_before: str | None
    arr_after: str | None
    change: str | None
    currency: str
    note: str


class AccountValueOut(BaseModel):
    """An account's expected contract value per currency, its contracts' renewal outlooks
    (riskiest first) and its expansion history, as of ``computed_at``."""

    account_id: int
    computed_at: datetime | None = Field(description="null: never computed")
    expected_values: dict[str, str] = Field(description="per currency, over the horizon")
    arr: dict[str, str]
    net_expansion: dict[str, str]
    contracts: list[ContractOutlookOut]
    expansion: list[ExpansionEventOut]

    @classmethod
    def of(cls, view: AccountValueView) -> AccountValueOut:
        """The API form of a stored account value."""
        return cls(
            account_id=view.account_id,
            computed_at=view.computed_at,
            expected_values=view.expected_values,
            arr=view.arr,
            net_expansion=view.net_expansion,
            contracts=[ContractOutlookOut.of(item) for item in view.contracts],
            expansion=[ExpansionEventOut.model_validate(item) for item in view.expansion],
        )


class AccountValueSettingsOut(BaseModel):
    """How renewal rates are learned and value discounted."""

    annual_discount_rate: str
    horizon_years: int
    segment_by: list[str]
    prior_strength: int
    grace_days: int

    @classmethod
    def of(cls, settings: AccountValueSettings) -> AccountValueSettingsOut:
        """The API form."""
        return cls.model_validate(settings.as_dict())


class SegmentRateOut(BaseModel):
    """A segment's past terms and its smoothed renewal rate."""

    segment: dict[str, str]
    terms: int
    renewed: int
    rate: float = Field(description="percent")


class RenewalRatesOut(BaseModel):
    """The latest fit of the renewal rates (``computed_at`` null: never fitted)."""

    computed_at: datetime | None
    terms: int
    renewed: int
    settings: dict[str, Any]
    segments: list[SegmentRateOut]

    @classmethod
    def of(cls, fit: RenewalRateFit | None) -> RenewalRatesOut:
        """The API form of a stored fit."""
        if fit is None:
            return cls(computed_at=None, terms=0, renewed=0, settings={}, segments=[])
        return cls(
            computed_at=fit.computed_at,
            terms=fit.terms,
            renewed=fit.renewed,
            settings=fit.settings,
            segments=[
                SegmentRateOut(
                    segment=item["segment"],
                    terms=item["terms"],
                    renewed=item["renewed"],
                    rate=_percent(item["rate"]),
                )
                for item in fit.segments
            ],
        )


class AccountValueRecomputeOut(BaseModel):
    """What a recompute of every account did."""

    accounts: int
    contracts: int
    terms_learned_from: int
