"""Building the demo company: counts, determinism, insert paths, refusal, progress, users."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError

from twofold.auth.users import authenticate
from twofold.core.errors import Conflict
from twofold.core.progress import SilentProgress
from twofold.demo.bulk import open_sink
from twofold.demo.generator import DemoSummary, build_demo_company
from twofold.demo.load_schema import ForeignKeysBroken, relaxed_for_load
from twofold.demo.sizes import DemoSize
from twofold.demo.specs import ACCOUNTS, ALL_SPECS, MEMBERSHIPS, TIMELINE, TableSpec
from twofold.demo.team import DEMO_PASSWORD
from twofold.demo.writer_process import ProcessSink, WriterFailed
from twofold.store.database import Database, open_database
from twofold.store.migrate import upgrade_to_latest
from twofold.store.models import (
    Account,
    Activity,
    Deal,
    DealPartner,
    DealStageVisit,
    DealStakeholder,
    ExchangeRate,
    Membership,
    Person,
    Pipeline,
    Quota,
    SequenceEnrollment,
    TimelineEntry,
    User,
    activity_accounts,
    activity_deals,
    activity_persons,
)

SMALL = DemoSize.parse("small")
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.fixture
def sqlite_twin(tmp_path: Path) -> Iterator[Database]:
    """A second, separate, migrated SQLite database to build into."""
    twin = open_database(f"sqlite:///{tmp_path / 'twin.sqlite3'}")
    upgrade_to_latest(twin)
    try:
        yield twin
    finally:
        twin.dispose()


def count(database: Database, table: Any) -> int:
    """Rows in a table or ORM model."""
    with database.engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(table)) or 0)


def bulk_rows(database: Database, spec: TableSpec) -> list[tuple[Any, ...]]:
    """The rows the generator wrote in bulk into ``spec``'s table."""
    table = spec.table
    query = select(table).order_by(*(table.c[name] for name in spec.columns))
    if spec is TIMELINE:
        # the Renewals pipeline's own entry, the web form's and the leads' status changes come
        # from domain actions, at wall-clock time
        query = query.where(table.c.record_type.not_in(("pipeline", "form", "lead")))
    with database.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(query)]


def test_counts_match_the_size(database: Database) -> None:
    summary = build_demo_company(database, size=SMALL, seed=7, now=NOW)

    # Each demo lead writes from an address the CRM does not know yet: a person more.
    assert summary.leads == 40
    assert (count(database, Account), count(database, Person)) == (30, 200 + summary.leads)
    assert (count(database, Deal), count(database, Activity)) == (60, 1_000)
    assert (summary.accounts, summary.persons, summary.deals, summary.activities) == (
        30, 200, 60, 1_000,
    )  # fmt: skip
    assert summary.memberships == count(database, Membership)
    assert summary.stage_visits == count(database, DealStageVisit)
    assert summary.stakeholders == count(database, DealStakeholder)
    assert summary.partners == count(database, DealPartner)
    assert summary.activity_links == sum(
        count(database, table) for table in (activity_accounts, activity_persons, activity_deals)
    )
    # the timeline also has the entry that created the Renewals pipeline, and the demo
    # sequence's enrolments (one entry each, and one per stopped contact: two of them)
    assert summary.sequence_enrollments == count(database, SequenceEnrollment) == 6
    sequence_entries = summary.sequence_enrollments + 2
    assert summary.timeline_entries == count(database, TimelineEntry) - 1 - sequence_entries
    assert summary.users == count(database, User) == 9
    assert count(database, Pipeline) == 2
    # 4 reps x (3 months of this quarter + next quarter); 19 currencies x 19 months of rates
    assert summary.quotas == count(database, Quota) == 16
    assert summary.exchange_rates == count(database, ExchangeRate) == 19 * 19


def test_same_seed_gives_identical_data_in_two_databases(
    database: Database, sqlite_twin: Database
) -> None:
    build_demo_company(database, size=SMALL, seed=11, now=NOW)
    build_demo_company(sqlite_twin, size=SMALL, seed=11, now=NOW)

    def sample(target: Database) -> dict[str, list[tuple[Any, ...]]]:
        with target.engine.connect() as connection:
            return {
                "persons": [tuple(row) for row in connection.execute(
                    select(Person.first_name, Person.last_name, Person.emails, Person.phones)
                    .order_by(Person.id).limit(20)
                )],
                "deals": [tuple(row) for row in connection.execute(
                    select(Deal.name, Deal.amount, Deal.currency, Deal.stage_id, Deal.created_at)
                    .order_by(Deal.id)
                )],
                "users": [tuple(row) for row in connection.execute(
                    select(User.email, User.role, User.manager_id).order_by(User.id)
                )],
            }  # fmt: skip

    first, second = sample(database), sample(sqlite_twin)
    assert first == second
    assert len(first["persons"]) == 20
    assert len(first["deals"]) == 60


def test_another_seed_gives_another_company(database: Database, sqlite_twin: Database) -> None:
    build_demo_company(database, size=SMALL, seed=1, now=NOW)
    build_demo_company(sqlite_twin, size=SMALL, seed=2, now=NOW)

    assert bulk_rows(database, ACCOUNTS) != bulk_rows(sqlite_twin, ACCOUNTS)


def test_fast_inserts_write_exactly_what_core_inserts_write(
    database: Database, sqlite_twin: Database
) -> None:
    build_demo_company(database, size=SMALL, seed=5, now=NOW)
    build_demo_company(sqlite_twin, size=SMALL, seed=5, now=NOW, insert_method="core")

    for spec in ALL_SPECS:
        assert bulk_rows(database, spec) == bulk_rows(sqlite_twin, spec), spec.name


def test_building_twice_into_the_same_database_is_refused(database: Database) -> None:
    build_demo_company(database, size=SMALL, seed=7, now=NOW)
    before = {spec.name: count(database, spec.table) for spec in ALL_SPECS}
    users_before = count(database, User)

    with pytest.raises(Conflict, match="already has accounts"):
        build_demo_company(database, size=SMALL, seed=8, now=NOW)

    assert {spec.name: count(database, spec.table) for spec in ALL_SPECS} == before
    assert count(database, User) == users_before


def test_new_rows_after_a_build_get_fresh_ids(database: Database) -> None:
    build_demo_company(database, size=SMALL, seed=7, now=NOW)

    with database.transaction() as session:
        account = Account(name="After the demo", domains=[], lifecycle="prospect", custom={})
        activity = Activity(
            kind="note", subject="Added later", objections=[], competitor_mentions=[]
        )
        session.add_all([account, activity])
        session.flush()

        assert account.id == 31
        assert activity.id == 1_001


class RecordingProgress:
    """Keeps every phase and how much of it was reported done."""

    def __init__(self) -> None:
        self.phases: dict[str, list[int]] = {}
        self._current = ""

    def start(self, label: str, total: int) -> None:
        """Remember the phase."""
        self._current = label
        self.phases[label] = [total, 0]

    def advance(self, amount: int) -> None:
        """Add to the phase's done count."""
        self.phases[self._current][1] += amount


def test_progress_is_reported_per_phase(database: Database) -> None:
    progress = RecordingProgress()

    build_demo_company(database, size=SMALL, seed=7, now=NOW, progress=progress)

    indexes_and_checks = progress.phases.pop("Indexes and checks")
    assert progress.phases == {
        "Accounts": [30, 30], "Persons": [200, 200], "Deals": [60, 60],
        "Activities": [1_000, 1_000], "Committing": [1, 1],
    }  # fmt: skip
    assert indexes_and_checks[0] == indexes_and_checks[1] > 5


def test_the_team_reports_to_managers_and_can_log_in(database: Database) -> None:
    summary = build_demo_company(database, size=SMALL, seed=7, now=NOW)

    with database.transaction() as session:
        users = list(session.scalars(select(User).order_by(User.id)))
        by_id = {user.id: user for user in users}
        roles = sorted(user.role for user in users)
        assert roles == ["manager"] * 2 + ["marketer"] * 2 + ["rep"] * 4 + ["viewer"]
        for user in users:
            if user.role == "rep":
                assert by_id[user.manager_id].role == "manager"  # type: ignore[index]
        assert [user.email for user in users] == summary.user_emails
        assert authenticate(session, email=summary.user_emails[-1], password=DEMO_PASSWORD)


def test_a_big_team_shares_one_password_hash_and_can_log_in(sqlite_twin: Database) -> None:
    size = DemoSize(accounts=2_400, persons=2_400, deals=0, activities=0)

    summary = build_demo_company(sqlite_twin, size=size, seed=7, now=NOW)

    assert summary.users == 60 + 8 + 3
    with sqlite_twin.transaction() as session:
        assert len(set(session.scalars(select(User.password_hash)))) == 1
        assert authenticate(session, email=summary.user_emails[40], password=DEMO_PASSWORD)


def test_summary_counts_add_up() -> None:
    summary = DemoSummary(
        users=1, accounts=2, persons=3, memberships=4, deals=5, stage_visits=6, stakeholders=7,
        partners=8, activities=9, activity_links=10, timeline_entries=11,
    )  # fmt: skip

    assert summary.rows == 65


def schema_snapshot(database: Database) -> dict[str, Any]:
    """Every table's indexes and foreign keys, as the catalogue reports them."""
    inspector = inspect(database.engine)
    snapshot: dict[str, Any] = {}
    if database.dialect == "sqlite":
        with database.engine.connect() as connection:
            snapshot["triggers"] = connection.exec_driver_sql(
                "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY 1"
            ).all()
    for table in inspector.get_table_names():
        indexes = inspector.get_indexes(table)
        keys = inspector.get_foreign_keys(table)
        snapshot[table] = (
            sorted((index["name"], tuple(index["column_names"])) for index in indexes),
            sorted((key["name"], tuple(key["constrained_columns"]), key["referred_table"])
                   for key in keys),
        )  # fmt: skip
    return snapshot


def test_a_build_leaves_every_index_and_foreign_key_in_place(database: Database) -> None:
    before = schema_snapshot(database)

    build_demo_company(database, size=SMALL, seed=7, now=NOW)

    assert schema_snapshot(database) == before
    if database.dialect == "postgresql":
        with database.engine.connect() as connection:
            unvalidated = connection.exec_driver_sql(
                "SELECT conname FROM pg_constraint WHERE contype = 'f' AND NOT convalidated"
            ).all()
        assert unvalidated == []


def test_a_failing_writer_reports_the_database_error(database: Database) -> None:
    sink = ProcessSink(database, [ACCOUNTS])
    values = sink.values
    now = values.time(0)
    bad_row = (1, None, values.empty_list, None, None, None, None, None, None, None,
               "prospect", None, None, values.empty_object, "", now, now, 1)  # fmt: skip
    sink.write(ACCOUNTS, [bad_row])

    with pytest.raises(WriterFailed, match=r"(?i)not.null"):
        sink.close()

    assert count(database, Account) == 0


def test_an_aborted_writer_commits_nothing(database: Database) -> None:
    sink = ProcessSink(database, [ACCOUNTS])
    values = sink.values
    now = values.time(0)
    sink.write(ACCOUNTS, [(1, "Half-written", values.empty_list, None, None, None, None, None,
                           None, None, "prospect", None, None, values.empty_object, "", now, now,
                           1)])  # fmt: skip

    sink.abort()

    assert count(database, Account) == 0


def test_rows_that_break_a_foreign_key_are_reported_and_the_schema_survives(
    database: Database,
) -> None:
    before = schema_snapshot(database)
    dangling = 999  # no such person or account

    def load_a_dangling_membership() -> None:
        with (
            relaxed_for_load(database, [MEMBERSHIPS], progress=SilentProgress()),
            open_sink(database, [MEMBERSHIPS]) as sink,
        ):
            values = sink.values
            now = values.time(0)
            sink.write(MEMBERSHIPS, [(1, dangling, dangling, "CEO", "Executive", None,
                                      values.empty_list, None, None, now, now, 1)])  # fmt: skip

    with pytest.raises((ForeignKeysBroken, IntegrityError)):
        load_a_dangling_membership()

    assert schema_snapshot(database) == before


def test_substring_search_finds_demo_records_after_a_build(database: Database) -> None:
    build_demo_company(database, size=SMALL, seed=7, now=NOW)
    with database.engine.connect() as connection:
        person_id, email = connection.execute(
            select(Person.id, Person.primary_email).order_by(Person.id.desc()).limit(1)
        ).one()
        if database.dialect == "sqlite":  # the FTS5 tables of migration 0003
            found = (
                connection.exec_driver_sql(
                    "SELECT rowid FROM persons_search WHERE search_text MATCH ?", (f'"{email}"',)
                )
                .scalars()
                .all()
            )
            indexed = connection.exec_driver_sql("SELECT count(*) FROM persons_search").scalar()
            assert indexed == count(database, Person)
        else:
            found = (
                connection.execute(select(Person.id).where(Person.search_text.contains(email)))
                .scalars()
                .all()
            )

    assert found == [person_id]
