"""Tie a loaded batch of events to persons: resolve identities, mirror, backfill, traits.

Runs on the loader thread after each journal segment is loaded (and again on start for any
load a crash interrupted). Each step is idempotent, so re-running a load is safe:

1. the identifiers of the load's identify/alias messages and of events from unknown user ids
   are resolved in one records-database transaction (persons created, mappings added,
   conflicts recorded);
2. new mappings are mirrored into DuckDB's ``identity_map`` and the events they concern get
   their ``person_id`` — including the anonymous history of a visitor who just identified
   (the persons on both sides of every move are noted in ``person_changes``);
3. persons whose traits changed get the latest value of every trait (latest timestamp wins,
   however late a message arrives).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import select

from twofold.core.text import search_text
from twofold.events.store import EventStore
from twofold.identity.graph import Claim, Identifier, Resolver, names_from_traits
from twofold.identity.groups import link_groups
from twofold.identity.rules import (
    ANONYMOUS_ID,
    EMAIL,
    PHONE,
    USER_ID,
    email_identifier,
    phone_identifier,
)
from twofold.store.database import Database
from twofold.store.models import IdentityMapping, Person

# Every identify and alias of the load, and the first event of each unknown user (a million
# events of ten thousand new users are ten thousand claims, not a million).
_CLAIMS = """
WITH claims AS (
    SELECT type, user_id, anonymous_id, previous_id, traits, context, message_id, source_id,
           timestamp, event_id
    FROM events WHERE load_id = $load AND type IN ('identify', 'alias')
    UNION ALL
    SELECT type, user_id, anonymous_id, previous_id, traits, context, message_id, source_id,
           timestamp, event_id
    FROM events
    WHERE load_id = $load AND person_id IS NULL AND type NOT IN ('identify', 'alias')
      AND (user_id IS NOT NULL OR (anonymous_id IS NULL AND (traits ->> 'email') IS NOT NULL))
    QUALIFY row_number() OVER (
        PARTITION BY user_id, anonymous_id ORDER BY timestamp, event_id
    ) = 1
)
SELECT type, user_id, anonymous_id, previous_id, traits, context ->> '$.traits.email',
       message_id, source_id
FROM claims ORDER BY timestamp, event_id
"""

# Imported rows known only by an email (an order export, say): tied by the email's owner.
_BACKFILL_EMAILS = """
UPDATE events SET person_id = m.person_id
FROM identity_map m
WHERE events.load_id = ? AND events.person_id IS NULL AND events.user_id IS NULL
  AND events.anonymous_id IS NULL AND m.kind = 'email'
  AND m.value = lower(trim(events.traits ->> 'email'))
"""

_BACKFILL_USERS = """
UPDATE events SET person_id = m.person_id
FROM identity_map m
WHERE m.mapping_id > ? AND m.kind = 'user_id' AND events.user_id = m.value
  AND events.person_id IS DISTINCT FROM m.person_id
"""

# A device's events before its owner identified: attached only where no user id says otherwise.
_BACKFILL_DEVICES = """
UPDATE events SET person_id = m.person_id
FROM identity_map m
WHERE m.mapping_id > ? AND m.kind = 'anonymous_id' AND events.anonymous_id = m.value
  AND events.user_id IS NULL AND events.person_id IS DISTINCT FROM m.person_id
"""

# The persons (before and after) of every event the two backfills below are about to move,
# so that what is computed per person (profiles/refresh.py) is recomputed for them.
_RECORD_CHANGES = """
INSERT INTO person_changes
SELECT DISTINCT person_id FROM (
    SELECT unnest([e.person_id, m.person_id]) AS person_id
    FROM events e JOIN identity_map m ON m.kind = 'user_id' AND e.user_id = m.value
    WHERE m.mapping_id > $watermark AND e.person_id IS DISTINCT FROM m.person_id
    UNION ALL
    SELECT unnest([e.person_id, m.person_id])
    FROM events e JOIN identity_map m ON m.kind = 'anonymous_id' AND e.anonymous_id = m.value
    WHERE m.mapping_id > $watermark AND e.user_id IS NULL
      AND e.person_id IS DISTINCT FROM m.person_id
)
WHERE person_id IS NOT NULL
"""

_LATEST_TRAITS = """
WITH touched AS (
    SELECT DISTINCT person_id FROM events
    WHERE load_id = ? AND type = 'identify' AND person_id IS NOT NULL
),
pairs AS (
    SELECT e.person_id, e.timestamp, e.event_id, unnest(json_keys(e.traits)) AS key, e.traits
    FROM events e JOIN touched USING (person_id)
    WHERE e.type = 'identify' AND e.traits IS NOT NULL
)
SELECT person_id, key, arg_max(json_extract(traits, '$."' || replace(key, '"', '\\"') || '"'),
                               (timestamp, event_id))
FROM pairs GROUP BY person_id, key
"""


@dataclass(frozen=True)
class ResolutionResult:
    """What resolving one load changed."""

    persons_created: int
    mappings_added: int
    conflicts: int


def resolve_load(store: EventStore, database: Database, load_id: int) -> ResolutionResult:
    """Run the three steps for one load and mark it done."""
    with store.reader() as reader:
        rows = reader.execute(_CLAIMS, {"load": load_id}).fetchall()
    claims = _claims(rows)
    with database.transaction() as session:
        resolver = Resolver(session)
        resolver.prefetch({item for claim in claims for item in claim.identifiers})
        for claim in claims:
            resolver.resolve(claim)
        resolver.finish()
    mirror_mappings(store, database)
    with store.writer() as writer:
        writer.execute(_BACKFILL_EMAILS, [load_id])
    _materialise_traits(store, database, load_id)
    link_groups(store, database, load_id)
    with store.writer() as writer:
        writer.execute("UPDATE loads SET identities_done = true WHERE load_id = ?", [load_id])
    return ResolutionResult(resolver.created_persons, resolver.new_mappings, resolver.conflicts)


def pending_loads(store: EventStore) -> list[int]:
    """Loads whose identities were not resolved (the process stopped in between)."""
    with store.reader() as reader:
        rows = reader.execute(
            "SELECT load_id FROM loads WHERE NOT identities_done ORDER BY load_id"
        ).fetchall()
    return [int(row[0]) for row in rows]


def mirror_mappings(store: EventStore, database: Database) -> int:
    """Copy mappings newer than the mirror into DuckDB; give their events their person."""
    with store.reader() as reader:
        row = reader.execute("SELECT coalesce(max(mapping_id), 0) FROM identity_map").fetchone()
    watermark = int(row[0]) if row else 0
    with database.transaction(write=False) as session:
        rows = session.execute(
            select(
                IdentityMapping.id,
                IdentityMapping.kind,
                IdentityMapping.value,
                IdentityMapping.person_id,
            )
            .where(IdentityMapping.id > watermark)
            .order_by(IdentityMapping.id)
        ).all()
    if not rows:
        return 0
    newest: dict[tuple[str, str], tuple[int, int]] = {}
    for mapping_id, kind, value, person_id in rows:
        newest[(kind, value)] = (int(person_id), int(mapping_id))
    with store.writer() as writer:
        writer.execute(
            "INSERT OR REPLACE INTO identity_map "
            "SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::BIGINT[]), "
            "unnest(?::BIGINT[])",
            [
                [key[0] for key in newest],
                [key[1] for key in newest],
                [value[0] for value in newest.values()],
                [value[1] for value in newest.values()],
            ],
        )
        writer.execute(_RECORD_CHANGES, {"watermark": watermark})
        writer.execute(_BACKFILL_USERS, [watermark])
        writer.execute(_BACKFILL_DEVICES, [watermark])
    return len(newest)


def _claims(rows: list[tuple[Any, ...]]) -> list[Claim]:
    claims: list[Claim] = []
    seen: set[tuple[Identifier, ...]] = set()
    for (
        kind,
        user_id,
        anonymous_id,
        previous_id,
        traits_json,
        context_email,
        message_id,
        source,
    ) in rows:
        traits = orjson.loads(traits_json) if traits_json else {}
        if not isinstance(traits, dict):
            traits = {}
        identifiers: list[Identifier] = []
        if user_id:
            identifiers.append((USER_ID, user_id))
        if anonymous_id:
            identifiers.append((ANONYMOUS_ID, anonymous_id))
        if kind == "alias" and previous_id:
            identifiers.append((ANONYMOUS_ID, previous_id))
        email = email_identifier(traits.get("email") or context_email)
        if email:
            identifiers.append((EMAIL, email))
        phone = phone_identifier(traits.get("phone"))
        if phone:
            identifiers.append((PHONE, phone))
        key = tuple(sorted(identifiers))
        if kind not in {"identify", "alias"}:
            # Many events of one unknown user: the first one creates the person.
            if key in seen:
                continue
            seen.add(key)
        claims.append(
            Claim(
                identifiers=identifiers,
                traits={**traits, "_email": email, "_phone": phone},
                reason=str(kind),
                source_id=int(source),
                message_id=str(message_id),
            )
        )
    return claims


def _materialise_traits(store: EventStore, database: Database, load_id: int) -> None:
    with store.reader() as reader:
        rows = reader.execute(_LATEST_TRAITS, [load_id]).fetchall()
    latest: dict[int, dict[str, Any]] = {}
    for person_id, key, value in rows:
        latest.setdefault(int(person_id), {})[str(key)] = orjson.loads(value) if value else None
    if not latest:
        return
    with database.transaction() as session:
        persons = session.scalars(select(Person).where(Person.id.in_(list(latest))))
        for person in persons:
            traits = {
                k: v for k, v in {**person.traits, **latest[person.id]}.items() if v is not None
            }
            if traits != person.traits:
                person.traits = traits
            _fill_contact_fields(person, traits)


def _fill_contact_fields(person: Person, traits: dict[str, Any]) -> None:
    """A profile known only from events gets its name and email from its traits; what the
    CRM already holds is never overwritten."""
    changed = False
    email = email_identifier(traits.get("email"))
    if email and not person.emails:
        person.emails = [email]
        person.primary_email = email
        changed = True
    first, last = names_from_traits(traits)
    if first and not person.first_name:
        person.first_name = first
        changed = True
    if last and not person.last_name:
        person.last_name = last
        changed = True
    if changed:
        person.search_text = search_text(person.first_name, person.last_name, *person.emails)
