"""Merging two records of the same human: person B (the duplicate) into person A.

In one records-database transaction: every identifier B owns gets a new mapping version
pointing to A (reason ``merge``; old rows stay), the open conflicts between them are closed,
B's other conflicts, memberships, reporting lines, deals, committee seats, activities, static
list memberships, sequence enrollments, flow runs and timeline entries move to A, B's emails,
phones, traits and empty fields are folded into A where A lacks them, A's timeline records
the merge, and B is deleted. Then, in DuckDB, the
new mappings are mirrored and B's events re-assigned to A. Both halves run under the
identity lock (``PersonStores.lock``). See docs/decisions/0009-merge-and-privacy.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from sqlalchemy.orm import Session

from twofold.auth.permissions import ensure_can_merge_persons
from twofold.contracts.merge_links import move_contracts
from twofold.core.enums import RecordType
from twofold.core.errors import ValidationFailed
from twofold.core.time import utcnow
from twofold.duplicates.queue import settle_after_merge
from twofold.events.person_events import count_person_events, reassign_person_events
from twofold.flows.merge_links import move_flow_runs
from twofold.identity.conflicts import open_conflict, settle_conflicts_of_merge
from twofold.identity.events import mirror_mappings
from twofold.identity.mappings import reassign_identifiers
from twofold.leads.person_links import move_leads
from twofold.lists.merge_links import move_list_memberships
from twofold.persons.actions import display_name, get_person, refresh_derived_fields
from twofold.persons.merge_links import (
    move_activity_links,
    move_customer_deals,
    move_memberships,
    move_stakeholders,
    move_timeline,
)
from twofold.persons.stores import PersonStores
from twofold.sequences.merge_links import move_enrollments
from twofold.store.models import Person, User
from twofold.timeline import kinds
from twofold.timeline.entries import append_to_timelines

MERGE_REASON = "merge"
FIELDS_FILLED_FROM_DUPLICATE = ("first_name", "last_name", "title", "owner_id")
# Fields the reviewer may take from the duplicate (``keep={"title": "from"}``).
CHOOSABLE_FIELDS = (*FIELDS_FILLED_FROM_DUPLICATE, "lifecycle_stage")
Side = Literal["into", "from"]


@dataclass(frozen=True)
class MergeReport:
    """What a merge moved (counts per kind) and what of B's profile A took over."""

    person_id: int
    merged_person_id: int
    moved: dict[str, int]
    folded: dict[str, Any] = field(default_factory=dict)


def merge_persons(
    stores: PersonStores,
    *,
    actor: User | None,
    into_id: int,
    from_id: int,
    conflict_id: int | None = None,
    keep: Mapping[str, Side] | None = None,
) -> MergeReport:
    """Merge person ``from_id`` into ``into_id`` in both databases.

    ``conflict_id`` names the identity conflict being settled (it must be open and between
    the two). ``keep`` picks, per field, whose value survives (``custom.<key>`` for a custom
    field; by default the survivor's, with its empty fields filled). ``actor`` None is the
    command line (a local administrator).
    """
    ensure_can_merge_persons(actor)
    if into_id == from_id:
        raise ValidationFailed.on("from_person_id", "a person cannot be merged with itself")
    with stores.lock:
        with stores.database.transaction() as session:
            report = merge_person_records(
                session,
                actor=actor,
                into=get_person(session, into_id),
                duplicate=get_person(session, from_id),
                conflict_id=conflict_id,
                keep=keep,
            )
        events = count_person_events(stores.events, from_id)
        mirror_mappings(stores.events, stores.database)  # moves what B's identifiers reach
        reassign_person_events(stores.events, from_person_id=from_id, to_person_id=into_id)
    return replace(report, moved={**report.moved, "events": events})


def merge_person_records(
    session: Session,
    *,
    actor: User | None,
    into: Person,
    duplicate: Person,
    conflict_id: int | None = None,
    keep: Mapping[str, Side] | None = None,
) -> MergeReport:
    """The records-database half of :func:`merge_persons`, in the caller's transaction."""
    ensure_can_merge_persons(actor)
    if into.id == duplicate.id:
        raise ValidationFailed.on("from_person_id", "a person cannot be merged with itself")
    chosen = take_chosen_fields(into, duplicate, keep or {})
    if conflict_id is not None:
        _check_conflict(session, conflict_id, {into.id, duplicate.id})
    ids = {"into_id": into.id, "from_id": duplicate.id}
    closed, repointed = settle_conflicts_of_merge(session, actor=actor, **ids)
    deal_ids = move_customer_deals(session, **ids)
    # Before the timeline moves: a stopped enrollment's note travels with the duplicate's.
    enrollments_moved, enrollments_stopped = move_enrollments(session, **ids)
    runs_moved, runs_ended = move_flow_runs(session, **ids)
    moved = {
        "identities": reassign_identifiers(
            session, from_person_id=duplicate.id, to_person_id=into.id, reason=MERGE_REASON
        ),
        "conflicts_closed": closed,
        "conflicts_moved": repointed,
        "memberships": move_memberships(session, **ids),
        "deals": len(deal_ids),
        "deal_stakeholders": move_stakeholders(session, **ids),
        "contracts": len(move_contracts(session, customer="person", **ids)),
        "leads": move_leads(session, **ids),
        "activities": move_activity_links(session, **ids),
        "lists": len(move_list_memberships(session, **ids, merged_name=display_name(duplicate))),
        "sequence_enrollments": enrollments_moved,
        "sequence_enrollments_stopped": enrollments_stopped,
        "flow_runs": runs_moved,
        "flow_runs_ended": runs_ended,
        "timeline_entries": move_timeline(session, **ids),
    }
    folded = {**chosen, **fold_profile(into, duplicate)}
    into.updated_at = utcnow()
    settle_after_merge(session, actor=actor, kind="persons", into_id=into.id, from_id=duplicate.id)
    session.flush()
    name = display_name(duplicate)
    append_to_timelines(
        session,
        actor=actor,
        records=[(RecordType.PERSON, into.id), *((RecordType.DEAL, deal) for deal in deal_ids)],
        kind=kinds.PERSONS_MERGED,
        summary=f"Merged {name} (person {duplicate.id}) into {display_name(into)}",
        changes={"merged_person_id": duplicate.id, "merged_person": name, **folded},
    )
    session.delete(duplicate)
    session.flush()
    return MergeReport(person_id=into.id, merged_person_id=duplicate.id, moved=moved, folded=folded)


def take_chosen_fields(into: Person, duplicate: Person, keep: Mapping[str, Side]) -> dict[str, Any]:
    """Give ``into`` the duplicate's value of each field chosen ``"from"``; answers them."""
    allowed = {*CHOOSABLE_FIELDS} | {f"custom.{key}" for key in duplicate.custom}
    for name, side in keep.items():
        if name not in allowed:
            raise ValidationFailed.on(f"keep.{name}", "not a field that can be chosen")
        if side not in {"into", "from"}:
            raise ValidationFailed.on(f"keep.{name}", "must be 'into' or 'from'")
    taken: dict[str, Any] = {}
    for name, side in keep.items():
        if side != "from":
            continue
        if name.startswith("custom."):
            key = name.removeprefix("custom.")
            into.custom = {**into.custom, key: duplicate.custom[key]}
            taken[name] = duplicate.custom[key]
        elif getattr(into, name) != getattr(duplicate, name):
            setattr(into, name, getattr(duplicate, name))
            taken[name] = getattr(duplicate, name)
    return taken


def fold_profile(into: Person, duplicate: Person) -> dict[str, Any]:
    """Give ``into`` what only ``duplicate`` has; answers what was taken over."""
    folded: dict[str, Any] = {}
    for name in ("emails", "phones"):
        ours: list[str] = getattr(into, name)
        extra = [value for value in getattr(duplicate, name) if value not in ours]
        if extra:
            setattr(into, name, [*ours, *extra])
            folded[name] = extra
    for name in ("traits", "custom"):
        ours_map: dict[str, Any] = getattr(into, name)
        extra_map = {k: v for k, v in getattr(duplicate, name).items() if k not in ours_map}
        if extra_map:
            setattr(into, name, {**ours_map, **extra_map})
            folded[name] = extra_map
    for name in FIELDS_FILLED_FROM_DUPLICATE:
        if not getattr(into, name) and getattr(duplicate, name):
            setattr(into, name, getattr(duplicate, name))
            folded[name] = getattr(duplicate, name)
    refresh_derived_fields(into)
    return folded


def _check_conflict(session: Session, conflict_id: int, person_ids: set[int]) -> None:
    conflict = open_conflict(session, conflict_id)
    if {conflict.person_id, conflict.other_person_id} != person_ids:
        raise ValidationFailed.on(
            "into_person_id", f"identity conflict {conflict_id} is not between these two persons"
        )
