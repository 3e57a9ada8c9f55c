"""The verbs that change accounts; each checks permissions and writes the timeline."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from twofold.accounts.hierarchy import ensure_valid_parent
from twofold.accounts.schemas import AccountCreate, AccountFields, AccountUpdate
from twofold.auth.permissions import ensure_can_assign, ensure_can_edit, ensure_can_write
from twofold.core.enums import AccountLifecycle, RecordType
from twofold.core.errors import Conflict, NotFound, ValidationFailed
from twofold.core.money import parse_amount, parse_currency
from twofold.core.places import parse_country, parse_domain
from twofold.core.text import search_text
from twofold.customfields.definitions import validate_custom_values
from twofold.store.changes import apply_changes, ensure_version
from twofold.store.models import Account, Deal, User
from twofold.timeline import kinds
from twofold.timeline.entries import append_to_timelines


def get_account(session: Session, account_id: int) -> Account:
    """The account with this id (every role may read every account), or ``NotFound``."""
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound(f"no account {account_id}")
    return account


def create_account(session: Session, *, actor: User, data: AccountCreate) -> Account:
    """Validate and add an account, owned by the actor unless an owner is given."""
    ensure_can_write(actor)
    values = _clean_fields(session, data, current=None)
    values.setdefault("owner_id", actor.id)
    ensure_can_assign(actor, values["owner_id"])
    if values.get("parent_id") is not None:
        ensure_valid_parent(session, account_id=None, new_parent_id=values["parent_id"])
    defaults = {"lifecycle": AccountLifecycle.PROSPECT.value, "domains": [], "custom": {}}
    account = Account(name=data.name, **{**defaults, **values})
    account.search_text = search_text(account.name, *account.domains)
    session.add(account)
    session.flush()
    append_to_timelines(
        session,
        actor=actor,
        records=[(RecordType.ACCOUNT, account.id)],
        kind=kinds.CREATED,
        summary=f"Account {account.name} created",
    )
    return account


def update_account(
    session: Session,
    *,
    actor: User,
    account: Account,
    data: AccountUpdate,
    expected_version: int | None = None,
) -> Account:
    """Apply the fields present in ``data``; refuses a stale version and hierarchy cycles."""
    ensure_can_edit(actor, account.owner_id, record="account")
    ensure_version(account, expected_version)
    values = _clean_fields(session, data, current=account)
    if "name" in data.model_fields_set:
        if not data.name:
            raise ValidationFailed.on("name", "must not be empty")
        values["name"] = data.name
    if "owner_id" in values:
        ensure_can_assign(actor, values["owner_id"])
    if values.get("parent_id") is not None:
        ensure_valid_parent(session, account_id=account.id, new_parent_id=values["parent_id"])
    changes = apply_changes(account, values)
    if changes:
        account.search_text = search_text(account.name, *account.domains)
        session.flush()
        append_to_timelines(
            session,
            actor=actor,
            records=[(RecordType.ACCOUNT, account.id)],
            kind=kinds.UPDATED,
            summary=f"Changed {', '.join(sorted(changes))}",
            changes=changes,
        )
    return account


def delete_account(
    session: Session, *, actor: User, account: Account, expected_version: int | None = None
) -> None:
    """Delete an account that has no subsidiaries and no deals (its timeline is kept)."""
    ensure_can_edit(actor, account.owner_id, record="account")
    ensure_version(account, expected_version)
    if session.scalar(select(exists().where(Account.parent_id == account.id))):
        raise Conflict("the account has subsidiaries; move or delete them first")
    if session.scalar(select(exists().where(Deal.account_id == account.id))):
        raise Conflict("the account has deals; delete or move them first")
    append_to_timelines(
        session,
        actor=actor,
        records=[(RecordType.ACCOUNT, account.id)],
        kind=kinds.DELETED,
        summary=f"Account {account.name} deleted",
    )
    session.delete(account)
    session.flush()


def _clean_fields(
    session: Session, data: AccountFields, *, current: Account | None
) -> dict[str, Any]:
    """Normalise and check the optional fields present in ``data``."""
    present = data.model_fields_set
    values: dict[str, Any] = {key: getattr(data, key) for key in present if key != "name"}
    if "domains" in values:
        values["domains"] = list(dict.fromkeys(parse_domain(d) for d in values["domains"] or []))
    if values.get("country") is not None:
        values["country"] = parse_country(values["country"])
    for key in ("tier", "lifecycle"):
        if values.get(key) is not None:
            values[key] = values[key].value
    if "lifecycle" in values and values["lifecycle"] is None:
        raise ValidationFailed.on("lifecycle", "must not be empty")
    _clean_revenue(values, current)
    _check_references(session, values)
    if "custom" in values:
        values["custom"] = validate_custom_values(
            session,
            entity="account",
            values=values["custom"] or {},
            current=current.custom if current else None,
        )
    elif current is None:
        values["custom"] = validate_custom_values(session, entity="account", values={})
    return values


def _clean_revenue(values: dict[str, Any], current: Account | None) -> None:
    if "annual_revenue" not in values and "annual_revenue_currency" not in values:
        return
    if values.get("annual_revenue_currency") is not None:
        values["annual_revenue_currency"] = parse_currency(
            values["annual_revenue_currency"], field="annual_revenue_currency"
        )
    stored = current.annual_revenue if current else None
    amount = values.get("annual_revenue", str(stored.normalize()) if stored is not None else None)
    currency = values.get(
        "annual_revenue_currency", current.annual_revenue_currency if current else None
    )
    if amount is None:
        values["annual_revenue"] = None
        return
    if not currency:
        raise ValidationFailed.on("annual_revenue_currency", "is required with annual_revenue")
    values["annual_revenue_currency"] = parse_currency(currency, field="annual_revenue_currency")
    values["annual_revenue"] = parse_amount(
        amount, values["annual_revenue_currency"], field="annual_revenue"
    )


def _check_references(session: Session, values: dict[str, Any]) -> None:
    if values.get("owner_id") is not None and session.get(User, values["owner_id"]) is None:
        raise ValidationFailed.on("owner_id", f"no user {values['owner_id']}")
    if values.get("parent_id") is not None and session.get(Account, values["parent_id"]) is None:
        raise ValidationFailed.on("parent_id", f"no account {values['parent_id']}")
