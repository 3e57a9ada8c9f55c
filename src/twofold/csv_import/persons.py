"""Importing persons: check every row, match stored persons (external id, then primary
email), look for duplicates, then insert and update in bulk."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from twofold.core.enums import LifecycleStage, RecordType
from twofold.core.progress import ProgressReporter
from twofold.core.text import search_text
from twofold.core.time import utcnow
from twofold.csv_import import values
from twofold.csv_import.references import Directory, in_chunks
from twofold.csv_import.rows import BulkPlan, Cells, CheckedRow
from twofold.csv_import.writing import add_timeline_entries, insert_rows, update_rows
from twofold.duplicates.facts import person_facts, stored_person_facts
from twofold.duplicates.matching import PersonFacts, person_matches
from twofold.persons.contact_points import DEFAULT_PHONE_REGION
from twofold.store.models import Person
from twofold.store.search_rebuild import search_rebuilt_after
from twofold.timeline import kinds

TABLE = cast("Table", Person.__table__)
WRITTEN_COLUMNS = (
    "external_id",
    "first_name",
    "last_name",
    "emails",
    "phones",
    "primary_email",
    "title",
    "owner_id",
    "lifecycle_stage",
    "search_text",
)


def check_person(row: CheckedRow, cells: Cells, directory: Directory) -> None:
    """Parse one person row into ``row.values`` (problems noted on the row)."""
    row.parse(cells, "external_id", lambda v: values.text(v, max_length=200))
    row.parse(cells, "first_name", lambda v: values.text(v, max_length=200))
    row.parse(cells, "last_name", lambda v: values.text(v, max_length=200))
    row.parse(cells, "email", values.emails)
    row.parse(cells, "other_emails", values.emails)
    row.parse(cells, "phone_region", values.country)
    region = row.values.pop("phone_region", None) or DEFAULT_PHONE_REGION
    row.parse(cells, "phone", lambda v: values.phones(v, region=region))
    row.parse(cells, "title", lambda v: values.text(v, max_length=200))
    row.parse(cells, "lifecycle_stage", lambda v: values.choice(v, LifecycleStage).value)
    row.parse(cells, "owner_email", directory.user_id)
    emails = [*row.values.pop("email", []), *row.values.pop("other_emails", [])]
    if emails:
        row.values["emails"] = list(dict.fromkeys(emails))
    if "phone" in row.values:
        row.values["phones"] = row.values.pop("phone")
    if "owner_email" in row.values:
        row.values["owner_id"] = row.values.pop("owner_email")
    has_identity = any(row.values.get(key) for key in ("first_name", "last_name", "emails"))
    if not has_identity and not row.problems:
        row.problem(None, "a person needs a first name, a last name or an email")


def plan_persons(session: Session, checked: list[CheckedRow], _directory: Directory) -> BulkPlan:
    """Match valid rows to stored persons; a second row for the same person is a problem."""
    plan = BulkPlan()
    seen: dict[tuple[str, str], int] = {}
    for row in checked:
        for key in _identity_keys(row.values):
            if key in seen:
                row.problem(key[0], f"is the same person as row {seen[key]} ({key[1]})")
                break
        if not row.problems:
            for key in _identity_keys(row.values):
                seen[key] = row.row
            plan.rows[row.row] = row
    by_external = _stored_ids(
        session, Person.external_id, [k[1] for k in seen if k[0] == "external_id"]
    )
    by_email = _stored_ids(session, Person.primary_email, [k[1] for k in seen if k[0] == "email"])
    for row in plan.rows.values():
        external = row.values.get("external_id")
        emails = row.values.get("emails") or [None]
        target = by_external.get(external) if external else None
        if target is None and emails[0]:
            target = by_email.get(emails[0])
        if target is None:
            plan.inserts.append(row)
        else:
            plan.updates[row.row] = target
    return plan


def find_person_duplicates(session: Session, plan: BulkPlan) -> None:
    """Pairs between the rows and stored persons or each other (not a row and the person it
    updates)."""
    incoming = [_facts_of(row) for row in plan.rows.values()]
    stored: Iterable[PersonFacts] = stored_person_facts(session)
    matches = person_matches([*stored, *incoming], focus=lambda record_id: record_id < 0)
    plan.matches = [
        match for match in matches if plan.updates.get(-match.record_id) != match.other_record_id
    ]


def write_persons(
    session: Session,
    plan: BulkPlan,
    *,
    directory: Directory,
    progress: ProgressReporter,
) -> dict[int, int]:
    """Insert and update; answers row → person id for every written row."""
    now = utcnow()
    progress.start("Writing persons", len(plan.rows))
    defaults = directory.custom_defaults("person")
    new_rows = [
        _insert_values(row.values, owner_id=directory.actor_id, custom=defaults, now=now)
        for row in plan.inserts
    ]
    table = TABLE
    with search_rebuilt_after(session, "persons", adding=len(new_rows)):
        ids = insert_rows(session, table, new_rows, progress)
    written = {row.row: person_id for row, person_id in zip(plan.inserts, ids, strict=True)}
    stored = _stored_rows(session, list(plan.updates.values()))
    changed = [
        _merged(stored[person_id], plan.rows[row].values) for row, person_id in plan.updates.items()
    ]
    update_rows(session, table, changed, WRITTEN_COLUMNS, progress)
    written.update(plan.updates)
    entries = [
        (
            person_id,
            kinds.CREATED if row not in plan.updates else kinds.UPDATED,
            f"Imported (row {row})",
        )
        for row, person_id in written.items()
    ]
    add_timeline_entries(
        session, actor=directory.actor, record_type=RecordType.PERSON, entries=entries
    )
    return written


def _identity_keys(row_values: dict[str, Any]) -> list[tuple[str, str]]:
    keys = []
    if row_values.get("external_id"):
        keys.append(("external_id", row_values["external_id"]))
    if row_values.get("emails"):
        keys.append(("email", row_values["emails"][0]))
    return keys


def _stored_ids(session: Session, column: Any, keys: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in in_chunks(keys):
        query = select(column, Person.id).where(column.in_(chunk))
        found.update((str(key), int(person_id)) for key, person_id in session.execute(query))
    return found


def _stored_rows(session: Session, ids: list[int]) -> dict[int, dict[str, Any]]:
    columns = [TABLE.c[name] for name in ("id", *WRITTEN_COLUMNS)]
    rows: dict[int, dict[str, Any]] = {}
    for chunk in in_chunks(ids):
        for row in session.execute(select(*columns).where(Person.id.in_(chunk))).mappings():
            rows[row["id"]] = dict(row)
    return rows


def _facts_of(row: CheckedRow) -> PersonFacts:
    return person_facts(
        -row.row,
        first_name=row.values.get("first_name"),
        last_name=row.values.get("last_name"),
        emails=row.values.get("emails", []),
        phones=row.values.get("phones", []),
    )


def _insert_values(
    row_values: dict[str, Any], *, owner_id: int | None, custom: dict[str, Any], now: Any
) -> dict[str, Any]:
    emails = row_values.get("emails", [])
    first, last = row_values.get("first_name", ""), row_values.get("last_name", "")
    return {
        "external_id": row_values.get("external_id"),
        "first_name": first,
        "last_name": last,
        "emails": emails,
        "phones": row_values.get("phones", []),
        "primary_email": emails[0] if emails else None,
        "title": row_values.get("title"),
        "owner_id": row_values.get("owner_id", owner_id),
        "lifecycle_stage": row_values.get("lifecycle_stage", LifecycleStage.LEAD.value),
        "traits": {},
        "custom": custom,
        "search_text": search_text(first, last, *emails),
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }


def _merged(stored: dict[str, Any], row_values: dict[str, Any]) -> dict[str, Any]:
    """The stored person with the row's non-empty cells; emails and phones are added to."""
    merged = dict(stored)
    for key, value in row_values.items():
        if key in {"emails", "phones"}:
            merged[key] = list(dict.fromkeys([*stored[key], *value]))
        else:
            merged[key] = value
    merged["primary_email"] = merged["emails"][0] if merged["emails"] else None
    merged["search_text"] = search_text(
        merged["first_name"], merged["last_name"], *merged["emails"]
    )
    return merged
