"""Output shapes of contracts, renewal runs and recurring-revenue metrics."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from twofold.api.schemas.common import RecordOut, money
from twofold.contracts.metrics import RetentionMetrics
from twofold.contracts.renewals import RenewalRun
from twofold.store.models import Contract, ContractLine


class ContractLineOut(BaseModel):
    """A product line of a contract."""

    description: str
    product: str = Field(description="the description lower-cased and accent-folded")
    amount: str


class ContractOut(RecordOut):
    """A contract; ``renewal_deal_id`` is the renewal deal of its current term, if made."""

    name: str
    account_id: int | None
    person_id: int | None
    status: str
    start_date: date
    end_date: date
    auto_renew: bool
    billing_period: str
    mrr: str
    arr: str
    currency: str
    owner_id: int | None
    won_deal_id: int | None
    renewal_lead_days: int | None
    notes: str | None
    lines: list[ContractLineOut]
    renewal_deal_id: int | None

    @classmethod
    def of(
        cls, contract: Contract, *, lines: list[ContractLine], renewal_deal_id: int | None
    ) -> ContractOut:
        """Render a contract with its lines (money as decimal strings)."""
        skip = {"lines", "renewal_deal_id", "mrr", "arr"}
        values = {key: getattr(contract, key) for key in cls.model_fields if key not in skip}
        return cls(
            **values,
            mrr=money(contract.mrr, contract.currency) or "0",
            arr=money(contract.arr, contract.currency) or "0",
            lines=[
                ContractLineOut(
                    description=line.description,
                    product=line.product,
                    amount=money(line.amount, contract.currency) or "0",
                )
                for line in lines
            ],
            renewal_deal_id=renewal_deal_id,
        )


class RenewalMadeOut(BaseModel):
    """A renewal deal a run created."""

    contract_id: int
    contract_name: str
    deal_id: int
    deal_name: str
    term_end: date
    amount: str
    currency: str


class RenewalSkippedOut(BaseModel):
    """A contract a run could not renew, and why."""

    contract_id: int
    reason: str


class RenewalRunOut(BaseModel):
    """What a renewal run did."""

    created: list[RenewalMadeOut]
    skipped: list[RenewalSkippedOut]

    @classmethod
    def of(cls, run: RenewalRun) -> RenewalRunOut:
        """Render a run's report."""
        return cls(
            created=[
                RenewalMadeOut(
                    contract_id=made.contract_id,
                    contract_name=made.contract_name,
                    deal_id=made.deal_id,
                    deal_name=made.deal_name,
                    term_end=made.term_end,
                    amount=money(made.amount, made.currency) or "0",
                    currency=made.currency,
                )
                for made in run.created
            ],
            skipped=[RenewalSkippedOut(contract_id=cid, reason=why) for cid, why in run.skipped],
        )


class RetentionMetricsOut(BaseModel):
    """Recurring revenue of a period in the base currency (decision 0015)."""

    period: str
    start: date
    end: date
    currency: str
    opening_arr: str
    closing_arr: str
    new_arr: str
    expansion_arr: str
    contraction_arr: str
    churned_arr: str
    net_revenue_retention: str | None = Field(description="percent; null without opening ARR")
    gross_revenue_retention: str | None = Field(description="percent; null without opening ARR")
    customers_opening: int
    customers_closing: int
    customers_new: int
    customers_churned: int
    unconverted_currencies: list[str] = Field(
        description="currencies without an exchange rate on the period's last day: left out"
    )

    @classmethod
    def of(cls, metrics: RetentionMetrics) -> RetentionMetricsOut:
        """Render the metrics (money and percentages as decimal strings)."""
        nrr, grr = metrics.net_revenue_retention, metrics.gross_revenue_retention
        return cls(
            period=metrics.period.label,
            start=metrics.period.start,
            end=metrics.period.end,
            currency=metrics.currency,
            opening_arr=str(metrics.opening_arr),
            closing_arr=str(metrics.closing_arr),
            new_arr=str(metrics.new_arr),
            expansion_arr=str(metrics.expansion_arr),
            contraction_arr=str(metrics.contraction_arr),
            churned_arr=str(metrics.churned_arr),
            net_revenue_retention=None if nrr is None else str(nrr),
            gross_revenue_retention=None if grr is None else str(grr),
            customers_opening=metrics.customers_opening,
            customers_closing=metrics.customers_closing,
            customers_new=metrics.customers_new,
            customers_churned=metrics.customers_churned,
            unconverted_currencies=metrics.unconverted_currencies,
        )
