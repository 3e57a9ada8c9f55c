"""Persons: the people at each account (with an org chart) and consumers without one."""

from __future__ import annotations

import random
from array import array
from datetime import date, timedelta
from itertools import accumulate
from typing import Any

from twofold.core.enums import BuyingRole, LifecycleStage, RecordType
from twofold.core.progress import ProgressReporter
from twofold.demo.bulk import BulkWriter
from twofold.demo.countries import COUNTRIES, Country, phone_number
from twofold.demo.names import NAME_POOLS, NamePool, ascii_slug, searchable
from twofold.demo.progress import PhaseTicker
from twofold.demo.specs import MEMBERSHIPS, PERSONS, TIMELINE
from twofold.demo.words import (
    ADVISOR_TITLES,
    CEO_TITLES,
    DEPARTMENT_TITLES,
    DEPARTMENT_WEIGHTS,
    DEPARTMENTS,
    LOYALTY_TIERS,
)
from twofold.demo.world import DAY, AccountFacts, PersonFacts, World, weighted
from twofold.timeline import kinds

CONSUMER_SHARE = 0.10
CONSUMER_DOMAINS = ("mail.example.com", "inbox.example.net", "post.example.org", "example.com")
_PEOPLE_PER_TIER = (20.0, 8.0, 3.0, 1.0)
_CEO, _HEAD, _MANAGER, _STAFF = range(4)
_LEFT_SHARE = 0.055  # of everyone but the CEO: ~5% of memberships have ended
_ADVISOR_SHARE = 0.01
_STAGES = tuple(stage.value for stage in LifecycleStage)
_PERSON = RecordType.PERSON.value
# Account lifecycle index (see accounts.LIFECYCLES) → weights over LifecycleStage:
#  subscriber, lead, mql, sql, opportunity, customer, evangelist, other
_STAGE_WEIGHTS = (
    (3, 40, 25, 15, 15, 0, 0, 2),  # prospect
    (0, 2, 3, 5, 10, 60, 15, 5),  # customer
    (0, 25, 5, 5, 5, 30, 0, 30),  # former customer
    (0, 0, 0, 0, 0, 0, 0, 1),  # partner
    (0, 0, 0, 0, 0, 0, 0, 1),  # competitor
    (0, 20, 0, 0, 0, 0, 0, 80),  # other
)
_STAGE_TABLES = tuple(weighted(dict(zip(_STAGES, row, strict=True))) for row in _STAGE_WEIGHTS)
_CONSUMER_STAGES = weighted(dict(zip(_STAGES, (25, 20, 5, 0, 0, 40, 5, 5), strict=True)))
_DEPARTMENTS = weighted(dict(zip(DEPARTMENTS, DEPARTMENT_WEIGHTS, strict=True)))
_EMAIL_PATTERNS = weighted({"{first}.{last}": 6, "{f}{last}": 2, "{first}_{last}": 1, "{first}": 1})
_HEAD_ROLES: dict[str, tuple[BuyingRole, ...]] = {
    "Finance": (BuyingRole.ECONOMIC_BUYER, BuyingRole.APPROVER),
    "IT": (BuyingRole.TECHNICAL_EVALUATOR, BuyingRole.SPECIFIER),
    "Engineering": (BuyingRole.TECHNICAL_EVALUATOR, BuyingRole.SPECIFIER),
    "Procurement": (BuyingRole.PROCUREMENT,),
    "Legal": (BuyingRole.REVIEWER, BuyingRole.APPROVER),
}
_STAFF_ROLES = weighted({
    BuyingRole.BUSINESS_USER.value: 40, BuyingRole.INFLUENCER.value: 25,
    BuyingRole.REVIEWER.value: 10, BuyingRole.TECHNICAL_EVALUATOR.value: 12,
    BuyingRole.CHAMPION.value: 8, BuyingRole.BLOCKER.value: 5,
})  # fmt: skip


def generate_persons(
    world: World, writer: BulkWriter, *, total: int, progress: ProgressReporter
) -> PersonFacts:
    """Write ``total`` persons: B2B people with memberships first, then consumers."""
    accounts = world.accounts
    if accounts is None:
        raise RuntimeError("accounts must be generated before persons")
    rng = world.rng("persons")
    consumers = min(total - accounts.count, round(total * CONSUMER_SHARE))
    facts = PersonFacts(first_id=world.ids_for(PERSONS).next)
    facts.count = _people_per_account(rng, accounts, total - consumers)
    facts.start = array("q", accumulate(facts.count, initial=facts.first_id))[:-1]
    facts.left = bytearray(total - consumers)
    ticker = PhaseTicker(progress, writer, "Persons", total)
    builder = _PersonBuilder(world, writer, accounts, facts, rng)
    for index in range(accounts.count):
        builder.add_people_at(index)
        ticker.tick(facts.count[index])
    facts.consumer_first_id = world.ids_for(PERSONS).next
    for _ in range(consumers):
        builder.add_consumer()
        ticker.tick()
    ticker.done()
    return facts


def _people_per_account(rng: random.Random, accounts: AccountFacts, people: int) -> array[int]:
    """At least one (the CEO) per account, the rest spread by tier."""
    counts = array("q", [1]) * accounts.count
    weights = [_PEOPLE_PER_TIER[tier] * rng.uniform(0.5, 1.5) for tier in accounts.tier]
    for index in rng.choices(range(accounts.count), weights=weights, k=people - accounts.count):
        counts[index] += 1
    return counts


class _OrgChart:
    """Who leads each department of one account while its people are generated."""

    def __init__(self, ceo: int) -> None:
        self.ceo = ceo
        self.leads: dict[str, list[int]] = {}


class _PersonBuilder:
    """Adds the people of one account (or one consumer) to the writer."""

    def __init__(
        self,
        world: World,
        writer: BulkWriter,
        accounts: AccountFacts,
        facts: PersonFacts,
        rng: random.Random,
    ) -> None:
        self._world, self._accounts, self._facts, self._rng = world, accounts, facts, rng
        self._values = writer.values
        self._persons = writer.rows(PERSONS)
        self._memberships = writer.rows(MEMBERSHIPS)
        self._timeline = writer.rows(TIMELINE)
        self._person_ids = world.ids_for(PERSONS)
        self._membership_ids = world.ids_for(MEMBERSHIPS)
        self._timeline_ids = world.ids_for(TIMELINE)
        self._personal_emails: set[str] = set()
        self._encoded_traits: dict[tuple[Any, ...], Any] = {}
        self._today = world.clock.now.date()

    def add_people_at(self, index: int) -> None:
        """The CEO, department heads, managers and staff of one account."""
        rng, accounts = self._rng, self._accounts
        country = COUNTRIES[accounts.country[index]]
        pattern = rng.choice(_EMAIL_PATTERNS)
        used: set[str] = set()
        chart = _OrgChart(ceo=self._facts.start[index])
        for position in range(self._facts.count[index]):
            first, last = _name(rng, country)
            email = _work_email(pattern, first, last, accounts.domains[index], used)
            role = self._place_in_chart(chart, position)
            self._add_member(index, country, (first, last, email), role)

    def _place_in_chart(self, chart: _OrgChart, position: int) -> tuple[int, str, int | None]:
        """``(rank, department, reports_to)`` of the next person of an account."""
        if position == 0:
            return _CEO, "Executive", None
        rng = self._rng
        department = rng.choice(_DEPARTMENTS)
        leads = chart.leads.get(department)
        if not leads:
            chart.leads[department] = [chart.ceo + position]
            return _HEAD, department, chart.ceo
        boss = rng.choice(leads)
        if rng.random() < 0.2:
            leads.append(chart.ceo + position)
            return _MANAGER, department, boss
        return _STAFF, department, boss

    def _add_member(
        self,
        index: int,
        country: Country,
        identity: tuple[str, str, str],
        role: tuple[int, str, int | None],
    ) -> None:
        rng, clock, accounts = self._rng, self._world.clock, self._accounts
        first, last, email = identity
        rank, department, reports_to = role
        person_id = self._person_ids.take()
        title = _title(rng, rank, department)
        created = accounts.created[index]
        if rank != _CEO:
            created += int((clock.now_ts - created - DAY) * rng.random() ** 2)
        emails = [email]
        if rng.random() < 0.1:
            emails.append(self._personal_email(first, last))
        stage = rng.choice(_STAGE_TABLES[accounts.lifecycle[index]])
        self._add_person(
            person_id,
            identity=(first, last, emails),
            phones=_phones(rng, country, person_id),
            title=title,
            owner=accounts.owner[index],
            stage=stage,
            traits=(country.code,) if rng.random() < 0.5 else (),
            created=created,
        )
        tenure = self._tenure(person_id, created, may_leave=rank != _CEO)
        self._add_membership(
            (person_id, accounts.first_id + index),
            title=title,
            department=department,
            reports_to=reports_to,
            buying_roles=_buying_roles(rng, rank, department),
            tenure=tenure,
            created=created,
        )
        if rank != _CEO and index > 0 and rng.random() < _ADVISOR_SHARE:
            self._add_advisor(person_id, rng.randrange(index), tenure[0], created)

    def _tenure(self, person_id: int, created: int, *, may_leave: bool) -> tuple[date, date | None]:
        """When the person joined the account and, for ~5%, when they left it."""
        rng, today = self._rng, self._today
        started = self._world.clock.at(created).date() - timedelta(days=rng.randint(0, 3000))
        if may_leave and rng.random() < _LEFT_SHARE and started < today - timedelta(60):
            self._facts.left[person_id - self._facts.first_id] = 1
            return started, started + timedelta(days=rng.randint(30, (today - started).days - 1))
        return started, None

    def _add_advisor(self, person_id: int, other: int, started: date, created: int) -> None:
        """A second membership: the person also advises an account generated earlier."""
        self._add_membership(
            (person_id, self._accounts.first_id + other),
            title=self._rng.choice(ADVISOR_TITLES),
            department="Executive",
            reports_to=None,
            buying_roles=[BuyingRole.INFLUENCER.value],
            tenure=(started, None),
            created=created,
        )

    def add_consumer(self) -> None:
        """A person who buys for themselves: personal email, no account."""
        rng, clock = self._rng, self._world.clock
        country = rng.choice(_CONSUMER_COUNTRIES)
        first, last = _name(rng, country)
        person_id = self._person_ids.take()
        owner = rng.choice(self._world.team.reps) if rng.random() < 0.2 else None
        traits: tuple[Any, ...] = ()
        if rng.random() < 0.7:
            traits = (country.code, rng.choice(LOYALTY_TIERS), rng.random() < 0.6)
        stage = rng.choice(_CONSUMER_STAGES)
        phones = [phone_number(country.mobile_prefix, person_id)] if rng.random() < 0.8 else []
        created = clock.now_ts - rng.randint(DAY, 1100 * DAY)
        emails = [self._personal_email(first, last)]
        self._add_person(
            person_id,
            identity=(first, last, emails),
            phones=phones,
            title=None,
            owner=owner,
            stage=stage,
            traits=traits,
            created=created,
        )
        self._facts.consumer_names.append(f"{first} {last}")
        self._facts.consumer_created.append(created)

    def _add_person(
        self,
        person_id: int,
        *,
        identity: tuple[str, str, list[str]],
        phones: list[str],
        title: str | None,
        owner: int | None,
        stage: str,
        traits: tuple[Any, ...],
        created: int,
    ) -> None:
        first, last, emails = identity
        values = self._values
        at = values.time(created)
        self._persons.append((
            person_id, first, last, values.strings(emails), values.strings(phones), emails[0],
            title, owner, stage, self._traits(traits), values.empty_object,
            searchable(first, last, *emails), at, at, 1,
        ))  # fmt: skip
        self._timeline.append((
            self._timeline_ids.take(), _PERSON, person_id, at, owner,
            kinds.CREATED, f"Person {first} {last} created", values.empty_object, None,
        ))  # fmt: skip

    def _add_membership(
        self,
        pair: tuple[int, int],
        *,
        title: str,
        department: str,
        reports_to: int | None,
        buying_roles: list[str],
        tenure: tuple[date, date | None],
        created: int,
    ) -> None:
        values = self._values
        at = values.time(created)
        started, ended = tenure
        self._memberships.append((
            self._membership_ids.take(), *pair, title, department, reports_to,
            values.strings(buying_roles), values.day(started),
            None if ended is None else values.day(ended), at, at, 1,
        ))  # fmt: skip
        self._facts.memberships += 1

    def _traits(self, key: tuple[Any, ...]) -> Any:
        """Encoded traits; there are only a few hundred different ones, so encode each once."""
        encoded = self._encoded_traits.get(key)
        if encoded is None:
            encoded = self._encoded_traits[key] = self._values.json(_traits_document(key))
        return encoded

    def _personal_email(self, first: str, last: str) -> str:
        rng = self._rng
        local = f"{ascii_slug(first)}.{ascii_slug(last)}"
        domain = rng.choice(CONSUMER_DOMAINS)
        email = f"{local}@{domain}"
        while email in self._personal_emails:
            email = f"{local}{rng.randint(1, 9999)}@{domain}"
        self._personal_emails.add(email)
        return email


_CONSUMER_COUNTRIES = weighted({country: country.weight for country in COUNTRIES})
COUNTRY_BY_CODE = {country.code: country for country in COUNTRIES}
_POOLS: dict[str, tuple[NamePool, ...]] = {
    country.code: weighted({NAME_POOLS[culture]: weight for culture, weight in country.cultures})
    for country in COUNTRIES
}


def _name(rng: random.Random, country: Country) -> tuple[str, str]:
    pool = rng.choice(_POOLS[country.code])
    return rng.choice(pool.first), rng.choice(pool.last)


def _work_email(pattern: str, first: str, last: str, domain: str, used: set[str]) -> str:
    first_slug, last_slug = ascii_slug(first) or "contact", ascii_slug(last) or "person"
    local = pattern.format(first=first_slug, last=last_slug, f=first_slug[0])
    candidate, number = local, 1
    while candidate in used:
        number += 1
        candidate = f"{local}{number}"
    used.add(candidate)
    return f"{candidate}@{domain}"


def _phones(rng: random.Random, country: Country, person_id: int) -> list[str]:
    roll = rng.random()
    if roll < 0.15:
        return []
    mobile = phone_number(country.mobile_prefix, person_id)
    if roll < 0.6:
        return [mobile]
    office = phone_number(country.office_prefix, person_id)
    return [mobile, office] if roll < 0.85 else [office]


def _title(rng: random.Random, rank: int, department: str) -> str:
    if rank == _CEO:
        return rng.choice(CEO_TITLES)
    return rng.choice(DEPARTMENT_TITLES[department][rank - 1])


def _buying_roles(rng: random.Random, rank: int, department: str) -> list[str]:
    if rank == _CEO:
        roles = [BuyingRole.DECISION_MAKER] if rng.random() < 0.7 else []
        if rng.random() < 0.3:
            roles.append(BuyingRole.EXECUTIVE_SPONSOR)
        return [role.value for role in roles]
    if rank == _HEAD:
        choices = _HEAD_ROLES.get(department, (BuyingRole.BUSINESS_USER, BuyingRole.INFLUENCER))
        return [rng.choice(choices).value]
    if rng.random() < 0.5:
        return []
    return [rng.choice(_STAFF_ROLES)]


def _traits_document(key: tuple[Any, ...]) -> dict[str, Any]:
    """``(country code[, loyalty tier, newsletter])`` as a person's traits."""
    if not key:
        return {}
    country = COUNTRY_BY_CODE[key[0]]
    traits: dict[str, Any] = {"language": country.language, "timezone": country.timezone}
    if len(key) == 3:
        traits["loyalty_tier"], traits["newsletter"] = key[1], key[2]
    return traits
