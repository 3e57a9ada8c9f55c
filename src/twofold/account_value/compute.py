"""Computing account value for many accounts at once, and storing it.

The renewal rates are always learned from every account's past terms (a single account's
history is too short to learn from); the outlooks and values are computed for the accounts
asked for. Stored rows are replaced, so the account page and the health score only read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from twofold.account_value.estimator import PastTerm, RenewalRates, fit_renewal_rates
from twofold.account_value.history import (
    AccountContracts,
    expansion_history,
    load_account_contracts,
    past_terms,
    segment_of,
)
from twofold.account_value.outlook import renewal_outlook
from twofold.account_value.settings import AccountValueSettings, account_value_settings
from twofold.account_value.valuation import Term, expected_value
from twofold.auth.permissions import ensure_manager
from twofold.core.enums import ContractStatus
from twofold.store.models import Account, AccountValue, ContractValue, RenewalRateFit, User

WRITE_CHUNK = 5000


@dataclass
class AccountValueResult:
    """What one account's rows will hold."""

    account_id: int
    contracts: list[dict[str, Any]] = field(default_factory=list)
    expected_values: dict[str, Decimal] = field(default_factory=dict)
    arr: dict[str, Decimal] = field(default_factory=dict)
    expansion: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class AccountValueRun:
    """A computation: the rates learned and every account's result."""

    rates: RenewalRates
    settings: AccountValueSettings
    results: list[AccountValueResult]


def learn_renewal_rates(
    accounts: dict[int, AccountContracts], *, settings: AccountValueSettings, today: date
) -> RenewalRates:
    """Fit the smoothed renewal rates on every past term with an outcome."""
    terms = [
        PastTerm(segment_of(settings.segment_by, account.traits, outcome.contract), outcome.renewed)
        for account in accounts.values()
        for outcome in past_terms(account, today=today, grace_days=settings.grace_days)
    ]
    return fit_renewal_rates(
        terms, fields=settings.segment_by, prior_strength=settings.prior_strength
    )


def compute_account_values(
    session: Session, *, today: date, account_ids: list[int] | None = None
) -> AccountValueRun:
    """Learn the rates, then value ``account_ids`` (every account with contracts if None)."""
    settings = account_value_settings(session)
    everyone = load_account_contracts(session, account_ids=None)
    rates = learn_renewal_rates(everyone, settings=settings, today=today)
    targets = (
        everyone
        if account_ids is None
        else {
            account_id: everyone[account_id] for account_id in account_ids if account_id in everyone
        }
    )
    results = [
        _value_account(session, account_id, account, rates=rates, settings=settings, today=today)
        for account_id, account in sorted(targets.items())
    ]
    if account_ids is not None:  # accounts without contracts get an empty row
        done = {result.account_id for result in results}
        results += [
            AccountValueResult(account_id) for account_id in account_ids if account_id not in done
        ]
    return AccountValueRun(rates, settings, results)


def _value_account(
    session: Session,
    account_id: int,
    account: AccountContracts,
    *,
    rates: RenewalRates,
    settings: AccountValueSettings,
    today: date,
) -> AccountValueResult:
    result = AccountValueResult(account_id)
    outcomes = past_terms(account, today=today, grace_days=settings.grace_days)
    result.expansion = expansion_history(session, account, outcomes)
    for contract in account.contracts:
        if contract.status != ContractStatus.ACTIVE.value or contract.end_date < today:
            continue
        outlook = renewal_outlook(
            contract,
            account,
            rates=rates,
            today=today,
            grace_days=settings.grace_days,
            expansion=result.expansion,
        )
        value = expected_value(
            Term(contract.arr, contract.start_date, contract.end_date),
            renewal_probability=outlook.probability,
            today=today,
            horizon_years=settings.horizon_years,
            annual_discount_rate=settings.discount_rate,
        )
        result.contracts.append(
            {
                "contract_id": contract.id,
                "account_id": account_id,
                "term_end": contract.end_date,
                "renewal_probability": outlook.probability,
                "learned": outlook.learned,
                "reasons": outlook.reasons,
                "expected_value": value,
                "currency": contract.currency,
            }
        )
        result.expected_values[contract.currency] = (
            result.expected_values.get(contract.currency, Decimal(0)) + value
        )
        if contract.start_date <= today:
            result.arr[contract.currency] = (
                result.arr.get(contract.currency, Decimal(0)) + contract.arr
            )
    return result


def recompute_account_values(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    account_ids: list[int] | None = None,
) -> AccountValueRun:
    """Compute and store account values (managers for every account; ``actor`` ``None`` is
    the scheduler or the CLI)."""
    if actor is not None and account_ids is None:
        ensure_manager(actor)
    run = compute_account_values(session, today=now.date(), account_ids=account_ids)
    store_account_values(session, run, now=now, everything=account_ids is None)
    return run


def store_account_values(
    session: Session, run: AccountValueRun, *, now: datetime, everything: bool
) -> None:
    """Replace the stored rows of the run's accounts (``everything``: of every account)."""
    results = run.results
    existing = set(session.scalars(select(Account.id))) if everything else None
    if existing is not None:  # computed earlier (the scheduler): deleted accounts drop out
        results = [result for result in results if result.account_id in existing]
    ids = [result.account_id for result in results]
    if everything:
        session.execute(delete(ContractValue))
        session.execute(delete(AccountValue))
    else:
        session.execute(delete(ContractValue).where(ContractValue.account_id.in_(ids)))
        session.execute(delete(AccountValue).where(AccountValue.account_id.in_(ids)))
    contracts = [{**row, "computed_at": now} for result in results for row in result.contracts]
    accounts = [
        {
            "account_id": result.account_id,
            "expected_values": _amounts(result.expected_values),
            "arr": _amounts(result.arr),
            "expansion": result.expansion,
            "computed_at": now,
        }
        for result in results
    ]
    for table, rows in ((ContractValue, contracts), (AccountValue, accounts)):
        for start in range(0, len(rows), WRITE_CHUNK):
            session.execute(insert(table), rows[start : start + WRITE_CHUNK])
    if everything:
        session.add(
            RenewalRateFit(
                computed_at=now,
                settings=run.settings.as_dict(),
                terms=run.rates.counts.get((), (0, 0))[0],
                renewed=run.rates.counts.get((), (0, 0))[1],
                segments=[rate.as_dict() for rate in run.rates.table()],
            )
        )
    session.flush()


def _amounts(values: dict[str, Decimal]) -> dict[str, str]:
    return {
        currency: str(amount.quantize(Decimal("0.01")))
        for currency, amount in sorted(values.items())
    }
