"""A lead's score: fit rules over the lead and its matched account, engagement rules over
its person's events (DuckDB), with one reason per rule that gave points."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from twofold.core.time import naive_utc, utcnow
from twofold.events.store import EventStore
from twofold.leads.matching import account_for_domain
from twofold.leads.scoring_config import scoring_rules
from twofold.leads.scoring_rules import EngagementRule, ScoringRules, compare
from twofold.store.models import Account, Lead


@dataclass(frozen=True)
class Reason:
    """Why some points were given."""

    kind: str  # "fit" or "engagement"
    rule: str
    points: int
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The stored shape."""
        return {"kind": self.kind, "rule": self.rule, "points": self.points, "detail": self.detail}


@dataclass(frozen=True)
class Score:
    """The points and the reasons that add up to them."""

    points: int
    reasons: tuple[Reason, ...]


def lead_facts(lead: Lead, account: Account | None) -> dict[str, Any]:
    """What fit rules read: the lead's fields, its raw form values, its matched account."""
    facts: dict[str, Any] = {
        "title": lead.title,
        "company": lead.company,
        "country": lead.country,
        "domain": lead.domain,
        "email": lead.email,
        "source": lead.source,
        "form_id": lead.form_id,
        "name": lead.name,
    }
    facts.update({f"fields.{key}": value for key, value in (lead.fields or {}).items()})
    if account is not None:
        for name in ("employees", "industry", "country", "region", "tier", "lifecycle"):
            facts[f"account.{name}"] = getattr(account, name)
        facts["account.annual_revenue"] = account.annual_revenue
    return facts


def compute_score(
    rules: ScoringRules, facts: Mapping[str, Any], engagement: Mapping[EngagementRule, int]
) -> Score:
    """Add up the fit rules that hold and the capped engagement points."""
    reasons = [
        Reason("fit", rule.label(), rule.points)
        for rule in rules.fit
        if rule.points and compare(rule.op, facts.get(rule.field), rule.value)
    ]
    for rule in rules.engagement:
        count = engagement.get(rule, 0)
        points = count * rule.points
        if rule.max_points is not None:
            points = min(points, rule.max_points) if points >= 0 else max(points, -rule.max_points)
        if points:
            reasons.append(Reason("engagement", rule.label(), points, f"{count} events"))
    return Score(sum(reason.points for reason in reasons), tuple(reasons))


def engagement_counts(
    store: EventStore | None, *, person_ids: Iterable[int], rules: ScoringRules, now: datetime
) -> dict[int, dict[EngagementRule, int]]:
    """Per person, how many events each engagement rule counts (one query, a filtered count
    per rule); without an event store (the demo builder, which runs before the server opens
    DuckDB) none."""
    people = sorted(set(person_ids))
    counts: dict[int, dict[EngagementRule, int]] = {person: {} for person in people}
    if not people or not rules.engagement or store is None:
        return counts
    filters: list[str] = []
    parameters: list[object] = []
    for rule in rules.engagement:
        filters.append(
            "count(*) FILTER (WHERE type = ? AND (? IS NULL OR name = ?) AND timestamp >= ?)"
        )
        since = naive_utc(now - timedelta(days=rule.within_days))
        parameters.extend([rule.type, rule.event, rule.event, since])
    longest = max(rule.within_days for rule in rules.engagement)
    parameters.extend([people, naive_utc(now - timedelta(days=longest)), naive_utc(now)])
    sql = (
        f"SELECT person_id, {', '.join(filters)} FROM events "  # noqa: S608 - fixed fragments
        "WHERE person_id IN (SELECT unnest(?::BIGINT[])) AND timestamp >= ? AND timestamp <= ? "
        "GROUP BY person_id"
    )
    with store.reader() as cursor:
        rows = cursor.execute(sql, parameters).fetchall()
    for person_id, *per_rule in rows:
        counts[int(person_id)] = {
            rule: int(count) for rule, count in zip(rules.engagement, per_rule, strict=True)
        }
    return counts


def rescore_leads(
    session: Session, store: EventStore | None, leads: list[Lead], *, now: datetime | None = None
) -> None:
    """Score ``leads`` afresh with the rules in force (on submit and on demand)."""
    moment = now or utcnow()
    rules = scoring_rules(session)
    counts = engagement_counts(
        store, person_ids=[lead.person_id for lead in leads], rules=rules, now=moment
    )
    for lead in leads:
        account = account_for_domain(session, lead.domain) if lead.domain else None
        score = compute_score(rules, lead_facts(lead, account), counts.get(lead.person_id, {}))
        lead.score = score.points
        lead.score_reasons = [reason.as_dict() for reason in score.reasons]
        lead.scored_at = moment
    session.flush()


def open_leads(session: Session, *, limit: int = 10_000) -> list[Lead]:
    """Leads still being worked (every status but converted and disqualified)."""
    return list(
        session.scalars(
            select(Lead)
            .where(Lead.status.in_(("new", "working", "qualified")))
            .order_by(Lead.id)
            .limit(limit)
        )
    )
