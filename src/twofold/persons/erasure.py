"""Erasing a person (GDPR article 17) from both databases, with a report of what went.

1. Under the identity lock, the person's identifiers are suppressed in the event store and
   the erasure is noted as pending: from now on no message carrying them is loaded, so the
   person is not re-created from events still in the journal.
2. One records transaction runs :data:`erasure_steps.RECORD_STEPS` and leaves one audit
   entry (who, when, counts; no personal data) on the erased person's timeline.
3. The event store removes their events and identifier mirror and clears the note.

If step 2 fails, step 1 is undone. If the process dies between 2 and 3, the next start
finishes the erasure (:func:`settle_pending_erasures`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from twofold.auth.permissions import ensure_can_erase_person
from twofold.core.enums import RecordType
from twofold.core.time import utcnow
from twofold.events.person_events import (
    abandon_erasure,
    begin_erasure,
    finish_erasure,
    pending_erasures,
)
from twofold.identity.mappings import current_identifiers, owners_of
from twofold.identity.rules import EMAIL, PHONE
from twofold.persons.actions import get_person
from twofold.persons.erasure_steps import RECORD_STEPS, subject_of
from twofold.persons.stores import PersonStores
from twofold.store.models import Person, User
from twofold.timeline import kinds
from twofold.timeline.entries import append_to_timelines

Identifier = tuple[str, str]


@dataclass(frozen=True)
class ErasureReport:
    """What an erasure removed, per kind, and how many identifiers are now suppressed."""

    person_id: int
    erased_at: datetime
    removed: dict[str, int]
    suppressed_identifiers: int


def erase_person(stores: PersonStores, *, actor: User | None, person_id: int) -> ErasureReport:
    """Remove everything about the person from both databases (see the module notes)."""
    ensure_can_erase_person(actor)
    with stores.lock:
        with stores.database.transaction(write=False) as session:
            identifiers = identifiers_to_suppress(session, get_person(session, person_id))
        suppressed = begin_erasure(stores.events, person_id=person_id, identifiers=identifiers)
        try:
            with stores.database.transaction() as session:
                removed = erase_person_records(
                    session, actor=actor, person=get_person(session, person_id)
                )
        except BaseException:
            abandon_erasure(stores.events, person_id)
            raise
        erased = finish_erasure(stores.events, person_id)
        removed |= {
            "events": erased.events,
            "identity_map": erased.identity_map,
            "orders": erased.orders,
            "computed_traits": erased.computed_traits,
        }
        if stores.forget_in_memory is not None:
            removed["recent_rejections"] = stores.forget_in_memory(
                [value for _kind, value in identifiers]
            )
    return ErasureReport(
        person_id=person_id,
        erased_at=utcnow(),
        removed=removed,
        suppressed_identifiers=suppressed,
    )


def erase_person_records(session: Session, *, actor: User | None, person: Person) -> dict[str, int]:
    """The records half, in the caller's transaction: every step, then the audit entry."""
    ensure_can_erase_person(actor)
    subject = subject_of(session, person)
    session.expunge(person)  # the steps delete it with a statement; the ORM must not flush it
    removed = {step.kind: step.run(session, subject) for step in RECORD_STEPS}
    append_to_timelines(
        session,
        actor=actor,
        records=[(RecordType.PERSON, subject.person_id)],
        kind=kinds.PERSON_ERASED,
        summary=f"Personal data of person {subject.person_id} erased on request",
        changes={"removed": removed},
    )
    session.flush()
    return removed


def identifiers_to_suppress(session: Session, person: Person) -> list[Identifier]:
    """What the person owns now, plus their emails and phones unless somebody else owns them."""
    owned = [(item.kind, item.value) for item in current_identifiers(session, person.id)]
    contact = [(EMAIL, email) for email in person.emails] + [(PHONE, p) for p in person.phones]
    others = {
        item: owner for item, owner in owners_of(session, contact).items() if owner != person.id
    }
    return sorted({*owned, *(item for item in contact if item not in others)})


def settle_pending_erasures(stores: PersonStores) -> list[int]:
    """Finish erasures a stopped process left half-done; undo those whose records stayed."""
    settled = []
    with stores.lock:
        for person_id in pending_erasures(stores.events):
            with stores.database.transaction(write=False) as session:
                still_there = session.get(Person, person_id) is not None
            if still_there:
                abandon_erasure(stores.events, person_id)
            else:
                finish_erasure(stores.events, person_id)
            settled.append(person_id)
    return settled
