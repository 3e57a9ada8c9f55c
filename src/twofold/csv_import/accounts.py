"""Importing accounts: check every row, match stored accounts (external id, then any
domain), look for duplicates, then insert and update in bulk."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from twofold.core.enums import AccountLifecycle, AccountTier, RecordType
from twofold.core.errors import TwofoldError
from twofold.core.money import parse_amount
from twofold.core.progress import ProgressReporter
from twofold.core.text import search_text
from twofold.core.time import utcnow
from twofold.csv_import import values
from twofold.csv_import.references import Directory, in_chunks
from twofold.csv_import.rows import BulkPlan, Cells, CheckedRow
from twofold.csv_import.writing import add_timeline_entries, insert_rows, update_rows
from twofold.duplicates.facts import stored_account_facts
from twofold.duplicates.keys import company_name_key
from twofold.duplicates.matching import AccountFacts, account_matches
from twofold.store.models import Account
from twofold.store.search_rebuild import search_rebuilt_after
from twofold.timeline import kinds

TABLE = cast("Table", Account.__table__)
WRITTEN_COLUMNS = (
    "external_id",
    "name",
    "domains",
    "industry",
    "employees",
    "annual_revenue",
    "annual_revenue_currency",
    "country",
    "region",
    "tier",
    "lifecycle",
    "owner_id",
    "search_text",
)


def check_account(row: CheckedRow, cells: Cells, directory: Directory) -> None:
    """Parse one account row into ``row.values``."""
    row.parse(cells, "external_id", lambda v: values.text(v, max_length=200))
    row.parse(cells, "name", lambda v: values.text(v, max_length=300))
    row.parse(cells, "domains", values.domains)
    row.parse(cells, "industry", lambda v: values.text(v, max_length=100))
    row.parse(cells, "employees", lambda v: values.integer(v, maximum=10_000_000))
    row.parse(cells, "annual_revenue", values.decimal)
    row.parse(cells, "annual_revenue_currency", values.currency)
    row.parse(cells, "country", values.country)
    row.parse(cells, "region", lambda v: values.text(v, max_length=100))
    row.parse(cells, "tier", lambda v: values.choice(v, AccountTier).value)
    row.parse(cells, "lifecycle", lambda v: values.choice(v, AccountLifecycle).value)
    row.parse(cells, "owner_email", directory.user_id)
    if "owner_email" in row.values:
        row.values["owner_id"] = row.values.pop("owner_email")
    _check_revenue(row)
    if not row.values.get("name") and not any(p.column == "name" for p in row.problems):
        row.problem("name", "an account needs a name")


def _check_revenue(row: CheckedRow) -> None:
    amount: Decimal | None = row.values.get("annual_revenue")
    if amount is None:
        return
    currency = row.values.get("annual_revenue_currency")
    if currency is None:
        row.problem("annual_revenue_currency", "is required with annual_revenue")
        return
    try:
        row.values["annual_revenue"] = parse_amount(str(amount), currency, field="annual_revenue")
    except TwofoldError as error:
        row.problem("annual_revenue", "; ".join(p.message for p in error.details) or error.message)


def plan_accounts(session: Session, checked: list[CheckedRow], directory: Directory) -> BulkPlan:
    """Match valid rows to stored accounts; two rows for one account are a problem."""
    plan = BulkPlan()
    seen: dict[tuple[str, str], int] = {}
    for row in checked:
        keys = [("domain", domain) for domain in row.values.get("domains", [])]
        if row.values.get("external_id"):
            keys.insert(0, ("external_id", row.values["external_id"]))
        clash = next((key for key in keys if key in seen), None)
        if clash is not None:
            row.problem(clash[0], f"is the same account as row {seen[clash]} ({clash[1]})")
            continue
        seen.update(dict.fromkeys(keys, row.row))
        plan.rows[row.row] = row
    externals = [key[1] for key in seen if key[0] == "external_id"]
    by_external: dict[str, int] = {}
    for chunk in in_chunks(externals):
        query = select(Account.external_id, Account.id).where(Account.external_id.in_(chunk))
        by_external.update((str(k), v) for k, v in session.execute(query))
    for row in plan.rows.values():
        target = by_external.get(row.values.get("external_id") or "")
        for domain in row.values.get("domains", []):
            target = target or directory.account_by_domain(domain)
        if target is None:
            plan.inserts.append(row)
        else:
            plan.updates[row.row] = target
    return plan


def find_account_duplicates(session: Session, plan: BulkPlan) -> None:
    """Pairs between the rows and stored accounts or each other (not a row and the account
    it updates)."""
    incoming = [
        AccountFacts(
            -row.row,
            company_name_key(row.values.get("name", "")),
            tuple(row.values.get("domains", [])),
        )
        for row in plan.rows.values()
    ]
    matches = account_matches(
        [*stored_account_facts(session), *incoming], focus=lambda record_id: record_id < 0
    )
    plan.matches = [m for m in matches if plan.updates.get(-m.record_id) != m.other_record_id]


def write_accounts(
    session: Session, plan: BulkPlan, *, directory: Directory, progress: ProgressReporter
) -> dict[int, int]:
    """Insert and update; answers row → account id for every written row."""
    now = utcnow()
    progress.start("Writing accounts", len(plan.rows))
    custom = directory.custom_defaults("account")
    new_rows = [
        _insert_values(row.values, owner_id=directory.actor_id, custom=custom, now=now)
        for row in plan.inserts
    ]
    table = TABLE
    with search_rebuilt_after(session, "accounts", adding=len(new_rows)):
        ids = insert_rows(session, table, new_rows, progress)
    written = {row.row: account_id for row, account_id in zip(plan.inserts, ids, strict=True)}
    stored = _stored_rows(session, list(plan.updates.values()))
    changed = [
        _merged(stored[account_id], plan.rows[row].values)
        for row, account_id in plan.updates.items()
    ]
    update_rows(session, table, changed, WRITTEN_COLUMNS, progress)
    written.update(plan.updates)
    entries = [
        (
            account_id,
            kinds.UPDATED if row in plan.updates else kinds.CREATED,
            f"Imported (row {row})",
        )
        for row, account_id in written.items()
    ]
    add_timeline_entries(
        session, actor=directory.actor, record_type=RecordType.ACCOUNT, entries=entries
    )
    directory.forget_accounts()
    return written


def _stored_rows(session: Session, ids: list[int]) -> dict[int, dict[str, Any]]:
    columns = [TABLE.c[name] for name in ("id", *WRITTEN_COLUMNS)]
    rows: dict[int, dict[str, Any]] = {}
    for chunk in in_chunks(ids):
        for row in session.execute(select(*columns).where(Account.id.in_(chunk))).mappings():
            rows[row["id"]] = dict(row)
    return rows


def _insert_values(
    row_values: dict[str, Any], *, owner_id: int | None, custom: dict[str, Any], now: Any
) -> dict[str, Any]:
    domains = row_values.get("domains", [])
    return {
        "external_id": None,
        "industry": None,
        "employees": None,
        "annual_revenue": None,
        "annual_revenue_currency": None,
        "country": None,
        "region": None,
        "tier": None,
        "lifecycle": AccountLifecycle.PROSPECT.value,
        "owner_id": owner_id,
        "parent_id": None,
        **row_values,
        "domains": domains,
        "custom": custom,
        "search_text": search_text(row_values["name"], *domains),
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }


def _merged(stored: dict[str, Any], row_values: dict[str, Any]) -> dict[str, Any]:
    """The stored account with the row's non-empty cells; domains are added to."""
    merged = {**stored, **row_values}
    merged["domains"] = list(dict.fromkeys([*stored["domains"], *row_values.get("domains", [])]))
    merged["search_text"] = search_text(merged["name"], *merged["domains"])
    return merged
