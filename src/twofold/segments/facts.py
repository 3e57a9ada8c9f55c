"""Mirror the records fields segment rules test into DuckDB (``person_facts`` & co).

Two feeds find what changed since the last pass:

- ``updated_at`` of persons, accounts, deals and memberships (every write bumps it, also the
  identity step's trait updates, which write no timeline entry), read with a slack so that a
  transaction that committed late with an earlier timestamp is not missed;
- the timeline (``timeline_entries.id`` above a watermark): deletions, merges, erasures,
  membership removals and pipeline changes that move no ``updated_at`` of the rows they affect.

Changed records are re-read whole and replaced; records that no longer exist are removed.
The first pass (no watermark) copies everything, in batches. ``sync_facts`` answers which
persons and accounts changed, so that real-time membership re-evaluates only them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final

import duckdb
import orjson
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from twofold.core.time import naive_utc, utcnow
from twofold.events.store import EventStore
from twofold.store.database import Database
from twofold.store.models import Account, Deal, Membership, Person, Stage, TimelineEntry
from twofold.timeline import kinds

SLACK: Final = timedelta(seconds=10)
BATCH: Final = 20_000

_PERSON_COLUMNS: Final = (
    ("person_id", "BIGINT"), ("first_name", "VARCHAR"), ("last_name", "VARCHAR"),
    ("email", "VARCHAR"), ("phone", "VARCHAR"), ("emails", "VARCHAR[]"), ("phones", "VARCHAR[]"),
    ("title", "VARCHAR"), ("lifecycle_stage", "VARCHAR"), ("owner_id", "BIGINT"),
    ("created_at", "TIMESTAMP"), ("updated_at", "TIMESTAMP"), ("traits", "JSON"),
    ("custom", "JSON"),
)  # fmt: skip
_ACCOUNT_COLUMNS: Final = (
    ("account_id", "BIGINT"), ("name", "VARCHAR"), ("domain", "VARCHAR"), ("industry", "VARCHAR"),
    ("employees", "BIGINT"), ("annual_revenue", "DOUBLE"), ("annual_revenue_currency", "VARCHAR"),
    ("country", "VARCHAR"), ("region", "VARCHAR"), ("tier", "VARCHAR"), ("lifecycle", "VARCHAR"),
    ("owner_id", "BIGINT"), ("parent_id", "BIGINT"), ("created_at", "TIMESTAMP"),
    ("updated_at", "TIMESTAMP"), ("custom", "JSON"),
)  # fmt: skip
_DEAL_COLUMNS: Final = (
    ("deal_id", "BIGINT"), ("account_id", "BIGINT"), ("person_id", "BIGINT"),
    ("pipeline_id", "BIGINT"), ("stage_id", "BIGINT"), ("stage_kind", "VARCHAR"),
    ("amount", "DOUBLE"), ("currency", "VARCHAR"), ("owner_id", "BIGINT"),
    ("forecast_category", "VARCHAR"), ("expected_close_date", "DATE"),
    ("created_at", "TIMESTAMP"), ("updated_at", "TIMESTAMP"),
)  # fmt: skip
_MEMBERSHIP_COLUMNS: Final = (
    ("person_id", "BIGINT"), ("account_id", "BIGINT"), ("title", "VARCHAR"),
    ("department", "VARCHAR"), ("has_left", "BOOLEAN"),
)  # fmt: skip


@dataclass
class FactChanges:
    """Ids whose facts changed in one pass (for real-time membership)."""

    persons: set[int] = field(default_factory=set)
    accounts: set[int] = field(default_factory=set)
    # Persons and accounts that appeared or disappeared (a universe change: every segment).
    arrived_persons: set[int] = field(default_factory=set)
    arrived_accounts: set[int] = field(default_factory=set)
    full: bool = False

    def __bool__(self) -> bool:
        return bool(self.persons or self.accounts or self.full)


@dataclass
class _Pending:
    persons: set[int] = field(default_factory=set)
    accounts: set[int] = field(default_factory=set)
    deals: set[int] = field(default_factory=set)
    pipelines: set[int] = field(default_factory=set)


def sync_facts(store: EventStore, database: Database) -> FactChanges:
    """Bring the fact tables up to date with the records database; answer what changed."""
    with store.reader() as reader:
        marks = {
            str(name): (updated_at, timeline_id)
            for name, updated_at, timeline_id in reader.execute(
                "SELECT name, updated_at, timeline_id FROM fact_watermarks"
            ).fetchall()
        }
    if "records" not in marks:
        return _copy_everything(store, database)
    since, timeline_id = marks["records"]
    started = naive_utc(utcnow())
    pending = _Pending()
    with database.transaction(write=False) as session:
        newest_entry = _read_timeline(session, int(timeline_id), pending)
        threshold = since - SLACK
        for model, ids in (
            (Person, pending.persons),
            (Account, pending.accounts),
            (Deal, pending.deals),
        ):
            ids.update(session.scalars(select(model.id).where(model.updated_at >= threshold)))
        pending.persons.update(
            session.scalars(select(Membership.person_id).where(Membership.updated_at >= threshold))
        )
        if pending.pipelines:
            pending.deals.update(
                session.scalars(select(Deal.id).where(Deal.pipeline_id.in_(pending.pipelines)))
            )
        rows = _Rows.read(session, pending)
    with store.writer() as writer:
        # Records re-read only because of the slack (or already mirrored) are not changes.
        rows.keep_changed(writer, pending)
        rows.replace(writer, pending)
        _set_watermark(writer, started, newest_entry)
    accounts_of_deals = rows.deal_accounts
    return FactChanges(
        persons=pending.persons | rows.deal_persons,
        accounts=pending.accounts | accounts_of_deals,
        arrived_persons=rows.arrived_persons,
        arrived_accounts=rows.arrived_accounts,
    )


def _read_timeline(session: Session, after: int, pending: _Pending) -> int:
    newest = after
    entries = session.execute(
        select(TimelineEntry.id, TimelineEntry.record_type, TimelineEntry.record_id,
               TimelineEntry.kind, TimelineEntry.changes)
        .where(TimelineEntry.id > after)
        .order_by(TimelineEntry.id)
    )  # fmt: skip
    for entry_id, record_type, record_id, kind, changes in entries:
        newest = max(newest, int(entry_id))
        target = {
            "person": pending.persons,
            "account": pending.accounts,
            "deal": pending.deals,
            "pipeline": pending.pipelines,
        }.get(str(record_type))
        if target is not None:
            target.add(int(record_id))
        if kind == kinds.PERSONS_MERGED and isinstance(changes, dict):
            merged = changes.get("merged_person_id")
            if isinstance(merged, int):
                pending.persons.add(merged)
        if kind == kinds.ACCOUNTS_MERGED and isinstance(changes, dict):
            merged = changes.get("merged_account_id")
            if isinstance(merged, int):
                pending.accounts.add(merged)
    return newest


@dataclass
class _Rows:
    persons: list[tuple[Any, ...]]
    accounts: list[tuple[Any, ...]]
    deals: list[tuple[Any, ...]]
    memberships: list[tuple[Any, ...]]
    arrived_persons: set[int] = field(default_factory=set)
    arrived_accounts: set[int] = field(default_factory=set)

    @property
    def deal_accounts(self) -> set[int]:
        return {int(row[1]) for row in self.deals if row[1] is not None}

    @property
    def deal_persons(self) -> set[int]:
        return {int(row[2]) for row in self.deals if row[2] is not None}

    @classmethod
    def read(cls, session: Session, pending: _Pending) -> _Rows:
        return cls(
            persons=_fetch(session, _persons_query(), Person.id, pending.persons, firsts=(4,)),
            accounts=_fetch(session, _accounts_query(), Account.id, pending.accounts, firsts=(2,)),
            deals=_fetch(session, _deals_query(), Deal.id, pending.deals),
            memberships=_fetch(
                session, _memberships_query(), Membership.person_id, pending.persons
            ),
        )

    def keep_changed(self, cursor: duckdb.DuckDBPyConnection, pending: _Pending) -> None:
        """Narrow ``pending`` to the ids whose mirrored rows differ from what was read."""
        changed: dict[str, set[int]] = {}
        for table, key, ids, rows, columns in self._tables(pending):
            changed[table] = set()
            if not ids:
                continue
            names = ", ".join(name for name, _kind in columns)
            held: dict[int, set[str]] = {}
            for row in cursor.execute(
                f"SELECT {names} FROM {table} WHERE {key} IN (SELECT unnest(?::BIGINT[]))",  # noqa: S608
                [sorted(ids)],
            ).fetchall():
                held.setdefault(int(row[0]), set()).add(repr(row))
            read: dict[int, set[str]] = {}
            for row in rows:
                read.setdefault(int(row[0]), set()).add(repr(row))
            changed[table] = {i for i in ids if held.get(i) != read.get(i)}
            appeared_or_gone = {i for i in ids if (i in held) != (i in read)}
            if table == "person_facts":
                self.arrived_persons |= appeared_or_gone
            elif table == "account_facts":
                self.arrived_accounts |= appeared_or_gone
        pending.persons.intersection_update(changed["person_facts"] | changed["person_accounts"])
        pending.accounts.intersection_update(changed["account_facts"])
        pending.deals.intersection_update(changed["deal_facts"])
        self.persons = [row for row in self.persons if row[0] in pending.persons]
        self.accounts = [row for row in self.accounts if row[0] in pending.accounts]
        self.deals = [row for row in self.deals if row[0] in pending.deals]
        self.memberships = [row for row in self.memberships if row[0] in pending.persons]

    def _tables(
        self, pending: _Pending
    ) -> list[tuple[str, str, set[int], list[tuple[Any, ...]], tuple[tuple[str, str], ...]]]:
        return [
            ("person_facts", "person_id", pending.persons, self.persons, _PERSON_COLUMNS),
            ("account_facts", "account_id", pending.accounts, self.accounts, _ACCOUNT_COLUMNS),
            ("deal_facts", "deal_id", pending.deals, self.deals, _DEAL_COLUMNS),
            ("person_accounts", "person_id", pending.persons, self.memberships,
             _MEMBERSHIP_COLUMNS),
        ]  # fmt: skip

    def replace(self, writer: duckdb.DuckDBPyConnection, pending: _Pending) -> None:
        for table, key, ids, rows, columns in self._tables(pending):
            if not ids:
                continue
            writer.execute(
                f"DELETE FROM {table} WHERE {key} IN (SELECT unnest(?::BIGINT[]))",  # noqa: S608
                [sorted(ids)],
            )
            _insert(writer, table, columns, rows)
        if pending.accounts:  # memberships of deleted accounts go with them (cascade)
            writer.execute(
                "DELETE FROM person_accounts WHERE account_id IN (SELECT unnest(?::BIGINT[])) "
                "AND account_id NOT IN (SELECT account_id FROM account_facts)",
                [sorted(pending.accounts)],
            )


def _fetch(
    session: Session,
    query: Select[*tuple[Any, ...]],
    key: Any,
    ids: set[int],
    *,
    firsts: tuple[int, ...] = (),
) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    ordered = sorted(ids)
    for start in range(0, len(ordered), 5000):
        chunk = ordered[start : start + 5000]
        rows.extend(_convert(row, firsts) for row in session.execute(query.where(key.in_(chunk))))
    return rows


def _copy_everything(store: EventStore, database: Database) -> FactChanges:
    """The first pass: every record, in batches, replacing whatever the tables held."""
    started = naive_utc(utcnow())
    with database.transaction(write=False) as session:
        newest_entry = session.scalar(select(func.max(TimelineEntry.id))) or 0
        with store.writer() as writer:
            for table, query, columns, firsts in (
                ("person_facts", _persons_query(), _PERSON_COLUMNS, (4,)),
                ("account_facts", _accounts_query(), _ACCOUNT_COLUMNS, (2,)),
                ("deal_facts", _deals_query(), _DEAL_COLUMNS, ()),
                ("person_accounts", _memberships_query(), _MEMBERSHIP_COLUMNS, ()),
            ):
                writer.execute(f"DELETE FROM {table}")  # noqa: S608 - constant names
                for batch in _batches(session, query, firsts):
                    _insert(writer, table, columns, batch)
            _set_watermark(writer, started, int(newest_entry))
    return FactChanges(full=True)


def _batches(
    session: Session, query: Select[*tuple[Any, ...]], firsts: tuple[int, ...]
) -> Iterator[list[tuple[Any, ...]]]:
    result = session.execute(query.execution_options(yield_per=BATCH))
    for partition in result.partitions():
        yield [_convert(row, firsts) for row in partition]


def _set_watermark(writer: duckdb.DuckDBPyConnection, at: datetime, timeline_id: int) -> None:
    writer.execute(
        "INSERT OR REPLACE INTO fact_watermarks VALUES ('records', ?, ?)", [at, timeline_id]
    )


def _insert(
    writer: duckdb.DuckDBPyConnection,
    table: str,
    columns: Sequence[tuple[str, str]],
    rows: Sequence[tuple[Any, ...]],
) -> None:
    if not rows:
        return
    selects = ", ".join(f"unnest(?::{kind}[])" for _name, kind in columns)
    names = ", ".join(name for name, _kind in columns)
    writer.execute(
        f"INSERT INTO {table} ({names}) SELECT {selects}",
        [list(column) for column in zip(*rows, strict=True)],
    )


def _convert(row: Iterable[Any], firsts: tuple[int, ...] = ()) -> tuple[Any, ...]:
    """Values as DuckDB takes them; the columns at ``firsts`` keep a list's first item."""
    values = [_value(value) for value in row]
    for index in firsts:
        items = values[index]
        values[index] = items[0] if isinstance(items, list) and items else None
    return tuple(values)


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return naive_utc(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return orjson.dumps(value).decode()
    return value


def _persons_query() -> Select[*tuple[Any, ...]]:
    return select(
        Person.id, Person.first_name, Person.last_name, Person.primary_email, Person.phones,
        Person.emails, Person.phones, Person.title, Person.lifecycle_stage, Person.owner_id,
        Person.created_at, Person.updated_at, Person.traits, Person.custom,
    )  # fmt: skip


def _accounts_query() -> Select[*tuple[Any, ...]]:
    return select(
        Account.id, Account.name, Account.domains, Account.industry, Account.employees,
        Account.annual_revenue, Account.annual_revenue_currency, Account.country, Account.region,
        Account.tier, Account.lifecycle, Account.owner_id, Account.parent_id, Account.created_at,
        Account.updated_at, Account.custom,
    )  # fmt: skip


def _deals_query() -> Select[*tuple[Any, ...]]:
    return select(
        Deal.id, Deal.account_id, Deal.person_id, Deal.pipeline_id, Deal.stage_id, Stage.kind,
        Deal.amount, Deal.currency, Deal.owner_id, Deal.forecast_category,
        Deal.expected_close_date, Deal.created_at, Deal.updated_at,
    ).join(Stage, Stage.id == Deal.stage_id)  # fmt: skip


def _memberships_query() -> Select[*tuple[Any, ...]]:
    return select(
        Membership.person_id, Membership.account_id, Membership.title, Membership.department,
        Membership.ended_on.is_not(None),
    )  # fmt: skip
