"""The identity graph in the records database: append-only mappings and recorded conflicts.

:class:`Resolver` answers "which person is this?" for the identifiers of one message, in
message order, inside one records-database transaction. Mappings are only ever added (a new
version of an identifier's owner), so every answer can be explained later. Two persons that
are both identified are never merged here: the clash is stored as an IdentityConflict for a
person to decide.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, func, insert, select, text, tuple_
from sqlalchemy.orm import Session

from twofold.core.text import search_text
from twofold.core.time import utcnow
from twofold.identity.rules import ANONYMOUS_ID, EMAIL, PHONE, USER_ID, IdentityRules
from twofold.store.models import IdentityConflict, IdentityMapping, Person

Identifier = tuple[str, str]
# The tables themselves, for Core bulk inserts (the ORM per-object path is ~10x slower).
_PERSONS = cast("Table", Person.__table__)
_MAPPINGS = cast("Table", IdentityMapping.__table__)
_CONFLICTS = cast("Table", IdentityConflict.__table__)


@dataclass(frozen=True)
class Claim:
    """The identifiers one message carries, with what it says about the person."""

    identifiers: list[Identifier]
    traits: dict[str, Any]
    reason: str  # identify, alias, track, page, screen, group, import
    source_id: int | None = None
    message_id: str | None = None


class Resolver:
    """Resolves claims against the graph, remembering within one transaction what it did."""

    def __init__(self, session: Session, rules: IdentityRules | None = None) -> None:
        self.session = session
        self.rules = rules or IdentityRules()
        self._owners: dict[Identifier, tuple[int, int] | None] = {}  # → (person, version)
        self._crm_emails: dict[str, int] = {}
        self._counts: dict[int, Counter[str]] = {}
        # Writes wait for finish(): persons get negative placeholder ids until then, so that
        # thousands of new people are inserted with a few statements instead of one each.
        self._new_persons: list[dict[str, Any]] = []
        self._mappings: list[dict[str, Any]] = []
        self._conflicts: list[dict[str, Any]] = []
        self._conflict_keys: set[tuple[str, str, int, int]] = set()
        self.created_persons = 0
        self.new_mappings = 0
        self.conflicts = 0

    def prefetch(self, identifiers: set[Identifier]) -> None:
        """Load the current owners of many identifiers with a few queries."""
        wanted = [item for item in identifiers if item not in self._owners]
        for start in range(0, len(wanted), 400):
            chunk = wanted[start : start + 400]
            for item in chunk:
                self._owners[item] = None
            newest = (
                select(
                    IdentityMapping.kind,
                    IdentityMapping.value,
                    func.max(IdentityMapping.version).label("version"),
                )
                .where(tuple_(IdentityMapping.kind, IdentityMapping.value).in_(chunk))
                .group_by(IdentityMapping.kind, IdentityMapping.value)
                .subquery()
            )
            rows = self.session.execute(
                select(
                    IdentityMapping.kind,
                    IdentityMapping.value,
                    IdentityMapping.person_id,
                    IdentityMapping.version,
                ).join(
                    newest,
                    (newest.c.kind == IdentityMapping.kind)
                    & (newest.c.value == IdentityMapping.value)
                    & (newest.c.version == IdentityMapping.version),
                )
            )
            for kind, value, person_id, version in rows:
                self._owners[(kind, value)] = (int(person_id), int(version))
            emails = [
                value for kind, value in chunk if kind == EMAIL and not self._owners[(kind, value)]
            ]
            if emails:
                # A contact entered in the CRM owns its primary email before any event mapped it.
                contacts = self.session.execute(
                    select(Person.primary_email, func.min(Person.id))
                    .where(Person.primary_email.in_(emails))
                    .group_by(Person.primary_email)
                ).all()
                self._crm_emails.update({str(email): int(pid) for email, pid in contacts})

    def resolve(self, claim: Claim) -> int | None:
        """The person the claim is about (created when new), or None for an anonymous visitor."""
        identifiers = sorted(set(claim.identifiers), key=lambda item: self.rules.rank(item[0]))
        if not identifiers:
            return None
        self.prefetch(set(identifiers))
        owners = {item: self._owner(item) for item in identifiers}
        person_id = self._primary(identifiers, owners)
        if person_id is None:
            if not self.rules.is_known_person(identifiers):
                return None
            person_id = self._create_person(claim.traits)
        for item in identifiers:
            owner = owners[item]
            if owner == person_id:
                continue
            if owner is None:
                if self._room_for(person_id, item[0]):
                    self._attach(item, person_id, claim)
            else:
                self._record_conflict(item, owner, person_id, claim)
        return person_id

    # -- the rules ----------------------------------------------------------------------------

    def _primary(
        self, identifiers: list[Identifier], owners: dict[Identifier, int | None]
    ) -> int | None:
        """The owner of the highest-priority owned identifier, unless the claim brings a user
        id of its own that this person has no room for (then it is somebody else)."""
        unowned_user_id = any(
            kind == USER_ID and owners[(kind, value)] is None for kind, value in identifiers
        )
        for item in identifiers:
            owner = owners[item]
            if owner is None:
                continue
            if unowned_user_id and not self._room_for(owner, USER_ID):
                return None
            return owner
        return None

    def _owner(self, item: Identifier) -> int | None:
        known = self._owners.get(item)
        if known is not None:
            return known[0]
        contact = self._crm_emails.get(item[1]) if item[0] == EMAIL else None
        if contact is not None:
            self._add_mapping(item, contact, reason="crm", claim=None)
        return contact

    def _room_for(self, person_id: int, kind: str) -> bool:
        counts = self._counts.get(person_id)
        if counts is None:  # an existing person: count what the graph already gives them
            rows = self.session.execute(
                select(IdentityMapping.kind, func.count(func.distinct(IdentityMapping.value)))
                .where(IdentityMapping.person_id == person_id)
                .group_by(IdentityMapping.kind)
            ).all()
            counts = Counter({str(kind): int(number) for kind, number in rows})
            self._counts[person_id] = counts
        return counts[kind] < self.rules.limits.get(kind, 1)

    # -- writing ------------------------------------------------------------------------------

    def _create_person(self, traits: dict[str, Any]) -> int:
        first, last = names_from_traits(traits)
        email = traits.get("_email")
        phone = traits.get("_phone")
        self._new_persons.append(
            {
                "first_name": first,
                "last_name": last,
                "emails": [email] if email else [],
                "phones": [phone] if phone else [],
                "primary_email": email,
                "traits": {},
                "custom": {},
                "search_text": search_text(first, last, email),
            }
        )
        placeholder = -len(self._new_persons)
        self._counts[placeholder] = Counter()
        self.created_persons += 1
        return placeholder

    def _attach(self, item: Identifier, person_id: int, claim: Claim) -> None:
        self._add_mapping(item, person_id, reason=claim.reason, claim=claim)

    def _add_mapping(
        self, item: Identifier, person_id: int, *, reason: str, claim: Claim | None
    ) -> None:
        previous = self._owners.get(item)
        version = previous[1] + 1 if previous else 1
        self._mappings.append(
            {
                "kind": item[0],
                "value": item[1],
                "version": version,
                "person_id": person_id,
                "reason": reason[:20],
                "source_id": claim.source_id if claim else None,
                "message_id": claim.message_id if claim else None,
            }
        )
        self._owners[item] = (person_id, version)
        self._counts.setdefault(person_id, Counter())[item[0]] += 1
        self.new_mappings += 1

    def _record_conflict(self, item: Identifier, owner: int, claimant: int, claim: Claim) -> None:
        key = (item[0], item[1], owner, claimant)
        if key in self._conflict_keys:
            return
        self._conflict_keys.add(key)
        if owner > 0 and claimant > 0:
            exists = self.session.scalar(
                select(IdentityConflict.id).where(
                    IdentityConflict.kind == item[0],
                    IdentityConflict.value == item[1],
                    IdentityConflict.person_id == owner,
                    IdentityConflict.other_person_id == claimant,
                    IdentityConflict.status == "open",
                )
            )
            if exists is not None:
                return
        self._conflicts.append(
            {
                "kind": item[0],
                "value": item[1],
                "person_id": owner,
                "other_person_id": claimant,
                "reason": f"{claim.reason}: this {item[0]} already belongs to another person",
                "source_id": claim.source_id,
                "message_id": claim.message_id,
            }
        )
        self.conflicts += 1

    def finish(self) -> dict[int, int]:
        """Write the new persons, mappings and conflicts; placeholder id → real id."""
        real: dict[int, int] = {}
        now = utcnow()
        if self._new_persons:
            ids = allocate_ids(self.session, "persons", len(self._new_persons))
            for person_id, row in zip(ids, self._new_persons, strict=True):
                row.update(id=person_id, created_at=now, updated_at=now, version=1)
                row.update(lifecycle_stage="lead", owner_id=None, title=None)
            real = {-(index + 1): person_id for index, person_id in enumerate(ids)}
            # Core executemany with explicit ids: no RETURNING round trips, no ORM overhead.
            self.session.execute(insert(_PERSONS), self._new_persons)
        for row in self._mappings:
            row["person_id"] = real.get(row["person_id"], row["person_id"])
            row["created_at"] = now
        for row in self._conflicts:
            row["person_id"] = real.get(row["person_id"], row["person_id"])
            row["other_person_id"] = real.get(row["other_person_id"], row["other_person_id"])
            row.update(status="open", created_at=now, resolved_at=None, resolved_by_id=None)
        if self._mappings:
            self.session.execute(insert(_MAPPINGS), self._mappings)
        if self._conflicts:
            self.session.execute(insert(_CONFLICTS), self._conflicts)
        self._new_persons, self._mappings, self._conflicts = [], [], []
        self._owners = {
            item: (real.get(owner[0], owner[0]), owner[1]) if owner else None
            for item, owner in self._owners.items()
        }
        self._counts = {real.get(pid, pid): counts for pid, counts in self._counts.items()}
        return real


def allocate_ids(session: Session, table: str, count: int) -> list[int]:
    """``count`` fresh primary keys for ``table`` (one of ours), inside a write transaction.

    PostgreSQL hands out a block of its sequence; on SQLite the write transaction holds the
    database lock (BEGIN IMMEDIATE), so the next ids after the current maximum are ours.
    """
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"
            ),
            {"table": table, "n": count},
        )
        return sorted(int(row[0]) for row in rows)
    tables = {"persons": _PERSONS}
    highest = session.execute(select(func.max(tables[table].c.id))).scalar()
    start = int(highest or 0) + 1
    return list(range(start, start + count))


def names_from_traits(traits: dict[str, Any]) -> tuple[str, str]:
    """First and last name from Segment's traits (firstName/lastName, or name)."""
    first = traits.get("firstName") or traits.get("first_name") or ""
    last = traits.get("lastName") or traits.get("last_name") or ""
    if not first and not last and isinstance(traits.get("name"), str):
        first, _, last = traits["name"].strip().partition(" ")
    return str(first)[:200], str(last)[:200]


__all__ = ["ANONYMOUS_ID", "EMAIL", "PHONE", "USER_ID", "Claim", "Resolver"]
