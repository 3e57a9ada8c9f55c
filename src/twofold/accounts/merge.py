"""Merging two records of the same organisation: account B (the duplicate) into account A.

In one transaction: B's memberships, deals, partner seats, activities, subsidiaries, event-
source groups and timeline entries move to A; A keeps its own field values except where the
reviewer chose B's (``keep``), and takes B's values for fields A leaves empty; domains are
the union; custom fields are A's plus B's for keys A lacks (or B's where chosen). A's
timeline records the merge, the review queue closes the pair, and B is deleted. Merging an
account with itself, or into an account inside its own hierarchy below it, is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.orm import Session

from twofold.accounts import merge_links
from twofold.accounts.actions import get_account
from twofold.accounts.hierarchy import ancestor_ids
from twofold.auth.permissions import ensure_can_edit
from twofold.contracts.merge_links import move_contracts
from twofold.core.enums import RecordType
from twofold.core.errors import ValidationFailed
from twofold.core.text import search_text
from twofold.core.time import utcnow
from twofold.duplicates.queue import settle_after_merge
from twofold.store.models import Account, User
from twofold.timeline import kinds
from twofold.timeline.entries import append_to_timelines

Side = Literal["into", "from"]
CHOOSABLE_FIELDS = (
    "name",
    "industry",
    "employees",
    "annual_revenue",
    "country",
    "region",
    "tier",
    "lifecycle",
    "owner_id",
    "parent_id",
)


@dataclass(frozen=True)
class AccountMergeReport:
    """What a merge moved to ``account_id`` (counts per kind) and which values it took from
    the merged account."""

    account_id: int
    merged_account_id: int
    moved: dict[str, int]
    taken: dict[str, Any]


def merge_accounts(
    session: Session,
    *,
    actor: User,
    into_id: int,
    from_id: int,
    keep: Mapping[str, Side] | None = None,
) -> AccountMergeReport:
    """Merge account ``from_id`` into ``into_id``; ``keep`` picks, per field (``custom.<key>``
    for a custom field), whose value survives."""
    if into_id == from_id:
        raise ValidationFailed.on("from_account_id", "an account cannot be merged with itself")
    into, duplicate = get_account(session, into_id), get_account(session, from_id)
    ensure_can_edit(actor, into.owner_id, record="account")
    ensure_can_edit(actor, duplicate.owner_id, record="account")
    if from_id in ancestor_ids(session, into_id):
        raise ValidationFailed.on(
            "from_account_id",
            f"account {into_id} is inside the hierarchy of account {from_id}; "
            "merge the other way round",
        )
    choices = _checked_choices(keep or {}, duplicate)
    ids = {"into_id": into_id, "from_id": from_id}
    deal_ids = merge_links.move_deals(session, **ids)
    moved = {
        "memberships": merge_links.move_memberships(session, **ids),
        "deals": len(deal_ids),
        "partner_seats": merge_links.move_partner_seats(session, **ids),
        "activities": merge_links.move_activity_links(session, **ids),
        "subsidiaries": merge_links.move_subsidiaries(session, **ids),
        "contracts": len(move_contracts(session, customer="account", **ids)),
        "source_groups": merge_links.move_source_groups(session, **ids),
        "timeline_entries": merge_links.move_timeline(session, **ids),
    }
    taken = _take_external_id(session, into, duplicate, choices)
    taken |= _fold_fields(into, duplicate, choices)
    if into.parent_id == from_id:  # it was the duplicate's child: it takes its place
        into.parent_id = duplicate.parent_id
    into.search_text = search_text(into.name, *into.domains)
    into.updated_at = utcnow()
    session.flush()
    append_to_timelines(
        session,
        actor=actor,
        records=[(RecordType.ACCOUNT, into_id), *((RecordType.DEAL, deal) for deal in deal_ids)],
        kind=kinds.ACCOUNTS_MERGED,
        summary=f"Merged {duplicate.name} (account {from_id}) into {into.name}",
        changes={"merged_account_id": from_id, "merged_account": duplicate.name, **taken},
    )
    settle_after_merge(session, actor=actor, kind="accounts", into_id=into_id, from_id=from_id)
    session.delete(duplicate)
    session.flush()
    return AccountMergeReport(
        account_id=into_id, merged_account_id=from_id, moved=moved, taken=taken
    )


def _checked_choices(keep: Mapping[str, Side], duplicate: Account) -> dict[str, Side]:
    allowed = {*CHOOSABLE_FIELDS, "external_id"} | {f"custom.{key}" for key in duplicate.custom}
    unknown = sorted(set(keep) - allowed)
    if unknown:
        raise ValidationFailed.on(f"keep.{unknown[0]}", "not a field that can be chosen")
    wrong = sorted(name for name, side in keep.items() if side not in {"into", "from"})
    if wrong:
        raise ValidationFailed.on(f"keep.{wrong[0]}", "must be 'into' or 'from'")
    return dict(keep)


def _take_external_id(
    session: Session, into: Account, duplicate: Account, choices: dict[str, Side]
) -> dict[str, Any]:
    theirs = duplicate.external_id
    choice = choices.get("external_id")
    if theirs is None or choice == "into" or (choice is None and into.external_id is not None):
        return {}
    duplicate.external_id = None  # unique: freed before the survivor takes it
    session.flush()
    into.external_id = theirs
    return {"external_id": theirs}


def _fold_fields(into: Account, duplicate: Account, choices: dict[str, Side]) -> dict[str, Any]:
    """Apply the choices and fill A's empty fields from B; answers what was taken from B."""
    taken: dict[str, Any] = {}
    for name in CHOOSABLE_FIELDS:
        theirs = getattr(duplicate, name)
        wanted = choices.get(name) == "from" or (
            name not in choices and getattr(into, name) in (None, "") and theirs not in (None, "")
        )
        if name == "parent_id" and theirs == into.id:
            wanted = False
        if wanted and getattr(into, name) != theirs:
            setattr(into, name, theirs)
            taken[name] = theirs
            if name == "annual_revenue":
                into.annual_revenue_currency = duplicate.annual_revenue_currency
    extra_domains = [d for d in duplicate.domains if d not in into.domains]
    if extra_domains:
        into.domains = [*into.domains, *extra_domains]
        taken["domains"] = extra_domains
    custom = dict(into.custom)
    for key, value in duplicate.custom.items():
        if choices.get(f"custom.{key}") == "from" or (
            key not in custom and f"custom.{key}" not in choices
        ):
            custom[key] = value
            taken[f"custom.{key}"] = value
    if custom != into.custom:
        into.custom = custom
    return taken
