"""The demo company is internally consistent: one build per backend, many checks on it."""

from __future__ import annotations

import itertools
import shutil
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import phonenumbers
import pytest
from email_validator import validate_email
from sqlalchemy import select, text

from twofold.core.enums import (
    AccountLifecycle,
    AccountTier,
    ActivityKind,
    BuyingRole,
    LifecycleStage,
    PartnerRole,
    Sentiment,
)
from twofold.core.text import search_text
from twofold.deals.stages import unmet_criteria
from twofold.demo.countries import COUNTRIES
from twofold.demo.generator import DemoSummary, build_demo_company
from twofold.demo.persons import CONSUMER_DOMAINS
from twofold.demo.sizes import DemoSize
from twofold.demo.words import CEO_TITLES, DEPARTMENTS
from twofold.forecasting.forecast import compute_forecast
from twofold.forecasting.periods import PeriodKind, period_containing
from twofold.store.database import Database, open_database
from twofold.store.forecast_totals import rebuild_statements
from twofold.store.local_postgres import LocalPostgres
from twofold.store.models import (
    Account,
    Activity,
    Deal,
    DealForecastMonth,
    DealPartner,
    DealStageVisit,
    DealStakeholder,
    ExchangeRate,
    Lead,
    Membership,
    Person,
    Quota,
    Stage,
    TimelineEntry,
    User,
    activity_accounts,
    activity_deals,
    activity_persons,
)

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
HISTORY_START = NOW - timedelta(days=540)
COUNTRY = {country.code: country for country in COUNTRIES}


@pytest.fixture(scope="module", params=("sqlite", "postgresql"))
def company(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    sqlite_template: Path,
) -> Iterator[tuple[Database, DemoSummary]]:
    """The default-size demo company, built once per backend for this module."""
    server: LocalPostgres | None = None
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("demo-company") / "demo.sqlite3"
        shutil.copyfile(sqlite_template, path)
        url = f"sqlite:///{path}"
    else:
        server = request.getfixturevalue("postgres_server")
        server.execute("CREATE DATABASE demo_company_data TEMPLATE twofold_template")
        url = server.url("demo_company_data")
    database = open_database(url)
    try:
        summary = build_demo_company(database, size=DemoSize.parse("default"), seed=7, now=NOW)
        yield database, summary
    finally:
        database.dispose()
        if server is not None:
            server.execute("DROP DATABASE IF EXISTS demo_company_data WITH (FORCE)")


def records(database: Database, model: Any) -> list[Any]:
    """Every ORM object of ``model`` (detached, fully loaded)."""
    with database.sessions() as session:
        return list(session.scalars(select(model)))


def rows(database: Database, *columns: Any) -> list[Any]:
    """All rows of a Core select of ``columns``."""
    with database.engine.connect() as connection:
        return list(connection.execute(select(*columns)))


def test_account_hierarchies_have_no_cycles_and_go_three_levels_deep(
    company: tuple[Database, DemoSummary],
) -> None:
    database, _ = company
    parents = dict(rows(database, Account.id, Account.parent_id))
    depths = []
    for account_id, parent in parents.items():
        seen, current = {account_id}, parent
        while current is not None:
            assert current in parents, f"account {account_id} has a missing ancestor {current}"
            assert current not in seen, f"cycle through account {account_id}"
            seen.add(current)
            current = parents[current]
        depths.append(len(seen))
    groups = {parent for parent in parents.values() if parent is not None}
    roots_with_children = [group for group in groups if parents[group] is None]
    assert max(depths) == 3
    assert 0.05 <= len(roots_with_children) / len(parents) <= 0.2
    children = Counter(parent for parent in parents.values() if parent is not None)
    assert all(1 <= children[root] <= 5 for root in roots_with_children)


def test_accounts_have_consistent_firmographics(company: tuple[Database, DemoSummary]) -> None:
    database, _ = company
    reps = {user_id for user_id, role in rows(database, User.id, User.role) if role == "rep"}
    accounts = records(database, Account)
    all_domains = [domain for account in accounts for domain in account.domains]
    assert len(all_domains) == len(set(all_domains))
    for account in accounts:
        country = COUNTRY[account.country]
        assert account.region == country.region
        assert account.annual_revenue_currency == country.currency
        assert account.annual_revenue > 0
        assert account.employees > 0
        assert account.tier in {tier.value for tier in AccountTier}
        assert account.lifecycle in {lifecycle.value for lifecycle in AccountLifecycle}
        assert account.owner_id in reps
        assert account.domains
        assert all(domain == domain.lower() and domain.endswith(".example")
                   for domain in account.domains)  # fmt: skip
        assert account.search_text == search_text(account.name, *account.domains)
        assert (account.version, account.created_at) == (1, account.updated_at)
        assert account.created_at <= NOW


def test_every_email_and_phone_is_valid(company: tuple[Database, DemoSummary]) -> None:
    database, _ = company
    work_domains = {domain for (domains,) in rows(database, Account.domains) for domain in domains}
    b2b = {person_id for (person_id,) in rows(database, Membership.person_id)}
    # Web-form leads write from companies the CRM may not know yet (test_demo_leads.py).
    from_leads = {person_id for (person_id,) in rows(database, Lead.person_id)}
    primary_emails = []
    for person in records(database, Person):
        assert person.emails
        assert person.primary_email == person.emails[0]
        primary_emails.append(person.primary_email)
        for email in person.emails:
            assert validate_email(email, check_deliverability=False).normalized == email
            assert email == email.lower()
        domain = person.primary_email.split("@")[1]
        if person.id not in from_leads:
            assert domain in (work_domains if person.id in b2b else set(CONSUMER_DOMAINS))
        for phone in person.phones:
            number = phonenumbers.parse(phone)
            assert phonenumbers.is_valid_number(number), phone
            assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == phone
        assert person.lifecycle_stage in {stage.value for stage in LifecycleStage}
        assert person.search_text == search_text(person.first_name, person.last_name,
                                                 *person.emails)  # fmt: skip
    assert len(primary_emails) == len(set(primary_emails))


def test_memberships_form_one_org_chart_per_account(company: tuple[Database, DemoSummary]) -> None:
    database, _ = company
    memberships = records(database, Membership)
    members = defaultdict(set)
    for membership in memberships:
        members[membership.account_id].add(membership.person_id)
    boss: dict[tuple[int, int], int | None] = {}
    ceos: Counter[int] = Counter()
    for membership in memberships:
        assert membership.department in DEPARTMENTS
        assert set(membership.buying_roles) <= {role.value for role in BuyingRole}
        if membership.title in CEO_TITLES:
            ceos[membership.account_id] += 1
        if membership.reports_to_id is not None:
            assert membership.reports_to_id in members[membership.account_id]
        boss[membership.person_id, membership.account_id] = membership.reports_to_id
        if membership.ended_on is not None:
            assert membership.started_on < membership.ended_on < NOW.date()
    assert set(ceos) == set(members)
    assert set(ceos.values()) == {1}
    for (person, account), first_boss in boss.items():
        seen, current = {person}, first_boss
        while current is not None:
            assert current not in seen, f"reporting cycle at account {account}"
            seen.add(current)
            current = boss[current, account]
    left = sum(membership.ended_on is not None for membership in memberships)
    assert 0.02 <= left / len(memberships) <= 0.08
    people_at_two = Counter(membership.person_id for membership in memberships)
    assert sum(times == 2 for times in people_at_two.values()) >= 1


def test_deals_meet_the_entry_criteria_of_their_stage(
    company: tuple[Database, DemoSummary],
) -> None:
    database, _ = company
    with database.sessions() as session:
        stages = {stage.id: stage for stage in session.scalars(select(Stage))}
        for deal in session.scalars(select(Deal)):
            stage = stages[deal.stage_id]
            assert stage.pipeline_id == deal.pipeline_id
            assert unmet_criteria(session, deal, stage) == [], deal.name
            assert (deal.probability, deal.forecast_category) == (
                stage.probability, stage.forecast_category,
            )  # fmt: skip
            assert not deal.probability_overridden
            assert not deal.forecast_category_overridden
            assert (deal.closed_at is None) == (stage.kind == "open")
            assert bool(deal.lost_reason) == (stage.kind == "lost")
            if deal.closed_at is not None:
                assert deal.closed_at == deal.stage_entered_at
            assert deal.currency in {"USD", "EUR", "GBP"}
            assert deal.amount is None or deal.amount == deal.amount.quantize(Decimal("0.01"))
            assert (deal.account_id is None) != (deal.person_id is None)
            assert HISTORY_START <= deal.created_at <= deal.stage_entered_at <= NOW
            assert deal.search_text == search_text(deal.name)


def test_deals_fill_every_stage_of_both_pipelines(company: tuple[Database, DemoSummary]) -> None:
    database, _ = company
    used = {stage_id for (stage_id,) in rows(database, Deal.stage_id)}
    assert {stage_id for (stage_id,) in rows(database, Stage.id)} == used
    assert any(person_id for (person_id,) in rows(database, Deal.person_id))


def test_some_open_deals_are_rotting(company: tuple[Database, DemoSummary]) -> None:
    database, _ = company
    with database.engine.connect() as connection:
        deals = list(connection.execute(
            select(Deal.stage_entered_at, Stage.rotting_days, Stage.kind)
            .join(Stage, Stage.id == Deal.stage_id)
        ))  # fmt: skip
    open_deals = [(entered, days) for entered, days, kind in deals
                  if kind == "open" and days is not None]  # fmt: skip
    rotting = [entered for entered, days in open_deals if NOW - entered > timedelta(days=days)]
    assert 0.05 <= len(rotting) / len(open_deals) <= 0.5


def test_stage_history_is_contiguous_and_ends_in_the_current_stage(
    company: tuple[Database, DemoSummary],
) -> None:
    database, _ = company
    positions = dict(rows(database, Stage.id, Stage.position))
    visits = defaultdict(list)
    for visit in records(database, DealStageVisit):
        visits[visit.deal_id].append(visit)
    for deal in records(database, Deal):
        history = sorted(visits[deal.id], key=lambda visit: (visit.entered_at, visit.id))
        assert history[0].entered_at == deal.created_at
        for earlier, later in itertools.pairwise(history):
            assert earlier.left_at == later.entered_at
            assert earlier.left_by_id == deal.owner_id
            assert positions[earlier.stage_id] < positions[later.stage_id]
        assert history[-1].left_at is None
        assert history[-1].stage_id == deal.stage_id
        assert history[-1].entered_at == deal.stage_entered_at
        assert {visit.entered_by_id for visit in history} == {deal.owner_id}


def test_every_deal_with_stakeholders_has_exactly_one_primary(
    company: tuple[Database, DemoSummary],
) -> None:
    database, _ = company
    members = {(person, account) for person, account in
               rows(database, Membership.person_id, Membership.account_id)}  # fmt: skip
    deal_accounts = dict(rows(database, Deal.id, Deal.account_id))
    primaries: Counter[int] = Counter()
    for stakeholder in records(database, DealStakeholder):
        primaries[stakeholder.deal_id] += stakeholder.is_primary
        assert stakeholder.sentiment in {sentiment.value for sentiment in Sentiment}
        assert stakeholder.buying_role in {role.value for role in BuyingRole}
        account = deal_accounts[stakeholder.deal_id]
        if account is not None:
            assert (stakeholder.person_id, account) in members
    assert set(primaries.values()) == {1}


def test_partners_are_partner_accounts(company: tuple[Database, DemoSummary]) -> None:
    database, summary = company
    lifecycle = dict(rows(database, Account.id, Account.lifecycle))
    deal_accounts = dict(rows(database, Deal.id, Deal.account_id))
    partners = records(database, DealPartner)
    assert len(partners) == summary.partners > 0
    for partner in partners:
        assert lifecycle[partner.account_id] == AccountLifecycle.PARTNER
        assert partner.account_id != deal_accounts[partner.deal_id]
        assert partner.role in {role.value for role in PartnerRole}


def test_the_timeline_tells_the_same_story(company: tuple[Database, DemoSummary]) -> None:
    database, _ = company
    entries = records(database, TimelineEntry)
    created = Counter((entry.record_type, entry.record_id, entry.at)
                      for entry in entries if entry.kind == "created")  # fmt: skip
    for record_type, model in (("account", Account), ("person", Person), ("deal", Deal)):
        for record_id, at in rows(database, model.id, model.created_at):
            assert created[record_type, record_id, at] == 1, (record_type, record_id)
    moves = Counter(entry.record_id for entry in entries
                    if entry.kind == "stage_changed" and entry.record_type == "deal")  # fmt: skip
    visits = Counter(deal_id for (deal_id,) in rows(database, DealStageVisit.deal_id))
    assert all(moves[deal_id] == count - 1 for deal_id, count in visits.items())
    for entry in entries:
        if entry.kind == "stage_changed":
            assert set(entry.changes["stage_id"]) == {"before", "after"}
            assert " moved from " in entry.summary
    logged = Counter((entry.record_type, entry.record_id, entry.activity_id)
                     for entry in entries if entry.kind == "activity_logged")  # fmt: skip
    links = [
        ("account", record, activity)
        for activity, record in rows(
            database, activity_accounts.c.activity_id, activity_accounts.c.account_id
        )
    ]
    links += [
        ("person", record, activity)
        for activity, record in rows(
            database, activity_persons.c.activity_id, activity_persons.c.person_id
        )
    ]
    links += [("deal", record, activity) for activity, record in
              rows(database, activity_deals.c.activity_id, activity_deals.c.deal_id)]  # fmt: skip
    assert Counter(links) == logged


def test_activities_are_plausible(company: tuple[Database, DemoSummary]) -> None:
    database, _ = company
    linked = {activity for (activity,) in rows(database, activity_accounts.c.activity_id)}
    linked |= {activity for (activity,) in rows(database, activity_persons.c.activity_id)}
    kinds: Counter[str] = Counter()
    with_objections = 0
    for activity in records(database, Activity):
        kinds[activity.kind] += 1
        with_objections += bool(activity.objections)
        assert activity.id in linked
        assert HISTORY_START <= activity.occurred_at <= NOW
        assert activity.owner_id is not None
        assert (activity.due_at is not None) == (activity.kind == "task")
        if activity.done_at is not None:
            assert activity.occurred_at <= activity.done_at <= NOW
        assert activity.subject
    assert set(kinds) == {kind.value for kind in ActivityKind}
    assert with_objections > 0


def test_the_forecast_has_rates_quotas_and_a_team_to_roll_up(
    company: tuple[Database, DemoSummary],
) -> None:
    database, _summary = company
    quarter = period_containing(NOW.date(), PeriodKind.QUARTER)
    with database.sessions() as session:
        head = session.scalars(
            select(User).where(User.role == "manager", User.manager_id.is_(None))
        ).one()
        forecast = compute_forecast(
            session, actor=head, period=quarter, owner_id=None, base_currency="USD"
        )
        reps = list(session.scalars(select(User.id).where(User.role == "rep")))
        quotas = rows(database, Quota.user_id, Quota.period_kind, Quota.period_start)
        rates = rows(database, ExchangeRate.currency, ExchangeRate.valid_from, ExchangeRate.rate)
    totals = forecast.totals
    assert forecast.owner_id == head.id
    assert totals.unconverted == {}  # every deal currency has a rate for every close date
    assert totals.categories["closed"] > 0
    assert totals.categories["pipeline"] > 0
    assert totals.categories["commit"] > 0
    assert 0 < totals.weighted < sum(totals.categories.values())
    assert totals.quota is not None
    assert totals.quota > totals.categories["closed"] / 2
    # Everyone rolls up to the head of sales, through the other managers.
    [root] = forecast.rollup
    assert root.user_id == head.id
    assert {child.name for child in root.children} >= {
        row.name for row in forecast.reps if row.manager_id == head.id
    }
    # This quarter's quota is the sum of its months; the next quarter has its own.
    months = {month.start for month in quarter.months()}
    for rep in reps:
        mine = {(kind, start) for user, kind, start in quotas if user == rep}
        assert mine == {("month", start) for start in months} | {
            ("quarter", quarter.following().start)
        }
    euro = sorted((valid_from, rate) for currency, valid_from, rate in rates if currency == "EUR")
    assert len(euro) == 19
    assert euro[0][0] <= HISTORY_START.date()
    assert all(Decimal("1.0") < rate < Decimal("1.2") for _day, rate in euro)


def test_forecast_month_totals_match_the_loaded_deals(
    company: tuple[Database, DemoSummary],
) -> None:
    """The bulk load switches the triggers off and rebuilds the table once: same result."""
    database, summary = company
    columns = (
        DealForecastMonth.close_month, DealForecastMonth.owner_key, DealForecastMonth.category,
        DealForecastMonth.currency,
        DealForecastMonth.amount, DealForecastMonth.amount_times_probability,
        DealForecastMonth.deal_count,
    )  # fmt: skip
    with database.sessions() as session:
        loaded = sorted(tuple(row) for row in session.execute(select(*columns)))
        for statement in rebuild_statements(database.dialect):
            session.execute(text(statement))
        fresh = sorted(tuple(row) for row in session.execute(select(*columns)))
        session.rollback()
    assert loaded == fresh
    dated = rows(database, Deal.id)
    assert 0 < sum(row[-1] for row in loaded) <= len(dated) == summary.deals
