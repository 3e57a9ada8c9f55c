"""Deals with 18 months of stage history, stakeholders, partners and timeline entries.

The fields that a visited stage's entry criteria require are always filled in, so every
deal could have reached its stage through the gates (see ``stage_paths`` for the walk).
"""

from __future__ import annotations

import math
import random
from array import array
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from twofold.core.enums import BuyingRole, PartnerRole, RecordType, Sentiment
from twofold.core.progress import ProgressReporter
from twofold.demo.accounts import CUSTOMER, LIFECYCLES, PARTNER
from twofold.demo.bulk import BulkWriter
from twofold.demo.countries import COUNTRIES, DEAL_CURRENCY_BY_COUNTRY, USD_RATES
from twofold.demo.names import searchable
from twofold.demo.progress import PhaseTicker
from twofold.demo.specs import DEALS, PARTNERS, STAGE_HISTORY, STAKEHOLDERS, TIMELINE
from twofold.demo.stage_paths import Path, Route, walk
from twofold.demo.words import (
    COMPETITOR_LOSS,
    COMPETITORS,
    CONSUMER_OFFERINGS,
    DEAL_SOURCE_WEIGHTS,
    DEAL_SOURCES,
    LOST_REASONS,
    NEXT_STEPS,
    OFFERINGS,
    RENEWAL_NAME,
)
from twofold.demo.world import (
    DAY,
    HISTORY_DAYS,
    AccountFacts,
    DealFacts,
    PersonFacts,
    World,
    weighted,
)
from twofold.pipelines.criteria import ROLE_PREFIX
from twofold.timeline import kinds

CONSUMER_DEAL_SHARE = 0.03
RENEWAL_SHARE = 0.3  # of the deals on customer accounts
PARTNER_SHARE = 0.08
_DEALS_PER_TIER = (8.0, 4.0, 2.0, 1.0)
_LIFECYCLE_DEAL_FACTOR = {CUSTOMER: 1.5, PARTNER: 0.3, LIFECYCLES.index("competitor"): 0.0}
_AMOUNT_USD = ((100_000, 2_000_000), (40_000, 500_000), (10_000, 120_000), (2_000, 30_000))
_CONSUMER_AMOUNT_USD = (200, 5_000)
_CENTS = Decimal("0.01")
_PRIMARY_ROLES = tuple(
    role.value
    for role in (BuyingRole.CHAMPION, BuyingRole.DECISION_MAKER, BuyingRole.ECONOMIC_BUYER)
)
_OTHER_ROLES = tuple(
    role.value
    for role in (
        BuyingRole.TECHNICAL_EVALUATOR,
        BuyingRole.BUSINESS_USER,
        BuyingRole.INFLUENCER,
        BuyingRole.APPROVER,
        BuyingRole.PROCUREMENT,
        BuyingRole.REVIEWER,
        BuyingRole.EXECUTIVE_SPONSOR,
        BuyingRole.BLOCKER,
    )
)
_SENTIMENTS = tuple(sentiment.value for sentiment in Sentiment)
# Sentiment tables keyed by "the deal was lost": positive, neutral, negative, unknown.
_SENTIMENT_TABLES = {
    lost: weighted(dict(zip(_SENTIMENTS, weights, strict=True)))
    for lost, weights in ((True, (10, 30, 40, 20)), (False, (35, 30, 10, 25)))
}
_SOURCES = weighted(dict(zip(DEAL_SOURCES, DEAL_SOURCE_WEIGHTS, strict=True)))
_PARTNER_ROLES = tuple(role.value for role in PartnerRole)
_DEAL, _ACCOUNT, _PERSON = RecordType.DEAL.value, RecordType.ACCOUNT.value, RecordType.PERSON.value
_SPECS = (DEALS, STAGE_HISTORY, STAKEHOLDERS, PARTNERS, TIMELINE)


@dataclass
class _Draft:
    """The fields of one deal while it is being made up."""

    name: str
    owner: int
    path: Path
    pipeline_id: int
    currency: str
    records: list[tuple[str, int]]
    amount: Decimal | None = None
    expected_close: date | None = None
    next_step: str | None = None
    lost_reason: str | None = None
    source: str | None = None
    competitors: list[str] = field(default_factory=list)
    stakeholders: list[tuple[int, str, str, bool]] = field(default_factory=list)
    partners: list[tuple[int, str]] = field(default_factory=list)


def generate_deals(
    world: World, writer: BulkWriter, *, total: int, progress: ProgressReporter
) -> DealFacts:
    """Write ``total`` deals: on accounts (a few in Renewals) and a few on consumers."""
    accounts, persons = world.accounts, world.persons
    if accounts is None or persons is None:
        raise RuntimeError("accounts and persons must be generated before deals")
    rng = world.rng("deals")
    facts = DealFacts(first_id=world.ids_for(DEALS).next)
    builder = _DealBuilder(world, writer, (accounts, persons, facts), rng)
    consumer_deals = round(total * CONSUMER_DEAL_SHARE) if persons.consumer_names else 0
    if not builder.consumer_route.reach:
        consumer_deals = 0
    ticker = PhaseTicker(progress, writer, "Deals", total)
    per_account = _deals_per_account(rng, accounts, total - consumer_deals)
    for index, count in enumerate(per_account):
        for _ in range(count):
            builder.add_account_deal(index)
        ticker.tick(count)
    for _ in range(consumer_deals):
        builder.add_consumer_deal()
        ticker.tick()
    ticker.done()
    return facts


def _deals_per_account(rng: random.Random, accounts: AccountFacts, deals: int) -> array[int]:
    counts = array("q", [0]) * accounts.count
    weights = [
        _DEALS_PER_TIER[tier] * _LIFECYCLE_DEAL_FACTOR.get(lifecycle, 1.0) * rng.random()
        for tier, lifecycle in zip(accounts.tier, accounts.lifecycle, strict=True)
    ]
    if deals and not any(weights):
        weights = [1.0] * accounts.count
    for index in rng.choices(range(accounts.count), weights=weights, k=deals) if deals else ():
        counts[index] += 1
    return counts


class _DealBuilder:
    """Makes up one deal at a time and appends its rows to the writer's buffers."""

    def __init__(
        self,
        world: World,
        writer: BulkWriter,
        facts: tuple[AccountFacts, PersonFacts, DealFacts],
        rng: random.Random,
    ) -> None:
        self._world, self._rng = world, rng
        self._accounts, self._persons, self._facts = facts
        self.account_route = Route.through(world.pipeline, on_account=True)
        self.renewal_route = Route.through(world.renewals, on_account=True)
        self.consumer_route = Route.through(world.pipeline, on_account=False)
        if not self.account_route.reach:
            raise ValueError(f"deals cannot enter the first stage of {world.pipeline.name!r}")
        self._values = writer.values
        self._stage_changes: dict[tuple[int, int], Any] = {}
        self._rows = {spec.name: writer.rows(spec) for spec in _SPECS}
        self._ids = {spec.name: world.ids_for(spec) for spec in _SPECS}
        self._now = world.clock.now_ts
        self._earliest = self._now - HISTORY_DAYS * DAY
        self._today = world.clock.now.date()

    def add_account_deal(self, index: int) -> None:
        """A deal on the account at ``index``."""
        rng, accounts = self._rng, self._accounts
        renewal = accounts.lifecycle[index] == CUSTOMER and rng.random() < RENEWAL_SHARE
        route = self.renewal_route if renewal and self.renewal_route.reach else self.account_route
        earliest = max(accounts.created[index] + DAY, self._earliest)
        path = walk(rng, route, earliest=earliest, now=self._now)
        owner = accounts.owner[index] if rng.random() < 0.85 else rng.choice(self._world.team.reps)
        country = COUNTRIES[accounts.country[index]].code
        account_id = accounts.first_id + index
        draft = _Draft(
            name="",
            owner=owner,
            path=path,
            pipeline_id=route.plan.id,
            currency=DEAL_CURRENCY_BY_COUNTRY[country],
            records=[(_ACCOUNT, account_id)],
        )
        low, high = _AMOUNT_USD[accounts.tier[index]]
        self._fill_amount_and_close(draft, route, (low, high, 0.6 if renewal else 1.0, 100))
        if renewal:
            year = (draft.expected_close or self._world.clock.at(path.visits[-1][1])).year
            draft.name = f"{accounts.names[index]} — {RENEWAL_NAME} {year}"
        else:
            draft.name = f"{accounts.names[index]} — {rng.choice(OFFERINGS)}"
        self._fill_committee(draft, index, account_id)
        self._fill_sales_fields(draft)
        self._write(draft, account_index=index, person_id=0)

    def add_consumer_deal(self) -> None:
        """A high-touch B2C deal on a consumer (no account)."""
        rng, persons = self._rng, self._persons
        offset = rng.randrange(len(persons.consumer_names))
        person_id = persons.consumer_first_id + offset
        earliest = max(persons.consumer_created[offset] + DAY, self._earliest)
        path = walk(rng, self.consumer_route, earliest=min(earliest, self._now), now=self._now)
        draft = _Draft(
            name=f"{persons.consumer_names[offset]} — {rng.choice(CONSUMER_OFFERINGS)}",
            owner=rng.choice(self._world.team.reps),
            path=path,
            pipeline_id=self.consumer_route.plan.id,
            currency="USD",
            records=[(_PERSON, person_id)],
        )
        low, high = _CONSUMER_AMOUNT_USD
        self._fill_amount_and_close(draft, self.consumer_route, (low, high, 1.0, 10))
        lost = path.current.kind == "lost"
        sentiment = (
            Sentiment.NEGATIVE if lost else rng.choice((Sentiment.POSITIVE, Sentiment.NEUTRAL))
        )
        draft.stakeholders.append(
            (person_id, BuyingRole.DECISION_MAKER.value, sentiment.value, True)
        )
        self._fill_sales_fields(draft)
        self._write(draft, account_index=-1, person_id=person_id)

    def _fill_amount_and_close(
        self, draft: _Draft, route: Route, pricing: tuple[int, int, float, int]
    ) -> None:
        rng, needed = self._rng, draft.path.needed
        low, high, factor, step = pricing
        if "amount" in needed or rng.random() < 0.5:
            usd = math.exp(rng.uniform(math.log(low), math.log(high))) * factor
            units = max(1, round(usd * USD_RATES[draft.currency] / step)) * step
            draft.amount = Decimal(units).quantize(_CENTS)
        if "expected_close_date" in needed or rng.random() < 0.6:
            draft.expected_close = self._expected_close(draft.path, route)

    def _expected_close(self, path: Path, route: Route) -> date:
        rng, (stage, entered) = self._rng, path.visits[-1]
        entered_on = self._world.clock.at(entered).date()
        if stage.kind != "open":
            return entered_on
        if rng.random() < (0.5 if path.stalled else 0.1):
            return self._today - timedelta(days=rng.randint(1, 45))
        position = len(path.visits) - 1
        remaining = sum(days for days, _ in route.stays[position:]) * rng.uniform(0.6, 1.4)
        return max(self._today + timedelta(days=3), entered_on + timedelta(days=int(remaining)))

    def _fill_committee(self, draft: _Draft, index: int, account_id: int) -> None:
        rng, needed = self._rng, draft.path.needed
        roles_needed = [
            name.removeprefix(ROLE_PREFIX) for name in needed if name.startswith(ROLE_PREFIX)
        ]
        if "stakeholders" in needed or roles_needed or rng.random() < 0.7:
            people = self._pick_people(index, rng.randint(1, 5))
            sentiments = _SENTIMENT_TABLES[draft.path.current.kind == "lost"]
            roles = [rng.choice(_PRIMARY_ROLES)]
            roles += [rng.choice(_OTHER_ROLES) for _ in people[1:]]
            for position, (person, role) in enumerate(zip(people, roles, strict=True)):
                sentiment = rng.choice(sentiments)
                draft.stakeholders.append((person, role, sentiment, position == 0))
            for role in roles_needed:
                if role not in roles:
                    draft.stakeholders.append((people[0], role, Sentiment.UNKNOWN.value, False))
        partners = self._accounts.partner_ids
        if partners and rng.random() < PARTNER_SHARE:
            partner = rng.choice(partners)
            if partner != account_id:
                draft.partners.append((partner, rng.choice(_PARTNER_ROLES)))

    def _pick_people(self, index: int, wanted: int) -> list[int]:
        """Distinct current employees of the account (its CEO if everyone sampled left)."""
        persons = self._persons
        start, count = persons.start[index], persons.count[index]
        offsets = self._rng.sample(range(count), min(wanted, count))
        chosen = [
            start + offset
            for offset in offsets
            if not persons.left[start + offset - persons.first_id]
        ]
        return chosen or [start]

    def _fill_sales_fields(self, draft: _Draft) -> None:
        rng, path = self._rng, draft.path
        needed, current = path.needed, path.current
        if "next_step" in needed or (
            current.kind == "open" and rng.random() < (0.3 if len(path.visits) == 1 else 0.8)
        ):
            draft.next_step = rng.choice(NEXT_STEPS)
        if "competitors" in needed or rng.random() < 0.5:
            draft.competitors = rng.sample(COMPETITORS, rng.randint(1, 2))
        if current.kind == "lost":
            reason = rng.choice(LOST_REASONS)
            if reason == COMPETITOR_LOSS:
                draft.competitors = draft.competitors or [rng.choice(COMPETITORS)]
                reason = f"{reason} ({draft.competitors[0]})"
            draft.lost_reason = reason
        if draft.partners:
            draft.source = "partner"
        else:
            draft.source = rng.choice(_SOURCES)

    def _write(self, draft: _Draft, *, account_index: int, person_id: int) -> None:
        values, rows, ids = self._values, self._rows, self._ids
        deal_id = ids[DEALS.name].take()
        visits = draft.path.visits
        current, entered = visits[-1]
        created_at, entered_at = values.time(visits[0][1]), values.time(entered)
        closed_at = entered_at if current.kind != "open" else None
        account_id = draft.records[0][1] if account_index >= 0 else None
        amount = None if draft.amount is None else values.money(draft.amount)
        close = None if draft.expected_close is None else values.day(draft.expected_close)
        rows[DEALS.name].append((
            deal_id, draft.name, account_id, person_id or None, draft.pipeline_id, current.id,
            amount, draft.currency, close, current.probability, False, current.forecast_category,
            False, draft.owner, draft.source, draft.next_step, draft.lost_reason,
            values.strings(draft.competitors), values.empty_object, entered_at, closed_at,
            searchable(draft.name), created_at, entered_at, 1,
        ))  # fmt: skip
        records = [(_DEAL, deal_id), *draft.records]
        self._write_history(deal_id, draft, records)
        for person, role, sentiment, primary in draft.stakeholders:
            rows[STAKEHOLDERS.name].append(
                (ids[STAKEHOLDERS.name].take(), deal_id, person, role, sentiment, primary)
            )
        for partner, role in draft.partners:
            rows[PARTNERS.name].append((ids[PARTNERS.name].take(), deal_id, partner, role))
        facts = self._facts
        facts.created.append(visits[0][1])
        facts.active_until.append(
            self._now if current.kind == "open" and not draft.path.stalled else entered
        )
        facts.owner.append(draft.owner)
        facts.account_index.append(account_index)
        facts.person_id.append(person_id)

    def _stage_change(self, before: int, after: int) -> Any:
        """The encoded ``changes`` of a move; there are only a few distinct ones."""
        encoded = self._stage_changes.get((before, after))
        if encoded is None:
            document = {"stage_id": {"before": before, "after": after}}
            encoded = self._stage_changes[before, after] = self._values.json(document)
        return encoded

    def _write_history(self, deal_id: int, draft: _Draft, records: list[tuple[str, int]]) -> None:
        """One stage-history row per visit; created and stage-changed timeline entries."""
        values, owner, visits = self._values, draft.owner, draft.path.visits
        history, timeline = self._rows[STAGE_HISTORY.name], self._rows[TIMELINE.name]
        history_ids, timeline_ids = self._ids[STAGE_HISTORY.name], self._ids[TIMELINE.name]
        moments = [values.time(entered) for _, entered in visits]
        summary = f"Deal {draft.name} created in {visits[0][0].name}"
        for record_type, record_id in records:
            timeline.append((
                timeline_ids.take(), record_type, record_id, moments[0], owner, kinds.CREATED,
                summary, values.empty_object, None,
            ))  # fmt: skip
        for position, (stage, _) in enumerate(visits):
            left = moments[position + 1] if position + 1 < len(visits) else None
            history.append((
                history_ids.take(), deal_id, stage.id, moments[position], left, owner,
                owner if left is not None else None,
            ))  # fmt: skip
            if position == 0:
                continue
            before = visits[position - 1][0]
            summary = f"{draft.name}: moved from {before.name} to {stage.name}"
            changes = self._stage_change(before.id, stage.id)
            for record_type, record_id in records:
                timeline.append((
                    timeline_ids.take(), record_type, record_id, moments[position], owner,
                    kinds.STAGE_CHANGED, summary, changes, None,
                ))  # fmt: skip
