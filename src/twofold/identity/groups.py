"""``group`` calls: a person belongs to an organisation — B2B engagement from the event stream.

For each (person, groupId) of a load, the groupId's account is found — remembered per source
in ``account_groups``, else an account whose domains include the group's website/domain,
else one with the same name — or created from the group's traits. The person then gets a
membership at that account unless they already have one. Nothing the CRM holds is changed.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import orjson
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from twofold.core.text import search_text
from twofold.events.store import EventStore
from twofold.store.database import Database
from twofold.store.models import Account, AccountGroup, Membership
from twofold.store.search import matches_search

# The organisations of a load, with their latest non-empty traits, and who belongs to them.
_GROUPS = """
SELECT source_id, group_id,
       arg_max(traits, timestamp) FILTER (WHERE CAST(traits AS VARCHAR) <> '{}')
FROM events
WHERE load_id = ? AND type = 'group' AND group_id IS NOT NULL
GROUP BY source_id, group_id
"""

_MEMBERS = """
SELECT DISTINCT person_id, source_id, group_id
FROM events
WHERE load_id = ? AND type = 'group' AND person_id IS NOT NULL AND group_id IS NOT NULL
"""


def link_groups(store: EventStore, database: Database, load_id: int) -> int:
    """Tie the load's group calls to accounts and memberships; returns memberships added."""
    with store.reader() as reader:
        groups = reader.execute(_GROUPS, [load_id]).fetchall()
        members = reader.execute(_MEMBERS, [load_id]).fetchall()
    if not groups:
        return 0
    added = 0
    with database.transaction() as session:
        accounts = {
            (int(source_id), str(group_id)): _account_for(
                session, (int(source_id), str(group_id)), _traits(traits_json)
            )
            for source_id, group_id, traits_json in groups
        }
        for person_id, source_id, group_id in members:
            added += _ensure_membership(
                session, int(person_id), accounts[(int(source_id), str(group_id))]
            )
    return added


def _traits(raw: Any) -> dict[str, Any]:
    traits = orjson.loads(raw) if raw else {}
    return traits if isinstance(traits, dict) else {}


def _account_for(session: Session, key: tuple[int, str], traits: dict[str, Any]) -> int:
    source_id, group_id = key
    known = session.scalar(
        select(AccountGroup.account_id).where(
            AccountGroup.source_id == source_id, AccountGroup.group_id == group_id
        )
    )
    if known is not None:
        return int(known)
    account_id = _matching_account(session, traits) or _new_account(session, group_id, traits)
    session.add(AccountGroup(source_id=source_id, group_id=group_id, account_id=account_id))
    session.flush()
    return account_id


def _domain(traits: dict[str, Any]) -> str | None:
    raw = traits.get("domain") or traits.get("website")
    if not isinstance(raw, str) or not raw.strip():
        return None
    text = raw.strip().lower()
    host = urlsplit(text if "//" in text else f"//{text}").hostname or ""
    host = host.removeprefix("www.")
    return host if "." in host else None


def _matching_account(session: Session, traits: dict[str, Any]) -> int | None:
    domain = _domain(traits)
    if domain:
        candidates = session.scalars(
            select(Account).where(matches_search(session, Account, domain)).limit(20)
        )
        for account in candidates:
            if domain in [value.lower() for value in account.domains]:
                return account.id
    name = traits.get("name")
    if isinstance(name, str) and name.strip():
        found = session.scalar(
            select(Account.id)
            .where(func.lower(Account.name) == name.strip().lower())
            .order_by(Account.id)
            .limit(1)
        )
        if found is not None:
            return int(found)
    return None


def _new_account(session: Session, group_id: str, traits: dict[str, Any]) -> int:
    name = traits.get("name") if isinstance(traits.get("name"), str) else None
    domain = _domain(traits)
    employees = traits.get("employees")
    industry = traits.get("industry")
    account = Account(
        name=(name or group_id).strip()[:300],
        domains=[domain] if domain else [],
        industry=industry[:100] if isinstance(industry, str) else None,
        employees=employees if isinstance(employees, int) and employees >= 0 else None,
        custom={},
    )
    account.search_text = search_text(account.name, *account.domains)
    session.add(account)
    session.flush()
    return account.id


def _ensure_membership(session: Session, person_id: int, account_id: int) -> int:
    existing = session.scalar(
        select(Membership.id).where(
            Membership.person_id == person_id, Membership.account_id == account_id
        )
    )
    if existing is not None:
        return 0
    session.add(Membership(person_id=person_id, account_id=account_id, buying_roles=[]))
    session.flush()
    return 1
