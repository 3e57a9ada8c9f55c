"""The verbs that change persons."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from twofold.auth.permissions import ensure_can_assign, ensure_can_edit_person, ensure_can_write
from twofold.core.enums import LifecycleStage, RecordType
from twofold.core.errors import Conflict, NotFound, ValidationFailed
from twofold.core.places import parse_country
from twofold.core.text import search_text
from twofold.customfields.definitions import validate_custom_values
from twofold.identity.mappings import forget_person
from twofold.persons.contact_points import normalise_emails, normalise_phones
from twofold.persons.schemas import PersonCreate, PersonFields, PersonUpdate
from twofold.store.changes import apply_changes, ensure_version
from twofold.store.models import Deal, DealStakeholder, Person, User
from twofold.timeline import kinds
from twofold.timeline.entries import append_to_timelines

MAX_TRAITS_BYTES = 16_000


def get_person(session: Session, person_id: int) -> Person:
    """The person with this id, or ``NotFound``."""
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"no person {person_id}")
    return person


def display_name(person: Person) -> str:
    """First and last name, or the primary email when the person has no name."""
    name = f"{person.first_name} {person.last_name}".strip()
    return name or person.primary_email or f"Person {person.id}"


def create_person(session: Session, *, actor: User, data: PersonCreate) -> Person:
    """Validate and add a person, owned by the actor unless an owner is given."""
    ensure_can_write(actor)
    values = _clean_fields(session, data, current=None)
    if not (values.get("first_name") or values.get("last_name") or values.get("emails")):
        raise ValidationFailed.on("first_name", "a person needs a name or an email")
    values.setdefault("owner_id", actor.id)
    ensure_can_assign(actor, values["owner_id"])
    defaults = {
        "first_name": "",
        "last_name": "",
        "emails": [],
        "phones": [],
        "traits": {},
        "lifecycle_stage": LifecycleStage.LEAD.value,
    }
    person = Person(**{**defaults, **values})
    refresh_derived_fields(person)
    session.add(person)
    session.flush()
    append_to_timelines(
        session,
        actor=actor,
        records=[(RecordType.PERSON, person.id)],
        kind=kinds.CREATED,
        summary=f"Person {display_name(person)} created",
    )
    return person


def update_person(
    session: Session,
    *,
    actor: User,
    person: Person,
    data: PersonUpdate,
    expected_version: int | None = None,
) -> Person:
    """Apply the fields present in ``data``; traits merge (a ``null`` trait is removed)."""
    ensure_can_edit_person(actor, person.owner_id)
    ensure_version(person, expected_version)
    values = _clean_fields(session, data, current=person)
    if "owner_id" in values:
        ensure_can_assign(actor, values["owner_id"])
    changes = apply_changes(person, values)
    if not (person.first_name or person.last_name or person.emails):
        raise ValidationFailed.on("first_name", "a person needs a name or an email")
    if changes:
        refresh_derived_fields(person)
        session.flush()
        append_to_timelines(
            session,
            actor=actor,
            records=[(RecordType.PERSON, person.id)],
            kind=kinds.UPDATED,
            summary=f"Changed {', '.join(sorted(changes))}",
            changes=changes,
        )
    return person


def delete_person(
    session: Session, *, actor: User, person: Person, expected_version: int | None = None
) -> None:
    """Delete a person who is on no deal (their memberships go with them).

    Deals belong to their owners: a person on a buying committee or the customer of a deal is
    refused, so that deleting a contact never silently changes somebody else's deal.
    """
    ensure_can_edit_person(actor, person.owner_id)
    ensure_version(person, expected_version)
    if session.scalar(select(exists().where(Deal.person_id == person.id))):
        raise Conflict("the person is the customer of a deal; delete or move the deal first")
    if session.scalar(select(exists().where(DealStakeholder.person_id == person.id))):
        raise Conflict("the person is on a deal's buying committee; remove them from it first")
    append_to_timelines(
        session,
        actor=actor,
        records=[(RecordType.PERSON, person.id)],
        kind=kinds.DELETED,
        summary=f"Person {display_name(person)} deleted",
    )
    forget_person(session, person.id)
    session.delete(person)
    session.flush()


def refresh_derived_fields(person: Person) -> None:
    """The primary email and the search text follow the names and emails."""
    person.primary_email = person.emails[0] if person.emails else None
    person.search_text = search_text(person.first_name, person.last_name, *person.emails)


def _clean_fields(
    session: Session, data: PersonFields, *, current: Person | None
) -> dict[str, Any]:
    present = data.model_fields_set - {"phone_region"}
    values: dict[str, Any] = {key: getattr(data, key) for key in present}
    for key in ("first_name", "last_name"):
        if key in values:
            values[key] = values[key] or ""
    if "emails" in values:
        values["emails"] = normalise_emails(values["emails"] or [])
    if "phones" in values:
        region = (
            parse_country(data.phone_region, field="phone_region") if data.phone_region else None
        )
        values["phones"] = normalise_phones(values["phones"] or [], region=region)
    if "lifecycle_stage" in values:
        if values["lifecycle_stage"] is None:
            raise ValidationFailed.on("lifecycle_stage", "must not be empty")
        values["lifecycle_stage"] = values["lifecycle_stage"].value
    if values.get("owner_id") is not None and session.get(User, values["owner_id"]) is None:
        raise ValidationFailed.on("owner_id", f"no user {values['owner_id']}")
    if "traits" in values:
        values["traits"] = _merge_traits(current.traits if current else {}, values["traits"] or {})
    if "custom" in values or current is None:
        values["custom"] = validate_custom_values(
            session,
            entity="person",
            values=values.get("custom") or {},
            current=current.custom if current else None,
        )
    return values


def _merge_traits(current: dict[str, Any], incoming: dict[str, Any]) -> dict[str, Any]:
    merged = dict(current)
    for key, value in incoming.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    if len(repr(merged)) > MAX_TRAITS_BYTES:
        raise ValidationFailed.on("traits", f"traits are limited to {MAX_TRAITS_BYTES} bytes")
    return merged
