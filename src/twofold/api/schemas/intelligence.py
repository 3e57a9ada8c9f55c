"""Output shapes of account health, ABM status, share of wallet and whitespace."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from twofold.intelligence.wallet import Wallet, WhitespaceItem


class HealthReasonOut(BaseModel):
    """One signal's effect on the score."""

    signal: str
    points: int = Field(description="points taken off 100 (0 or negative)")
    message: str


class HealthPointOut(BaseModel):
    """A daily snapshot of the score."""

    day: date
    score: int
    reasons: list[HealthReasonOut]


class AccountHealthOut(BaseModel):
    """An account's health now, its ABM status, and its daily history."""

    account_id: int
    score: int = Field(ge=0, le=100)
    reasons: list[HealthReasonOut]
    abm_status: str
    abm_reason: str
    computed_at: datetime
    history: list[HealthPointOut]


class AbmCardOut(BaseModel):
    """An account on the ABM board."""

    account_id: int
    name: str
    abm_status: str
    abm_reason: str
    score: int
    computed_at: datetime


class AbmCountsOut(BaseModel):
    """How many accounts each ABM status holds."""

    customer: int
    in_pipeline: int
    nurture: int
    cold: int


class RecomputeOut(BaseModel):
    """What a recompute stored."""

    accounts: int
    day: date


class HealthWeightsOut(BaseModel):
    """The weights in force: the most points each signal can cost."""

    weights: dict[str, int]


class WhitespaceOut(BaseModel):
    """A product accounts near this one buy and it does not."""

    product: str
    description: str
    hierarchy_accounts: int
    industry_accounts: int

    @classmethod
    def of(cls, item: WhitespaceItem) -> WhitespaceOut:
        """Render one item."""
        return cls(**item.__dict__)


class WalletOut(BaseModel):
    """Share of wallet in the base currency, with the whitespace."""

    currency: str
    arr: str
    won_revenue: str
    our_revenue: str
    potential: str | None
    potential_source: str | None = Field(description="estimate, employees, or null")
    share_percent: str | None
    unconverted_currencies: list[str]
    whitespace: list[WhitespaceOut]

    @classmethod
    def of(cls, wallet: Wallet, items: list[WhitespaceItem]) -> WalletOut:
        """Render the wallet (money and percent as decimal strings)."""
        share = wallet.share_percent
        return cls(
            currency=wallet.currency,
            arr=str(wallet.arr),
            won_revenue=str(wallet.won_revenue),
            our_revenue=str(wallet.our_revenue),
            potential=None if wallet.potential is None else str(wallet.potential),
            potential_source=wallet.potential_source,
            share_percent=None if share is None else str(share),
            unconverted_currencies=wallet.unconverted_currencies,
            whitespace=[WhitespaceOut.of(item) for item in items],
        )
