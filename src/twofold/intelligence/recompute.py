"""Computing health and ABM status for many accounts at once, and storing them.

Every fact is one grouped query over all accounts (facts.py, engagement.py); scoring is a
pass over the results in memory; the rows are written back with executemany. The day's
snapshot is replaced, so a recompute later the same day keeps the newest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from twofold.auth.permissions import ensure_manager
from twofold.core.enums import AbmStatus
from twofold.events.store import EventStore
from twofold.intelligence.abm import abm_status
from twofold.intelligence.config import health_weights
from twofold.intelligence.engagement import Engagement, EngagementFacts, engagement_by_account
from twofold.intelligence.facts import AccountFacts, gather_facts
from twofold.intelligence.health import HealthInputs, Reason, score_account
from twofold.store.models import Account, AccountHealth, HealthSnapshot, User

WRITE_CHUNK = 5000


@dataclass(frozen=True)
class AccountHealthResult:
    """One account's score, reasons and ABM status."""

    account_id: int
    score: int
    reasons: list[Reason]
    abm_status: AbmStatus
    abm_reason: str


def compute_health(
    session: Session,
    *,
    store: EventStore | None,
    now: datetime,
    default_lead_days: int,
    account_ids: list[int] | None = None,
) -> list[AccountHealthResult]:
    """Health and ABM status of ``account_ids`` (every account when ``None``)."""
    today = now.date()
    ids = (
        list(session.scalars(select(Account.id).order_by(Account.id)))
        if account_ids is None
        else account_ids
    )
    facts = gather_facts(
        session, today=today, now=now, default_lead_days=default_lead_days, account_ids=account_ids
    )
    events = (
        engagement_by_account(store, now=now, account_ids=account_ids)
        if store is not None
        else None
    )
    weights = health_weights(session)
    results = []
    for account_id in ids:
        account_facts = facts.get(account_id) or AccountFacts()
        engagement = _engagement_of(events, account_id)
        inputs = HealthInputs(
            facts=account_facts,
            engagement=engagement,
            product_usage_tracked=events is not None and events.product_usage_tracked,
        )
        score, reasons = score_account(inputs, weights=weights, now=now)
        status, why = abm_status(account_facts, engagement, now=now)
        results.append(AccountHealthResult(account_id, score, reasons, status, why))
    return results


def recompute_health(
    session: Session,
    *,
    actor: User | None,
    store: EventStore | None,
    now: datetime,
    default_lead_days: int,
    account_ids: list[int] | None = None,
) -> int:
    """Compute and store health, ABM status and today's snapshot; returns how many
    accounts. ``actor`` ``None`` is the scheduler or the CLI; people need manager rights
    for a recompute of every account."""
    if actor is not None and account_ids is None:
        ensure_manager(actor)
    results = compute_health(
        session, store=store, now=now, default_lead_days=default_lead_days, account_ids=account_ids
    )
    store_health(session, results, now=now, everything=account_ids is None)
    return len(results)


def _engagement_of(events: EngagementFacts | None, account_id: int) -> Engagement | None:
    if events is None:
        return None
    return events.by_account.get(account_id) or Engagement()


def store_health(
    session: Session, results: list[AccountHealthResult], *, now: datetime, everything: bool
) -> None:
    """Write ``results`` as the current health and today's snapshots (``everything``: the
    results cover every account, so rows of accounts not in them go)."""
    today: date = now.date()
    ids = [result.account_id for result in results]
    # Computed in an earlier transaction (the scheduler): accounts deleted since are left out.
    existing = set(session.scalars(select(Account.id))) if everything else set(ids)
    results = [result for result in results if result.account_id in existing]
    if everything:
        session.execute(delete(AccountHealth))
        session.execute(delete(HealthSnapshot).where(HealthSnapshot.day == today))
    else:
        session.execute(delete(AccountHealth).where(AccountHealth.account_id.in_(ids)))
        session.execute(
            delete(HealthSnapshot).where(
                HealthSnapshot.day == today, HealthSnapshot.account_id.in_(ids)
            )
        )
    current = [
        {
            "account_id": r.account_id,
            "score": r.score,
            "reasons": [reason.as_dict() for reason in r.reasons],
            "abm_status": r.abm_status.value,
            "abm_reason": r.abm_reason,
            "computed_at": now,
        }
        for r in results
    ]
    # The history keeps only what cost points: that is what explains a change.
    history = [
        {
            "account_id": r.account_id,
            "day": today,
            "score": r.score,
            "reasons": [reason.as_dict() for reason in r.reasons if reason.points],
        }
        for r in results
    ]
    for table, rows in ((AccountHealth, current), (HealthSnapshot, history)):
        for start in range(0, len(rows), WRITE_CHUNK):
            session.execute(insert(table), rows[start : start + WRITE_CHUNK])
    session.flush()
