"""Accounts: company names and domains, firmographics, owners, and group hierarchies."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from babel.numbers import get_currency_precision

from twofold.core.enums import AccountLifecycle, AccountTier, RecordType
from twofold.core.progress import ProgressReporter
from twofold.demo.bulk import BulkWriter
from twofold.demo.countries import COUNTRIES, Country
from twofold.demo.names import NAME_POOLS, ascii_slug, searchable
from twofold.demo.progress import PhaseTicker
from twofold.demo.specs import ACCOUNTS, TIMELINE
from twofold.demo.words import (
    BRAND_ENDS,
    BRAND_STARTS,
    GROUP_WORDS,
    INDUSTRIES,
    PARTNER_INDUSTRIES,
)
from twofold.demo.world import DAY, AccountFacts, World, weighted
from twofold.timeline import kinds

TIERS = (AccountTier.STRATEGIC, AccountTier.ENTERPRISE, AccountTier.MID_MARKET, AccountTier.SMB)
_TIER_TABLE = weighted(dict(enumerate((2, 10, 33, 55))))
_EMPLOYEES = ((20_000, 250_000), (2_000, 20_000), (200, 2_000), (5, 200))
LIFECYCLES = (
    AccountLifecycle.PROSPECT,
    AccountLifecycle.CUSTOMER,
    AccountLifecycle.FORMER_CUSTOMER,
    AccountLifecycle.PARTNER,
    AccountLifecycle.COMPETITOR,
    AccountLifecycle.OTHER,
)
_LIFECYCLE_TABLE = weighted(dict(enumerate((55, 30, 7, 5, 1, 2))))
PARTNER = LIFECYCLES.index(AccountLifecycle.PARTNER)
COMPETITOR = LIFECYCLES.index(AccountLifecycle.COMPETITOR)
CUSTOMER = LIFECYCLES.index(AccountLifecycle.CUSTOMER)
# 17% of families are groups; with ~5 accounts each that makes ~10% of accounts group roots.
_GROUP_SHARE = 0.17
_COUNTRY_TABLE = weighted({index: country.weight for index, country in enumerate(COUNTRIES)})
_ACCOUNT = RecordType.ACCOUNT.value
_DOMAIN_SUFFIX = ".example"  # reserved (RFC 2606): demo mail can never reach anyone


@dataclass(frozen=True)
class _Family:
    """What subsidiaries inherit from their group."""

    brand: str
    industry: int
    owner: int
    lifecycle: int
    created: int


class CompanyNamer:
    """Realistic company names with domains that are unique across the whole demo."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._domains: set[str] = set()

    def standalone(self, country: Country, industry: int) -> tuple[str, str, str]:
        """``(name, brand, domain)`` of a company that is not part of a group."""
        rng = self._rng
        noun = rng.choice(INDUSTRIES[industry][1])
        pattern = rng.random()
        if pattern < 0.4:
            brand = f"{rng.choice(BRAND_STARTS)}{rng.choice(BRAND_ENDS)} {noun}"
        elif pattern < 0.6:
            brand = f"{rng.choice(BRAND_STARTS)} {noun}"
        elif pattern < 0.8:
            brand = f"{rng.choice(BRAND_STARTS)}{rng.choice(BRAND_ENDS)}"
        else:
            brand = self._surname_brand(country, noun)
        return self._legal(brand, country), brand, self._domain(brand)

    def group(self, country: Country) -> tuple[str, str, str]:
        """``(name, brand, domain)`` of a group's holding company."""
        rng = self._rng
        brand = f"{rng.choice(BRAND_STARTS)}{rng.choice(BRAND_ENDS)}"
        name = f"{brand} {rng.choice(GROUP_WORDS)}"
        return self._legal(name, country), brand, self._domain(brand)

    def subsidiary(self, brand: str, country: Country, industry: int) -> tuple[str, str, str]:
        """``(name, brand, domain)`` of a group member: the group's brand plus a qualifier."""
        qualifier = (
            country.name if self._rng.random() < 0.5 else self._rng.choice(INDUSTRIES[industry][1])
        )
        child_brand = f"{brand} {qualifier}"
        return self._legal(child_brand, country), child_brand, self._domain(child_brand)

    def _surname_brand(self, country: Country, noun: str) -> str:
        culture = COUNTRIES_CULTURE[country.code]
        surnames = NAME_POOLS[culture].last
        if self._rng.random() < 0.5:
            return f"{self._rng.choice(surnames)} & {self._rng.choice(surnames)}"
        return f"{self._rng.choice(surnames)} {noun}"

    def _legal(self, name: str, country: Country) -> str:
        if self._rng.random() < 0.5:
            return name
        return f"{name} {self._rng.choice(country.legal_forms)}"

    def _domain(self, brand: str) -> str:
        base = "-".join(slug for word in brand.split() if (slug := ascii_slug(word)))
        domain, number = f"{base}{_DOMAIN_SUFFIX}", 1
        while domain in self._domains:
            number += 1
            domain = f"{base}{number}{_DOMAIN_SUFFIX}"
        self._domains.add(domain)
        return domain


# The culture a company's founders' surnames come from: the country's most common one.
COUNTRIES_CULTURE = {
    country.code: max(country.cultures, key=lambda pair: pair[1])[0] for country in COUNTRIES
}
_PLACES = {
    country.currency: Decimal(1).scaleb(-get_currency_precision(country.currency))
    for country in COUNTRIES
}


def generate_accounts(
    world: World, writer: BulkWriter, *, total: int, progress: ProgressReporter
) -> AccountFacts:
    """Write ``total`` accounts (standalone companies and groups) with their created entries."""
    rng = world.rng("accounts")
    facts = AccountFacts(first_id=world.ids_for(ACCOUNTS).next)
    builder = _AccountBuilder(world, writer, facts, rng)
    ticker = PhaseTicker(progress, writer, "Accounts", total)
    while facts.count < total:
        before = facts.count
        if rng.random() < _GROUP_SHARE:
            builder.add_group(room=total - facts.count)
        else:
            builder.add_standalone()
        ticker.tick(facts.count - before)
    ticker.done()
    return facts


class _Placement(NamedTuple):
    """Where an account sits: indexes into the word lists, its owner, parent and birth."""

    industry: int
    country: int
    tier: int
    lifecycle: int
    owner: int
    parent: int | None
    created: int


class _AccountBuilder:
    """Adds one account (or one whole group) at a time to the writer and the facts."""

    def __init__(
        self, world: World, writer: BulkWriter, facts: AccountFacts, rng: random.Random
    ) -> None:
        self._world, self._facts, self._rng = world, facts, rng
        self._namer = CompanyNamer(rng)
        self._values = writer.values
        self._accounts = writer.rows(ACCOUNTS)
        self._timeline = writer.rows(TIMELINE)
        self._account_ids = world.ids_for(ACCOUNTS)
        self._timeline_ids = world.ids_for(TIMELINE)

    def add_standalone(self) -> None:
        """One company without parent or subsidiaries."""
        rng = self._rng
        country = self._pick_country()
        lifecycle = rng.choice(_LIFECYCLE_TABLE)
        industry = self._pick_industry(partner=lifecycle == PARTNER)
        name, _, domain = self._namer.standalone(COUNTRIES[country], industry)
        tier = rng.choice(_TIER_TABLE)
        created = self._world.clock.now_ts - rng.randint(60 * DAY, 1100 * DAY)
        placement = _Placement(
            industry, country, tier, lifecycle, self._owner_in(country), None, created
        )
        self._add(name, domain, placement)

    def add_group(self, *, room: int) -> None:
        """A holding with 1-5 subsidiaries, some of which have subsidiaries of their own."""
        rng = self._rng
        country = self._pick_country()
        industry = self._pick_industry(partner=False)
        name, brand, domain = self._namer.group(COUNTRIES[country])
        family = _Family(
            brand=brand,
            industry=industry,
            owner=self._owner_in(country),
            lifecycle=rng.choices(range(3), weights=(50, 45, 5))[0],
            created=self._world.clock.now_ts - rng.randint(200 * DAY, 1100 * DAY),
        )
        tier = rng.choice((0, 1))
        root = self._add(
            name,
            domain,
            _Placement(
                industry, country, tier, family.lifecycle, family.owner, None, family.created
            ),
        )
        room -= 1
        for _ in range(rng.randint(1, 5)):
            if room <= 0:
                return
            child, child_brand = self._add_subsidiary(family, parent=root, brand=brand, tier=1)
            room -= 1
            for _ in range(rng.randint(1, 2) if rng.random() < 0.25 else 0):
                if room <= 0:
                    return
                self._add_subsidiary(family, parent=child, brand=child_brand, tier=2)
                room -= 1

    def _add_subsidiary(
        self, family: _Family, *, parent: int, brand: str, tier: int
    ) -> tuple[int, str]:
        rng = self._rng
        country = self._pick_country()
        industry = family.industry if rng.random() < 0.7 else self._pick_industry(partner=False)
        name, child_brand, domain = self._namer.subsidiary(brand, COUNTRIES[country], industry)
        lifecycle = family.lifecycle if rng.random() < 0.8 else 0
        latest = self._world.clock.now_ts - 30 * DAY
        created = min(family.created + rng.randint(0, 120 * DAY), latest)
        placement = _Placement(industry, country, tier, lifecycle, family.owner, parent, created)
        return self._add(name, domain, placement), child_brand

    def _add(self, name: str, domain: str, placement: _Placement) -> int:
        facts, rng = self._facts, self._rng
        account_id = self._account_ids.take()
        place = COUNTRIES[placement.country]
        low, high = _EMPLOYEES[placement.tier]
        employees = int(math.exp(rng.uniform(math.log(low), math.log(high))))
        revenue = _revenue(employees * rng.uniform(60_000, 350_000) * place.units_per_usd)
        values = self._values
        at = values.time(placement.created)
        domains = [domain]
        if rng.random() < 0.1:
            domains.append(f"{domain.removesuffix(_DOMAIN_SUFFIX)}-online{_DOMAIN_SUFFIX}")
        self._accounts.append((
            account_id, name, values.strings(domains), INDUSTRIES[placement.industry][0], employees,
            values.money(revenue.quantize(_PLACES[place.currency])), place.currency, place.code,
            place.region, TIERS[placement.tier].value, LIFECYCLES[placement.lifecycle].value,
            placement.owner, placement.parent, values.empty_object, searchable(name, *domains),
            at, at, 1,
        ))  # fmt: skip
        self._timeline.append((
            self._timeline_ids.take(), _ACCOUNT, account_id, at, placement.owner,
            kinds.CREATED, f"Account {name} created", values.empty_object, None,
        ))  # fmt: skip
        facts.names.append(name)
        facts.domains.append(domain)
        facts.created.append(placement.created)
        facts.owner.append(placement.owner)
        facts.country.append(placement.country)
        facts.tier.append(placement.tier)
        facts.lifecycle.append(placement.lifecycle)
        if placement.lifecycle == PARTNER:
            facts.partner_ids.append(account_id)
        return account_id

    def _pick_country(self) -> int:
        return self._rng.choice(_COUNTRY_TABLE)

    def _pick_industry(self, *, partner: bool) -> int:
        if partner:
            wanted = self._rng.choice(PARTNER_INDUSTRIES)
            return next(index for index, (name, _) in enumerate(INDUSTRIES) if name == wanted)
        return self._rng.randrange(len(INDUSTRIES))

    def _owner_in(self, country: int) -> int:
        team = self._world.team
        return self._rng.choice(team.reps_by_region[COUNTRIES[country].region] or team.reps)


def _revenue(value: float) -> Decimal:
    """Three significant digits, as annual revenue is usually quoted."""
    digits = max(0, int(math.log10(max(value, 1))) - 2)
    return Decimal(round(value / 10**digits) * 10**digits)
